#!/usr/bin/env bash
# Checks a built wheel before it goes to target/dist/: it holds the library
# (isms/libisms.so), and auditwheel finds the library consistent with the
# platform tag the wheel claims, its only tag being py3-none-PLATFORM (a library that needs a newer glibc than
# manylinux_2_17 allows fails the check).
#
#   scripts/check-wheel.sh VENV WHEEL PLATFORM     (PLATFORM e.g. manylinux_2_17_x86_64)
set -euo pipefail

venv=$1 wheel=$2 platform=$3
fail() {
  echo "check-wheel: $wheel: $*" >&2
  exit 1
}

[ -f "$wheel" ] || fail "no such wheel (does bindings/python/pyproject.toml's version match Cargo.toml's?)"
"$venv/bin/python" - "$wheel" "py3-none-$platform" <<'PY' || fail "see above"
import sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
names = wheel.namelist()
if "isms/libisms.so" not in names:
    sys.exit("the wheel does not hold the library (isms/libisms.so)")
info = next(n for n in names if n.endswith(".dist-info/WHEEL"))
tags = [line.split(":", 1)[1].strip() for line in wheel.read(info).decode().splitlines()
        if line.startswith("Tag:")]
if tags != [sys.argv[2]]:
    sys.exit(f"its WHEEL file says Tag {tags}, expected [{sys.argv[2]!r}]")
PY

# The glibc version a manylinux tag allows, as "2_17".
glibc_of() {
  case $1 in
    manylinux1_*) echo 2_5 ;;
    manylinux2010_*) echo 2_12 ;;
    manylinux2014_*) echo 2_17 ;;
    manylinux_*) sed 's/^manylinux_\([0-9]*_[0-9]*\)_.*/\1/' <<<"$1" ;;
    *) echo "" ;;
  esac
}

report=$("$venv/bin/auditwheel" show "$wheel" 2>&1) || { echo "$report" >&2; fail "auditwheel show failed"; }
echo "$report"
# "... is consistent with the following platform tag: "manylinux_2_34_x86_64"."
found=$(tr '\n' ' ' <<<"$report" | sed -n 's/.*consistent with the following platform tag: *"\([^"]*\)".*/\1/p')
[ -n "$found" ] || fail "auditwheel named no platform tag"
have=$(glibc_of "$found") want=$(glibc_of "$platform")
[ -n "$have" ] || fail "the library fits no manylinux platform (auditwheel: $found)"
if [ "${have%_*}" -gt "${want%_*}" ] || { [ "${have%_*}" -eq "${want%_*}" ] && [ "${have#*_}" -gt "${want#*_}" ]; }; then
  fail "tagged $platform, but its library needs glibc ${have/_/.} (auditwheel: $found); build the library with 'make portable'"
fi
echo "check-wheel: $wheel: tagged $platform, auditwheel agrees ($found)"
