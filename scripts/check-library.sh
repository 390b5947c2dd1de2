#!/usr/bin/env bash
# Checks a built libisms.so the way capi/build.rs links it: SONAME
# libisms.so.MAJOR, the NODELETE flag (-z nodelete), and the version script
# (the isms_* functions exported, nothing else). With HEADER, every function
# the header declares must be among the exports.
#
#   scripts/check-library.sh MAJOR LIBRARY [HEADER]
set -euo pipefail

[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: scripts/check-library.sh MAJOR LIBRARY [HEADER]" >&2; exit 2; }
major=$1
lib=$2
header=${3:-}
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
# A file with no symbol versions at all has no version column ("none").
defined=$(LC_ALL=C objdump -T "$lib" | awk '/^[0-9a-f]+ / && $0 !~ /\*UND\*/ && $0 !~ /\*ABS\*/ {
  version = $(NF-1); if (version ~ /^[0-9a-f]+$/ && length(version) == 16) version = "none"; print version, $NF }')
total=$(echo "$defined" | grep -c . || true)
[ "$total" -gt 0 ] || fail "exports nothing"
others=$(echo "$defined" | grep -Ev "^(none|Base|LIBISMS_$major) isms_[A-Za-z0-9_]+\$" || true)
[ -z "$others" ] || fail "exports beyond isms_*: $(echo "$others" | head -n 10 | tr '\n' ' ')"
if [ -n "$header" ]; then
  missing=$(comm -23 <(grep -oE '\bisms_[A-Za-z0-9_]+\(' "$header" | tr -d '(' | sort -u) \
    <(echo "$defined" | cut -d' ' -f2 | sort -u))
  [ -z "$missing" ] || fail "does not export what $header declares: $(echo "$missing" | tr '\n' ' ')"
fi
versions=$(echo "$defined" | cut -d' ' -f1 | sort -u | tr '\n' ' ')
echo "$lib: SONAME $soname, NODELETE, $total exports, all isms_* (version: ${versions% })"
