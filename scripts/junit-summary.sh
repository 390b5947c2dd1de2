#!/usr/bin/env bash
# Prints the counts of PHPUnit JUnit reports (their first <testsuite>) and
# fails unless every report ran the same number of tests, more than none,
# with no error, no failure and nothing skipped.
#
#   scripts/junit-summary.sh LABEL=REPORT.xml [LABEL=REPORT.xml...]
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 LABEL=REPORT.xml..." >&2; exit 2; }

# The value of the attribute $2 of the first <testsuite> of the file $1, or nothing.
attribute() {
  sed -n '/<testsuite /{s/.*<testsuite [^>]*[[:space:]]'"$2"'="\([0-9]*\)".*/\1/p;q}' "$1"
}

ok=true
first=""
for arg in "$@"; do
  label=${arg%%=*}
  file=${arg#*=}
  if [ ! -s "$file" ]; then
    echo "junit-summary: $file is missing or empty" >&2
    ok=false
    continue
  fi
  tests=$(attribute "$file" tests)
  errors=$(attribute "$file" errors)
  failures=$(attribute "$file" failures)
  skipped=$(attribute "$file" skipped)
  echo "$label: ${tests:-?} tests, ${errors:-?} errors, ${failures:-?} failures, ${skipped:-?} skipped"
  if [ -z "$tests" ] || [ "$tests" -eq 0 ] || [ "$errors$failures$skipped" != 000 ]; then
    ok=false
  fi
  if [ -z "$first" ]; then
    first=$tests
  elif [ "$tests" != "$first" ]; then
    echo "junit-summary: $label ran $tests tests, not $first" >&2
    ok=false
  fi
done
$ok || { echo "junit-summary: a run failed, skipped tests, or the runs differ" >&2; exit 1; }
