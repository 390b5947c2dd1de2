#!/usr/bin/env bash
# Checks that a dll exports exactly the functions a C header declares under
# the isms_ prefix: any extra export (a Rust internal, say) or missing one
# fails, with the difference printed.
#
#   scripts/check-dll-exports.sh OBJDUMP DLL HEADER
set -euo pipefail

objdump=$1 dll=$2 header=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The header's functions: every `isms_name(` it declares.
grep -oE '\bisms_[A-Za-z0-9_]+\(' "$header" | tr -d '(' | sort -u >"$tmp/header"
# The dll's export names: the rows of objdump's [Ordinal/Name Pointer] table.
"$objdump" -p "$dll" \
  | sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/s/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*//p' \
  | sort -u >"$tmp/dll"

[ -s "$tmp/header" ] || { echo "check-dll-exports: no isms_ function in $header" >&2; exit 1; }
if ! diff -u --label "$header (isms_*)" --label "$dll (exports)" "$tmp/header" "$tmp/dll"; then
  echo "check-dll-exports: $dll must export exactly the isms_* functions of $header" >&2
  exit 1
fi
echo "check-dll-exports: $dll exports the $(wc -l <"$tmp/dll") isms_* functions of $header, nothing else"
