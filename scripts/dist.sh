#!/usr/bin/env bash
# Assembles the C archives of `make dist` into target/dist/ from the builds
# already made (`make portable`, `make windows`, `make musl`):
#
#   libisms-VERSION-x86_64-linux-gnu.tar.gz   the `make install` layout of the
#       glibc-2.17 builds (target/portable/) under libisms-VERSION/
#   libisms-VERSION-x86_64-linux-musl.tar.gz  its library part (lib/, include/)
#       with the musl build
#   libisms-VERSION-x86_64-windows-gnu.zip    bin/isms.dll, lib/libisms.dll.a,
#       include/isms.h, include/isms.hpp under libisms-VERSION/
#
#   scripts/dist.sh VERSION PORTABLE_DIR MUSL_RELEASE_DIR WINDOWS_RELEASE_DIR
#
# The archives hold files owned by root with the same date, in name order,
# so that two runs over the same builds give the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 4 ] || { echo "usage: $0 VERSION PORTABLE_DIR MUSL_RELEASE_DIR WINDOWS_RELEASE_DIR" >&2; exit 2; }
version=$1 portable=$2 musl=$3 windows=$4
dist=target/dist
stage=target/dist-stage
top=libisms-$version
rm -rf "$stage"
mkdir -p "$dist" "$stage"
# The date of the last commit (or of now, outside a checkout).
stamp=$(git log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)

tarball() { # folder-holding-$top output
  tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$stamp" -cf - "$top" | gzip -9n >"$2"
}

# linux-gnu: every binary of the glibc-2.17 builds.
scripts/install.sh install PREFIX="/$top" DESTDIR="$stage/gnu" FROM="$portable" >/dev/null
tarball "$stage/gnu" "$dist/$top-x86_64-linux-gnu.tar.gz"

# linux-musl: the library part only (the tools are glibc builds).
mkdir -p "$stage/musl-from"
cp "$musl/libisms.so" "$musl/libisms.a" "$stage/musl-from/"
scripts/install.sh install PREFIX="/$top" DESTDIR="$stage/musl" FROM="$stage/musl-from" LIBRARY_ONLY=1 >/dev/null
tarball "$stage/musl" "$dist/$top-x86_64-linux-musl.tar.gz"

# windows-gnu: the dll, its import library and the headers.
win=$stage/windows/$top
install -D -m 0755 "$windows/isms.dll" "$win/bin/isms.dll"
install -D -m 0644 "$windows/libisms.dll.a" "$win/lib/libisms.dll.a"
install -D -m 0644 include/isms.h "$win/include/isms.h"
install -D -m 0644 include/isms.hpp "$win/include/isms.hpp"
find "$stage/windows" -exec touch -d "$stamp" {} +
rm -f "$dist/$top-x86_64-windows-gnu.zip"
(cd "$stage/windows" && find "$top" | LC_ALL=C sort | zip -qX -@ "../../../$dist/$top-x86_64-windows-gnu.zip")

rm -rf "$stage"
for archive in "$dist/$top"-*; do
  printf 'dist: %s (%d bytes)\n' "$archive" "$(stat -c %s "$archive")"
done
