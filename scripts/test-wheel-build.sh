#!/usr/bin/env bash
# A wheel build without the library must fail, name where it looked and say
# how to fix it, and leave no wheel behind: once with `python -m build` and
# ISMS_LIBRARY naming a missing file, once with `pip wheel`, no ISMS_LIBRARY
# and no repository build next to the sources.
#
#   scripts/test-wheel-build.sh PYTHON     (a Python with build, setuptools and wheel)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=$1
dir=$root/target/wheel/no-library
rm -rf "$dir"
mkdir -p "$dir"
fail() {
  echo "test-wheel-build: $*" >&2
  exit 1
}

# A copy of the package sources in NAME/bindings/python (setup.py's repository build
# would be NAME/target/release/libisms.so: there is none).
sources() {
  mkdir -p "$dir/$1/bindings/python"
  cp -r "$root"/bindings/python/{setup.py,pyproject.toml,README.md,isms} "$dir/$1/bindings/python/"
  rm -rf "$dir/$1/bindings/python/isms/__pycache__" "$dir/$1/bindings/python/isms/libisms.so"
  echo "$dir/$1/bindings/python"
}

# expect_failure NAME LOOKED_AT COMMAND...: non-zero, the message, no wheel.
expect_failure() {
  local name=$1 looked_at=$2 status=0
  shift 2
  "$@" >"$dir/$name.log" 2>&1 || status=$?
  [ "$status" != 0 ] || fail "$name: the build succeeded without a library (log: $dir/$name.log)"
  for text in "cannot build the package without libisms" "$looked_at" "no such file" \
    'Run `make build`' "set ISMS_LIBRARY"; do
    grep -qF -- "$text" "$dir/$name.log" || fail "$name: the error does not say '$text' (log: $dir/$name.log)"
  done
  if find "$dir/$name.out" -name '*.whl' 2>/dev/null | grep -q .; then
    fail "$name: a wheel was written"
  fi
  echo "test-wheel-build: $name: failed as it should (exit status $status): $(grep -o 'isms: cannot build.*' "$dir/$name.log" | head -n 1)"
}

src=$(sources build)
expect_failure build "$dir/missing/libisms.so (ISMS_LIBRARY" \
  env ISMS_LIBRARY="$dir/missing/libisms.so" "$python" -m build --wheel --no-isolation --outdir "$dir/build.out" "$src"

src=$(sources pip)
expect_failure pip "$dir/pip/target/release/libisms.so (the repository's build" \
  env -u ISMS_LIBRARY "$python" -m pip wheel --no-build-isolation --no-deps --no-index -w "$dir/pip.out" "$src"
