#!/usr/bin/env bash
# Installs a wheel into a fresh venv made with PYTHON and runs the Python
# suite (bindings/python/tests) against the installed package and the
# sandbox; then checks that the library loaded is the copy inside the
# installed package.
#
#   scripts/test-wheel.sh PYTHON WHEEL
#
# The venv is target/wheel-test/pythonX.Y (WHEEL_TEST_DIR overrides the
# folder), made anew each run. The suite runs from there, outside the source
# tree, with no ISMS_LIBRARY, PYTHONPATH or LD_LIBRARY_PATH, so the package
# cannot fall back on the repository's build. pytest: PYTHON's own when it
# has one (the venv then sees the system's site-packages: Debian's
# python3-pytest), else pip installs it from PyPI; WHEEL_TEST_PYTEST=system
# or pip forces either. The suite needs a C compiler, the sandbox
# (target/release/isms-sandbox after `make build`, or ISMS_SANDBOX_BIN) and,
# for its discovery cases, target/release/libisms.so.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 PYTHON WHEEL" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
python=$1
wheel=$(realpath "$2")
fail() {
  echo "test-wheel: $python: $*" >&2
  exit 1
}
[ -f "$wheel" ] || fail "no such wheel: $wheel"

version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
dir=${WHEEL_TEST_DIR:-$root/target/wheel-test}/python$version
venv=$dir/venv
rm -rf "$dir"
mkdir -p "$dir"
unset ISMS_LIBRARY PYTHONPATH LD_LIBRARY_PATH PYTHONHOME
export PYTHONDONTWRITEBYTECODE=1

pytest_from=${WHEEL_TEST_PYTEST:-auto}
if [ "$pytest_from" = auto ]; then
  pytest_from=pip
  "$python" -c 'import pytest' >/dev/null 2>&1 && pytest_from=system
fi
echo "test-wheel: Python $version ($python), pytest from $pytest_from, venv $venv"
case $pytest_from in
  system)
    "$python" -m venv --system-site-packages "$venv"
    ;;
  pip)
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q pytest || fail "pip could not install pytest (WHEEL_TEST_PYTEST=system uses the system's)"
    ;;
  *) fail "WHEEL_TEST_PYTEST is auto, system or pip, not '$pytest_from'" ;;
esac
"$venv/bin/python" -m pip install -q --no-deps --no-index "$wheel"

site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
package=$(realpath "$site/isms")

# From the venv's folder (python -m puts the current folder on sys.path).
cd "$dir"
"$venv/bin/python" -m pytest -p no:cacheprovider "$root/bindings/python/tests" 2>&1 | tee "$dir/pytest.log"
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || fail "the Python suite failed (exit status $status; log: $dir/pytest.log)"
grep -q "^isms package under test: $package\$" "$dir/pytest.log" \
  || fail "the suite did not test the installed package ($package)"

loaded=$("$venv/bin/python" -c 'import isms, isms._lib as l; l.lib(); print(l._lib._name)') \
  || fail "the installed package does not load its library"
[ "$(realpath "$loaded")" = "$package/libisms.so" ] \
  || fail "the library came from $loaded, not from the installed package ($package/libisms.so)"
echo "test-wheel: Python $version: the suite passed against $package, library $loaded"
