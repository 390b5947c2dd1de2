#!/usr/bin/env bash
# make install-test: installs libisms with scripts/install.sh into folders
# under target/install-test and uses it as its users do.
#
#   1. DESTDIR=.../stage PREFIX=/opt/isms, and PREFIX=.../prefix: the exact
#      list of files, relative links, the SONAME link, the version.
#   2. pkg-config (PKG_CONFIG_PATH on the staged prefix): examples/demo.c
#      built with --cflags --libs, run against the sandbox; Libs.private
#      compared with rustc's --print native-static-libs, then the same demo
#      linked with --static --libs against libisms.a and run.
#   3. CMake: tests/install/cmake (find_package(isms 1.1), isms::isms,
#      examples/demo.cpp) built and run; find_package(isms 2.0) and
#      (isms 1.99) must fail.
#   4. bin/isms and bin/isms-sandbox --help.
#   5. The installed tree copied elsewhere, the original uninstalled (no
#      file of ours left, others' files kept), then pkg-config and CMake builds from the copy.
# Needs `make build` (the built files in target/release) and pkg-config,
# cmake and g++ (scripts/install-deps.sh install).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/install-test
sandbox=$root/scripts/with-sandbox.sh
CC=${CC:-gcc}
CFLAGS_TEST=(-std=c11 -Wall -Wextra -Werror -O1)

version=$(sed -n 's/^version = "\(.*\)"$/\1/p;T;q' Cargo.toml)
major=${version%%.*}
checks=0

fail() {
  echo "install-test: FAIL: $*" >&2
  exit 1
}
ok() {
  checks=$((checks + 1))
  echo "install-test: ok: $*"
}

# Every file and link of an install, as `find -printf '%y %P'` lists them
# (f file, l link), sorted.
expected_files() {
  sort <<EOF
f bin/isms
f bin/isms-sandbox
f include/isms.h
f include/isms.hpp
f lib/cmake/isms/isms-config-version.cmake
f lib/cmake/isms/isms-config.cmake
f lib/libisms.a
f lib/libisms.so.$version
f lib/pkgconfig/isms.pc
l lib/libisms.so
l lib/libisms.so.$major
EOF
}

