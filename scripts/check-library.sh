#!/usr/bin/env bash
# Checks a built libisms.so the way capi/build.rs links it: SONAME
# libisms.so.MAJOR, the NODELETE flag (-z nodelete), and the version script
# (the isms_* functions exported, nothing else).
#
#   scripts/check-library.sh MAJOR LIBRARY
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: scripts/check-library.sh MAJOR LIBRARY" >&2; exit 2; }
major=$1
lib=$2
fail() {
  echo "check-library: $lib: $*" >&2
  exit 1
}

dynamic=$(LC_ALL=C readelf -d -W "$lib")
soname=$(echo "$dynamic" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libisms.so.$major" ] || fail "SONAME is '$soname', not libisms.so.$major"
echo "$dynamic" | grep -E '\(FLAGS_1\).*NODELETE' >/dev/null || fail "no NODELETE flag (-z nodelete)"

# The defined dynamic symbols as "VERSION NAME" (objdump -T: the version
# column is "Base" for an unversioned export, LIBISMS_MAJOR when the version
# script's node is bound, as zig's linker does), leaving out the version
# node's own *ABS* entry.
defined=$(LC_ALL=C objdump -T "$lib" | awk '/^[0-9a-f]+ / && $0 !~ /\*UND\*/ && $0 !~ /\*ABS\*/ { print $(NF-1), $NF }')
total=$(echo "$defined" | grep -c . || true)
[ "$total" -gt 0 ] || fail "exports nothing"
others=$(echo "$defined" | grep -Ev "^(Base|LIBISMS_$major) isms_[A-Za-z0-9_]+\$" || true)
[ -z "$others" ] || fail "exports beyond isms_*: $(echo "$others" | head -n 10 | tr '\n' ' ')"
versions=$(echo "$defined" | cut -d' ' -f1 | sort -u | tr '\n' ' ')
echo "$lib: SONAME $soname, NODELETE, $total exports, all isms_* (version: ${versions% })"
