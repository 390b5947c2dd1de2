#!/usr/bin/env bash
# The OTP flow from `make dist`'s artifacts alone, each against a sandbox:
#
#   linux-gnu tarball   the C demo built with pkg-config against it (and its
#                       own isms-sandbox as the gateway), its `isms` command;
#                       then, in the Debian 11 root (glibc 2.31), the demo
#                       compiled there by Debian 11's gcc and the `isms`
#                       command; every binary within glibc 2.17
#   linux-musl tarball  the C demo built with musl-gcc
#   windows-gnu zip     the C demo built with mingw-w64, run under Wine
#   Python wheel        the Python suite on this host's python3 and, in the
#                       Debian 11 root, on its Python 3.9
#   Composer zip        a Composer project installing it, the flow in PHP
#
#   scripts/test-dist.sh VERSION
#
# Works in target/dist-test/ (inside the repository: the Debian 11 root sees
# the repository only). Needs root for the Debian 11 root. The Makefile's
# Wine harness comes in the environment: DIST_TEST_WINE (Wine with its
# settings) and DIST_TEST_WINE_STUB (the ProcessPrng stub dll).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=$1
: "${DIST_TEST_WINE:?set by make dist-test: Wine and its settings}" "${DIST_TEST_WINE_STUB:?set by make dist-test: the ProcessPrng stub}"
dist=$repo/target/dist
work=$repo/target/dist-test
top=libisms-$version
rm -rf "$work"
mkdir -p "$work/tmp"
# The sandbox's state (its CA file) inside the repository, for the root.
export TMPDIR=$work/tmp
step() { printf '\n== dist-test: %s\n' "$*"; }
fail() { echo "dist-test: FAIL: $*" >&2; exit 1; }

gnu=$dist/$top-x86_64-linux-gnu.tar.gz
musl=$dist/$top-x86_64-linux-musl.tar.gz
win=$dist/$top-x86_64-windows-gnu.zip
wheel=$(ls "$dist"/isms-"$version"-py3-none-manylinux*_x86_64.whl 2>/dev/null | head -n 1)
php=$dist/isms-php-$version.zip
for artifact in "$gnu" "$musl" "$win" "$wheel" "$php"; do
  [ -n "$artifact" ] && [ -f "$artifact" ] || fail "missing artifact ${artifact:-(the wheel)}: run 'make dist'"
done

step "linux-gnu: $(basename "$gnu")"
mkdir -p "$work/gnu"
tar -C "$work/gnu" -xzf "$gnu"
[ "$(ls "$work/gnu")" = "$top" ] || fail "the tarball's top folder is not $top/"
g=$work/gnu/$top
for f in lib/libisms.so.$version lib/libisms.so.1 lib/libisms.so lib/libisms.a include/isms.h include/isms.hpp \
  lib/pkgconfig/isms.pc lib/cmake/isms/isms-config.cmake lib/cmake/isms/isms-config-version.cmake bin/isms bin/isms-sandbox; do
  [ -e "$g/$f" ] || fail "the linux-gnu tarball has no $f"
done
scripts/check-glibc.sh --max 2.17 "$g/lib/libisms.so.$version" "$g/bin/isms" "$g/bin/isms-sandbox"
scripts/check-library.sh 1 "$g/lib/libisms.so.$version" include/isms.h
# With the tarball's own sandbox as the gateway from here on.
sandbox() { ISMS_SANDBOX_BIN=$g/bin/isms-sandbox scripts/with-sandbox.sh "$@"; }
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror examples/demo.c $(PKG_CONFIG_PATH=$g/lib/pkgconfig pkg-config --cflags --libs isms) \
  -Wl,-rpath,"$g/lib" -o "$work/gnu/demo"
sandbox "$work/gnu/demo" >"$work/gnu/demo.log" || { cat "$work/gnu/demo.log"; fail "the C demo (pkg-config) failed"; }
echo "dist-test: C demo built with pkg-config against the tarball: the flow ran"
sandbox sh -c '"$1" balance --format text' sh "$g/bin/isms" >"$work/gnu/isms.log" 2>&1 \
  || { cat "$work/gnu/isms.log"; fail "the tarball's isms command failed"; }
echo "dist-test: the tarball's isms command: $(head -n 1 "$work/gnu/isms.log")"

