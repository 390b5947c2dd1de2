#!/usr/bin/env bash
# Fails when an ELF file needs a glibc newer than a given version: lists,
# for each file, every symbol bound to a GLIBC_ version above the maximum.
#
#   scripts/check-glibc.sh [--max VERSION] FILE...     (default: --max 2.17)
#
# Exit status: 0 when every file is within the maximum, 1 when one is not
# (each such symbol printed as "FILE: SYMBOL needs GLIBC_X.Y"), 2 on a
# usage error or a file that is neither a dynamic ELF object nor a static
# archive. A static archive (.a) carries no symbol versions (the program
# linking it chooses them): it is named and passes.
set -euo pipefail

max=2.17
if [ "${1:-}" = --max ]; then
  [ $# -ge 2 ] || { echo "check-glibc: --max needs a version" >&2; exit 2; }
  max=$2
  shift 2
fi
[ $# -gt 0 ] || { echo "usage: scripts/check-glibc.sh [--max VERSION] FILE..." >&2; exit 2; }
command -v objdump >/dev/null || { echo "check-glibc: no objdump (Debian package binutils)" >&2; exit 2; }

# Is version $1 above $2? (sort -V orders 2.2.5 < 2.17 < 2.34)
above() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]; }

status=0
for file in "$@"; do
  [ -f "$file" ] || { echo "check-glibc: $file: no such file" >&2; exit 2; }
  if [ "$(head -c 8 "$file" | tr -d '\0')" = '!<arch>' ]; then
    echo "$file: static archive, no symbol versions (the linking program's glibc decides)"
    continue
  fi
  # objdump -T: one line per dynamic symbol, its version in parentheses for
  # an undefined one, e.g. "0000000000000000  DF *UND*  ...  (GLIBC_2.34) __libc_start_main"
  if ! symbols=$(LC_ALL=C objdump -T "$file" 2>&1); then
    echo "check-glibc: $file: not a dynamic ELF object ($(echo "$symbols" | tail -n 1))" >&2
    exit 2
  fi
  highest=0
  bad=0
  while read -r version symbol; do
    above "$version" "$highest" && highest=$version
    if above "$version" "$max"; then
      echo "$file: $symbol needs GLIBC_$version (above $max)" >&2
      bad=$((bad + 1))
    fi
  done < <(echo "$symbols" | sed -n 's/.*[( ]GLIBC_\([0-9][0-9.]*\))\{0,1\} \{1,\}\([^ ]*\)$/\1 \2/p' | sort -u)
  if [ "$bad" -gt 0 ]; then
    echo "$file: FAILED: $bad symbol(s) need a glibc above $max (highest: GLIBC_$highest)" >&2
    status=1
  else
    echo "$file: ok, highest GLIBC_$highest (at most $max)"
  fi
done
exit "$status"