# $1 the prefix: exactly the expected files, relative links to the right
# names, the real library's SONAME, modes.
check_tree() {
  local p=$1
  diff -u <(expected_files) <(cd "$p" && find . \( -type f -o -type l \) -printf '%y %P\n' | sort) ||
    fail "$p: the installed files differ from the list (- expected, + found)"
  local link target
  for link in "lib/libisms.so.$major:libisms.so.$version" "lib/libisms.so:libisms.so.$major"; do
    target=$(readlink "$p/${link%%:*}")
    [ "$target" = "${link#*:}" ] ||
      fail "$p/${link%%:*} points to '$target', not to the relative '${link#*:}'"
  done
  [ "$(readlink -f "$p/lib/libisms.so")" = "$(readlink -f "$p/lib/libisms.so.$version")" ] ||
    fail "$p/lib/libisms.so does not lead to libisms.so.$version"
  local soname
  soname=$(readelf -d "$p/lib/libisms.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "libisms.so.$major" ] || fail "SONAME is '$soname', not libisms.so.$major"
  local f
  for f in bin/isms bin/isms-sandbox "lib/libisms.so.$version"; do
    [ -x "$p/$f" ] || fail "$p/$f is not executable"
  done
  cmp -s include/isms.h "$p/include/isms.h" || fail "$p/include/isms.h differs from include/isms.h"
  ok "$p: $(expected_files | wc -l) files and links, links relative, SONAME $soname"
}

# Files of others in a prefix, which uninstall must leave alone.
foreign=(lib/libother.so.1 lib/pkgconfig/other.pc lib/cmake/other/other-config.cmake include/other.h bin/other)

# $1 the prefix: none of our files left, and no lib/cmake/isms folder; the
# foreign files still there.
check_gone() {
  local p=$1 left
  left=$(cd "$p" && find . \( -type f -o -type l \) -printf '%P\n' | sort)
  [ "$left" = "$(printf '%s\n' "${foreign[@]}" | sort)" ] ||
    fail "$p: after uninstall, files other than the foreign ones: $left"
  [ ! -e "$p/lib/cmake/isms" ] || fail "$p/lib/cmake/isms is still there after uninstall"
  ok "$p: uninstall left none of our files, and the ${#foreign[@]} of others"
}

# $1 the prefix, $2 the name of the output: examples/demo.c built with
# pkg-config's flags for the shared library, run against the sandbox.
pkgconfig_shared() {
  local p=$1 out=$work/bin/$2
  export PKG_CONFIG_PATH=$p/lib/pkgconfig
  local modversion
  modversion=$(pkg-config --modversion isms)
  [ "$modversion" = "$version" ] || fail "pkg-config --modversion isms says '$modversion', not $version"
  # shellcheck disable=SC2046 # pkg-config's flags are split on purpose
  "$CC" "${CFLAGS_TEST[@]}" $(pkg-config --cflags isms) examples/demo.c \
    $(pkg-config --libs isms) -Wl,-rpath,"$p/lib" -o "$out" ||
    fail "demo.c did not build with pkg-config's flags ($(pkg-config --cflags --libs isms))"
  grep -q "NEEDED.*\[libisms.so.$major\]" <<<"$(readelf -d "$out")" || fail "$out does not need libisms.so.$major"
  local lib
  lib=$(ldd "$out" | sed -n 's/^\s*libisms.so[^ ]* => \([^ ]*\).*/\1/p')
  [ "$(readlink -f "$lib")" = "$(readlink -f "$p/lib/libisms.so.$version")" ] ||
    fail "$out loads '$lib', not the installed library"
  ISMS_SANDBOX_BIN=$p/bin/isms-sandbox "$sandbox" "$out" >"$out.log" 2>&1 ||
    { cat "$out.log" >&2; fail "$out (pkg-config, shared) failed against the sandbox"; }
  grep -q 'the whole flow worked' "$out.log" || fail "$out did not finish the flow"
  ok "pkg-config $modversion from $p: demo.c linked with libisms.so, ran the flow"
}

# $1 the prefix: Libs.private equals rustc's list; demo.c linked against
# libisms.a with pkg-config --static, run against the sandbox.
pkgconfig_static() {
  local p=$1 out=$work/bin/demo-static
  export PKG_CONFIG_PATH=$p/lib/pkgconfig
  local private rustc_libs
  private=$(sed -n 's/^Libs.private: //p' "$p/lib/pkgconfig/isms.pc")
  rustc_libs=$(cargo rustc --quiet -p isms-capi --lib -- --print native-static-libs 2>&1 |
    sed -n 's/^note: native-static-libs: //p' | tail -n 1)
  [ -n "$rustc_libs" ] || fail "rustc printed no native-static-libs"
  [ "$private" = "$rustc_libs" ] ||
    fail "isms.pc has Libs.private: '$private'; rustc says the static library needs '$rustc_libs' (packaging/isms.pc.in)"
  ok "Libs.private is rustc's native-static-libs: $private"
  # -l:libisms.a: the archive, where -lisms would take the shared library.
  local libs
  libs=$(pkg-config --static --libs isms)
  [[ " $libs " == *" -lisms "* ]] || fail "pkg-config --static --libs isms has no -lisms: $libs"
  # shellcheck disable=SC2046,SC2086
  "$CC" "${CFLAGS_TEST[@]}" $(pkg-config --cflags isms) examples/demo.c \
    ${libs/ -lisms / -l:libisms.a } -o "$out" ||
    fail "demo.c did not link statically with pkg-config --static ($libs)"
  ! grep -q 'NEEDED.*libisms' <<<"$(readelf -d "$out")" || fail "$out needs libisms.so: not a static link"
  grep -q ' T isms_client_new$' <<<"$(nm "$out")" || fail "$out does not carry isms_client_new"
  ISMS_SANDBOX_BIN=$p/bin/isms-sandbox "$sandbox" "$out" >"$out.log" 2>&1 ||
    { cat "$out.log" >&2; fail "$out (pkg-config --static) failed against the sandbox"; }
  grep -q 'the whole flow worked' "$out.log" || fail "$out did not finish the flow"
  ok "pkg-config --static: demo.c linked with libisms.a ($libs), ran the flow"
}

# $1 the prefix, $2 the build folder's name: tests/install/cmake built with
# find_package(isms 1.1), its demo run against the sandbox.
cmake_build() {
  local p=$1 build=$work/cmake-$2
  rm -rf "$build"
  cmake -S tests/install/cmake -B "$build" -DCMAKE_PREFIX_PATH="$p" >"$build.log" 2>&1 ||
    { cat "$build.log" >&2; fail "cmake: find_package(isms 1.1) failed with $p"; }
  grep -q "isms_DIR:PATH=$p/lib/cmake/isms$" "$build/CMakeCache.txt" ||
    fail "cmake found isms elsewhere than $p: $(grep isms_DIR "$build/CMakeCache.txt")"
  cmake --build "$build" >>"$build.log" 2>&1 || { cat "$build.log" >&2; fail "cmake --build failed"; }
  local lib
  lib=$(ldd "$build/demo_cpp" | sed -n 's/^\s*libisms.so[^ ]* => \([^ ]*\).*/\1/p')
  [ "$(readlink -f "$lib")" = "$(readlink -f "$p/lib/libisms.so.$version")" ] ||
    fail "$build/demo_cpp loads '$lib', not the installed library"
  ISMS_SANDBOX_BIN=$p/bin/isms-sandbox "$sandbox" "$build/demo_cpp" >"$build/run.log" 2>&1 ||
    { cat "$build/run.log" >&2; fail "the CMake-built demo.cpp failed against the sandbox"; }
  grep -q 'the right code: verified=true' "$build/run.log" || fail "the CMake-built demo.cpp did not finish the flow"
  ok "cmake find_package(isms 1.1) from $p: isms::isms, demo.cpp built and ran the flow"
}

# $1 the prefix, $2 a version find_package must refuse.
cmake_refuses() {
  local p=$1 want=$2 build=$work/cmake-refused
  rm -rf "$build"
  if cmake -S tests/install/cmake -B "$build" -DCMAKE_PREFIX_PATH="$p" \
    -DISMS_FIND_VERSION="$want" >"$build.log" 2>&1; then
    fail "cmake: find_package(isms $want) succeeded with libisms $version"
  fi
  grep -q "version: $version" "$build.log" ||
    { cat "$build.log" >&2; fail "cmake: find_package(isms $want) failed, but not on the version"; }
  ok "cmake find_package(isms $want) refused (libisms $version)"
}

rm -rf "$work"
mkdir -p "$work/bin"
for built in libisms.so libisms.a isms isms-sandbox; do
  [ -f "target/release/$built" ] || fail "target/release/$built is missing: run 'make build'"
done

# 1. Staged (DESTDIR) and direct (PREFIX) installs.
stage=$work/stage
staged=$stage/opt/isms
scripts/install.sh install DESTDIR="$stage" PREFIX=/opt/isms
check_tree "$staged"
prefix=$work/prefix
PREFIX=$prefix scripts/install.sh install
check_tree "$prefix"
[ -z "$(find "$stage" -mindepth 1 -maxdepth 1 ! -name opt)" ] || fail "DESTDIR: files outside DESTDIR/PREFIX"

# 2. pkg-config, on the staged tree (the .pc file finds its own prefix).
pkgconfig_shared "$staged" demo-shared
pkgconfig_static "$staged"

# 3. CMake.
cmake_build "$prefix" prefix
cmake_refuses "$prefix" 2.0
cmake_refuses "$prefix" "$major.99"

# 4. The commands.
for cmd in isms isms-sandbox; do
  "$prefix/bin/$cmd" --help >"$work/$cmd.help" 2>&1 || fail "$prefix/bin/$cmd --help failed"
  grep -qi usage "$work/$cmd.help" || fail "$prefix/bin/$cmd --help printed no usage"
done
grep -qF "isms $version" <<<"$("$prefix/bin/isms" version)" || fail "bin/isms version does not say $version"
ok "bin/isms --help, bin/isms-sandbox --help, bin/isms version ($version)"

# 5. A moved tree; uninstall.
moved=$work/moved
cp -a "$prefix" "$moved"
for f in "${foreign[@]}"; do
  mkdir -p "$(dirname "$prefix/$f")" "$(dirname "$staged/$f")"
  echo other >"$prefix/$f"
  echo other >"$staged/$f"
done
PREFIX=$prefix scripts/install.sh uninstall
check_gone "$prefix"
scripts/install.sh uninstall DESTDIR="$stage" PREFIX=/opt/isms
check_gone "$staged"
pkgconfig_shared "$moved" demo-moved
cmake_build "$moved" moved

echo "install-test: all $checks checks passed"