step "linux-gnu in the Debian 11 root"
scripts/debian11.sh run sh -c '. /etc/os-release; echo "dist-test: $PRETTY_NAME, $(ldd --version | head -n 1)"'
scripts/debian11.sh run gcc -std=c11 -Wall -Wextra -Werror examples/demo.c -I"$g/include" -L"$g/lib" \
  -Wl,-rpath,"$g/lib" -lisms -o "$work/gnu/demo-debian11"
sandbox scripts/debian11.sh run "$work/gnu/demo-debian11" >"$work/gnu/demo-debian11.log" \
  || { cat "$work/gnu/demo-debian11.log"; fail "the C demo built in Debian 11 failed"; }
echo "dist-test: C demo compiled by Debian 11's gcc against the tarball: the flow ran"
sandbox scripts/debian11.sh run sh -c '"$1" balance --format text' sh "$g/bin/isms" >"$work/gnu/isms-debian11.log" 2>&1 \
  || { cat "$work/gnu/isms-debian11.log"; fail "the tarball's isms command failed in Debian 11"; }
echo "dist-test: the tarball's isms command in Debian 11: $(head -n 1 "$work/gnu/isms-debian11.log")"

step "linux-musl: $(basename "$musl")"
mkdir -p "$work/musl"
tar -C "$work/musl" -xzf "$musl"
m=$work/musl/$top
[ -f "$m/lib/libisms.so.$version" ] && [ -L "$m/lib/libisms.so.1" ] && [ -f "$m/include/isms.h" ] \
  || fail "the musl tarball lacks lib/libisms.so.$version, lib/libisms.so.1 or include/isms.h"
[ ! -e "$m/bin" ] || fail "the musl tarball holds bin/ (glibc programs)"
scripts/check-musl-lib.sh "$m/lib/libisms.so.$version" libisms.so.1 include/isms.h
musl-gcc -std=c11 -Wall -Wextra -Werror -I"$m/include" examples/demo.c -L"$m/lib" -Wl,-rpath,"$m/lib" -lisms \
  -o "$work/musl/demo"
scripts/check-musl-lib.sh "$work/musl/demo"
sandbox "$work/musl/demo" >"$work/musl/demo.log" || { cat "$work/musl/demo.log"; fail "the musl C demo failed"; }
echo "dist-test: C demo built with musl-gcc against the musl tarball: the flow ran"

step "windows-gnu: $(basename "$win")"
mkdir -p "$work/windows"
(cd "$work/windows" && unzip -q "$win")
w=$work/windows/$top
for f in bin/isms.dll lib/libisms.dll.a include/isms.h include/isms.hpp; do
  [ -f "$w/$f" ] || fail "the Windows zip has no $f"
done
scripts/check-dll-exports.sh x86_64-w64-mingw32-objdump "$w/bin/isms.dll" include/isms.h
x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror -D__USE_MINGW_ANSI_STDIO=1 -I"$w/include" examples/demo.c \
  "$w/lib/libisms.dll.a" -static -o "$work/windows/demo.exe"
cp "$w/bin/isms.dll" "$DIST_TEST_WINE_STUB" "$work/windows/"
read -ra wine <<<"$DIST_TEST_WINE"
sandbox env "${wine[@]}" "$work/windows/demo.exe" >"$work/windows/demo.log" \
  || { cat "$work/windows/demo.log"; fail "the Windows C demo failed under Wine"; }
echo "dist-test: C demo built with mingw-w64 against the Windows zip: the flow ran under Wine"

step "Python wheel: $(basename "$wheel")"
unzip -l "$wheel" | grep -q ' isms/libisms.so$' || fail "the wheel holds no isms/libisms.so"
export ISMS_SANDBOX_BIN=$g/bin/isms-sandbox
WHEEL_TEST_DIR=$work/wheel scripts/test-wheel.sh python3 "$wheel"
# Debian 11's Python 3.9 and pytest. The suite's discovery cases load the
# repository's build (target/release) in a checkout: inside the root, for
# this run only, that path shows the tarball's library.
scripts/debian11.sh run --release-library "$g/lib/libisms.so.$version" env WHEEL_TEST_DIR="$work/wheel-debian11" WHEEL_TEST_PYTEST=system \
  scripts/test-wheel.sh /usr/bin/python3 "$wheel"
unset ISMS_SANDBOX_BIN

step "Composer package: $(basename "$php")"
scripts/test-composer.sh "$version" "$php"

step "every artifact ran the flow"
ls -l "$dist"
