#!/usr/bin/env bash
# A Debian 11 (bullseye: glibc 2.31, Python 3.9) root in target/debian11, to
# run programs built against the portable library on an older system than
# the one that built them. Needs root (debootstrap, mount, chroot).
#
#   scripts/debian11.sh              builds the root once (debootstrap
#                                    --variant=minbase); kept while its stamp
#                                    file exists and names the same packages
#   scripts/debian11.sh run CMD...   runs CMD inside the root (chroot), in the
#                                    current directory
#   scripts/debian11.sh run --release-library FILE CMD...
#                                    the same, with FILE seen inside the root at
#                                    target/release/libisms.so (the Python
#                                    suite's discovery cases load that path in
#                                    a checkout; this host's build cannot load
#                                    in the older root)
#
# `run` mounts /proc and /dev in the root and binds the repository at the
# same absolute path as outside, so paths given to CMD are the same inside
# and out; everything is unmounted again when CMD ends, failed or not. The
# root shares the host's network namespace: a sandbox started outside on
# 127.0.0.1 is reachable from inside. Files the command must read (a
# sandbox's CA, say) have to be inside the repository.
#
# DEBIAN11_MIRROR (default http://deb.debian.org/debian) is the mirror.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$repo/target/debian11
stamp=$dir/.isms-debian11-built
mirror=${DEBIAN11_MIRROR:-http://deb.debian.org/debian}
# What the tests need inside: Python 3.9 with pytest (and venv), cJSON for
# the C test program, the CA bundle, and a C compiler (the Python suite
# builds small libraries and checks the header's layouts with one).
include=python3,python3-venv,python3-pytest,libcjson1,ca-certificates,gcc,libc6-dev
built="bullseye minbase, $include"

die() {
  echo "debian11: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, mount and chroot)"

# Anything still mounted under the root (a `run` killed hard): never delete
# through it, the repository is bound in there.
mounts_inside() { findmnt -rn -o TARGET | grep -E "^$dir(/|\$)" || true; }

build() {
  [ "$(cat "$stamp" 2>/dev/null)" = "$built" ] && return 0
  command -v debootstrap >/dev/null || die "no debootstrap: run 'scripts/install-deps.sh portable'"
  [ -z "$(mounts_inside)" ] || die "mounts left under $dir: $(mounts_inside | tr '\n' ' ')"
  rm -rf --one-file-system "$dir"
  mkdir -p "$dir"
  echo "debian11: debootstrap bullseye into $dir from $mirror"
  local start=$SECONDS
  debootstrap --variant=minbase --include="$include" bullseye "$dir" "$mirror" \
    >"$repo/target/debian11.log" 2>&1 || {
    tail -n 30 "$repo/target/debian11.log" >&2
    die "debootstrap failed (log: target/debian11.log)"
  }
  echo "$built" >"$stamp"
  echo "debian11: built in $((SECONDS - start)) s, $(du -sh --one-file-system "$dir" | cut -f1)"
}

run() {
  local release_library=
  if [ "${1:-}" = --release-library ]; then
    [ $# -ge 2 ] && [ -f "$2" ] || die "--release-library needs a library file"
    release_library=$(realpath "$2")
    shift 2
  fi
  [ $# -gt 0 ] || die "usage: scripts/debian11.sh run [--release-library FILE] CMD [ARGS...]"
  build
  case $PWD/ in
    "$repo"/*) ;;
    *) die "run from inside the repository ($repo), not $PWD" ;;
  esac
  # One run at a time: each mounts and unmounts the same places.
  exec 9>"$repo/target/debian11.lock"
  flock 9
  mounted=()
  cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
      umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" \
        || echo "debian11: could not unmount ${mounted[i]}" >&2
    done
  }
  trap cleanup EXIT
  mount -t proc proc "$dir/proc"
  mounted+=("$dir/proc")
  mount --rbind /dev "$dir/dev"
  mount --make-rslave "$dir/dev"
  mounted+=("$dir/dev")
  mkdir -p "$dir$repo"
  mount --bind "$repo" "$dir$repo"
  # Mounts made inside (over a file of the repository, say) stay inside.
  mount --make-rslave "$dir$repo"
  mounted+=("$dir$repo")
  if [ -n "$release_library" ]; then
    # Over the file in the root's view of the repository only.
    mount --bind "$release_library" "$dir$repo/target/release/libisms.so"
    mounted+=("$dir$repo/target/release/libisms.so")
  fi
  # CMD runs as a child waited for, so that a signal to this script ends it
  # and unmounts at once (bash runs traps only between commands). Its input
  # is this script's (an asynchronous command would get /dev/null).
  local status=0
  exec 3<&0
  PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin HOME=/root \
    chroot "$dir" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$PWD" "$@" <&3 3<&- 9>&- &
  child=$!
  trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM HUP
  wait "$child" || status=$?
  return "$status"
}

case ${1:-} in
  "") build ;;
  run)
    shift
    run "$@"
    ;;
  *) die "unknown command '$1' (none, or run CMD...)" ;;
esac
