#!/usr/bin/env bash
# Installs libisms (the library, its headers, the pkg-config and CMake files,
# the isms and isms-sandbox commands) under a prefix, or removes what it
# installed.
#
#   scripts/install.sh install|uninstall [PREFIX=DIR] [DESTDIR=DIR] [FROM=DIR]
#
# Each setting comes from its argument, else from the environment:
#   PREFIX   where the files go (default /usr/local)
#   DESTDIR  a staging folder prepended to PREFIX (default none)
#   FROM     the folder holding the built libisms.so, libisms.a, isms and
#            isms-sandbox (default target/release)
#   LIBRARY_ONLY=1  the library part alone: lib/ and include/, no bin/ (the
#            musl archive of `make dist`)
#
# Under PREFIX: lib/libisms.so.VERSION (VERSION from Cargo.toml) with the
# relative links lib/libisms.so.MAJOR and lib/libisms.so, lib/libisms.a,
# include/isms.h, include/isms.hpp, lib/pkgconfig/isms.pc,
# lib/cmake/isms/isms-config.cmake and isms-config-version.cmake,
# bin/isms and bin/isms-sandbox. The .pc and CMake files find the prefix
# from their own place, so the tree can be moved. `uninstall` removes those
# files and the folder lib/cmake/isms when empty, nothing else.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  echo "usage: scripts/install.sh install|uninstall [PREFIX=DIR] [DESTDIR=DIR] [FROM=DIR]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
action=$1
shift
case $action in install | uninstall) ;; *) usage ;; esac
for arg in "$@"; do
  case $arg in
    PREFIX=*) PREFIX=${arg#PREFIX=} ;;
    DESTDIR=*) DESTDIR=${arg#DESTDIR=} ;;
    FROM=*) FROM=${arg#FROM=} ;;
    LIBRARY_ONLY=*) LIBRARY_ONLY=${arg#LIBRARY_ONLY=} ;;
    *) usage ;;
  esac
done
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
FROM=${FROM:-$root/target/release}
LIBRARY_ONLY=${LIBRARY_ONLY:-}
case $PREFIX in
  /*) ;;
  *)
    echo "install: PREFIX must be an absolute path, not '$PREFIX'" >&2
    exit 2
    ;;
esac

version=$(sed -n 's/^version = "\(.*\)"$/\1/p;T;q' "$root/Cargo.toml")
major=${version%%.*}
[ -n "$version" ] || {
  echo "install: no version in $root/Cargo.toml" >&2
  exit 1
}

dest=$DESTDIR$PREFIX
lib=lib/libisms.so.$version

# Every file and link `install` writes, relative to the prefix.
files=(
  "$lib"
  "lib/libisms.so.$major"
  lib/libisms.so
  lib/libisms.a
  include/isms.h
  include/isms.hpp
  lib/pkgconfig/isms.pc
  lib/cmake/isms/isms-config.cmake
  lib/cmake/isms/isms-config-version.cmake
)
commands=(isms isms-sandbox)
[ -n "$LIBRARY_ONLY" ] && commands=()
for command in "${commands[@]}"; do
  files+=("bin/$command")
done

# A template of packaging/ with @VERSION@ and @ABI_MAJOR@ filled in.
fill() {
  sed -e "s/@VERSION@/$version/g" -e "s/@ABI_MAJOR@/$major/g" "$root/packaging/$1"
}

# `install -D` into the prefix; $1 mode, $2 source, $3 path under the prefix.
put() {
  install -D -m "$1" "$2" "$dest/$3"
}

# A file of packaging/ filled in, into the prefix; $1 template, $2 path.
put_filled() {
  local tmp
  tmp=$(mktemp)
  fill "$1" >"$tmp"
  put 0644 "$tmp" "$2"
  rm -f "$tmp"
}

do_install() {
  local missing=()
  for built in libisms.so libisms.a "${commands[@]}"; do
    [ -f "$FROM/$built" ] || missing+=("$FROM/$built")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install: not built: ${missing[*]} (run 'make build')" >&2
    exit 1
  fi
  put 0755 "$FROM/libisms.so" "$lib"
  # Relative links, so that the tree stays whole when moved or staged.
  ln -sfn "libisms.so.$version" "$dest/lib/libisms.so.$major"
  ln -sfn "libisms.so.$major" "$dest/lib/libisms.so"
  put 0644 "$FROM/libisms.a" lib/libisms.a
  put 0644 "$root/include/isms.h" include/isms.h
  put 0644 "$root/include/isms.hpp" include/isms.hpp
  put_filled isms.pc.in lib/pkgconfig/isms.pc
  put_filled isms-config.cmake.in lib/cmake/isms/isms-config.cmake
  put_filled isms-config-version.cmake.in lib/cmake/isms/isms-config-version.cmake
  for command in "${commands[@]}"; do
    put 0755 "$FROM/$command" "bin/$command"
  done
  echo "installed libisms $version in $dest"
}

do_uninstall() {
  for file in "${files[@]}"; do
    if [ -e "$dest/$file" ] || [ -L "$dest/$file" ]; then
      rm -f "$dest/$file"
    fi
  done
  if [ -d "$dest/lib/cmake/isms" ]; then
    rmdir "$dest/lib/cmake/isms" 2>/dev/null || true
  fi
  echo "removed libisms $version from $dest"
}

"do_$action"
