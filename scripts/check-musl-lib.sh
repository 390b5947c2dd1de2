#!/usr/bin/env bash
# Checks that an ELF file built for musl stays clear of glibc: no glibc
# symbol version (GLIBC_*) among the versions it needs, no glibc library
# (libc.so.6, ld-linux*) among its NEEDED entries, and, for a program, musl's
# loader as its interpreter. With SONAME, the file's SONAME must be it; with
# HEADER, its dynamic exports must be exactly the isms_* functions HEADER
# declares.
#
#   scripts/check-musl-lib.sh FILE [SONAME [HEADER]]
set -euo pipefail

file=$1 soname=${2:-} header=${3:-}
fail() {
  echo "check-musl-lib: $file: $*" >&2
  exit 1
}

dynamic=$(readelf -d "$file")
needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic")
if glibc=$(grep -E '^(libc\.so\.6|ld-linux.*|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2)$' <<<"$needed"); then
  fail "needs glibc's $(tr '\n' ' ' <<<"$glibc")"
fi
if versions=$(readelf --version-info "$file" | grep -oE 'GLIBC_[0-9.]+' | sort -u) && [ -n "$versions" ]; then
  fail "needs glibc symbol versions: $(tr '\n' ' ' <<<"$versions")"
fi
if [ -n "$soname" ]; then
  got=$(sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p' <<<"$dynamic")
  [ "$got" = "$soname" ] || fail "SONAME is '${got:-none}', not $soname"
fi
if [ -n "$header" ]; then
  want=$(grep -oE '\bisms_[A-Za-z0-9_]+\(' "$header" | tr -d '(' | sort -u)
  have=$(nm -D --defined-only "$file" | awk '{print $3}' | sed 's/@.*//' | sort -u)
  if [ "$want" != "$have" ]; then
    diff -u --label "$header (isms_*)" --label "$file (exports)" <(echo "$want") <(echo "$have") >&2 || true
    fail "must export exactly the isms_* functions of $header"
  fi
fi
interp=$(readelf -l "$file" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
case $interp in
  '' | */ld-musl-*) ;;
  *) fail "its interpreter is $interp, not musl's loader" ;;
esac
echo "check-musl-lib: $file: no glibc symbol version; needs: $(tr '\n' ' ' <<<"$needed")${soname:+; SONAME $soname}${header:+; exports: the $(wc -l <<<"$want") isms_* functions}${interp:+; interpreter $interp}"
