#!/usr/bin/env bash
# Runs a command against a fresh local sandbox gateway, then stops it.
#
#   scripts/with-sandbox.sh COMMAND [ARGS...]
#
# The sandbox (target/release/isms-sandbox, else ISMS_SANDBOX_BIN, else
# isms-sandbox on the PATH) binds 127.0.0.1 only, on free ports. The command
# gets, in its environment:
#   ISMS_SANDBOX_STATE  path of sandbox.json (ports, CA files, credentials)
#   ISMS_ENDPOINT       https://127.0.0.1:PORT/2FA/request.php
#   ISMS_HTTP_ENDPOINT  http://127.0.0.1:PORT/2FA/request.php
#   ISMS_CA_FILE        the sandbox's test CA (PEM)
#   ISMS_USERNAME, ISMS_PASSWORD   the sandbox account
#   ISMS_OUTBOX         the outbox file: one JSON line per delivered SMS
# Extra sandbox options can be given in ISMS_SANDBOX_ARGS, with shell quoting
# (e.g. ISMS_SANDBOX_ARGS='--expiration "05 Dec 2026" --balance 3'); the
# sandbox splits them itself and never runs anything in them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ISMS_SANDBOX_BIN:-$root/target/release/isms-sandbox}
if [ ! -x "$bin" ] && [ -z "${ISMS_SANDBOX_BIN:-}" ]; then
  bin=$(command -v isms-sandbox || true)
fi
[ -n "$bin" ] && [ -x "$bin" ] || {
  echo "with-sandbox: no isms-sandbox: run 'make build' (or 'cargo install --path sandbox') first" >&2
  exit 2
}

state=$(mktemp -d "${TMPDIR:-/tmp}/isms-sandbox.XXXXXX")
log="$state/sandbox.log"
env_file="$state/env.sh"
"$bin" --state-dir "$state" --password "${ISMS_SANDBOX_PASSWORD:-demo&secret=1 %+}" \
  --args-from-env ISMS_SANDBOX_ARGS --env-file "$env_file" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

for _ in $(seq 1 200); do
  [ -s "$env_file" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "with-sandbox: the sandbox did not start" >&2; exit 2; }
  sleep 0.05
done
[ -s "$env_file" ] || { cat "$log" >&2; echo "with-sandbox: the sandbox is not ready" >&2; exit 2; }

# export NAME='value' lines written by the sandbox once ready.
# shellcheck disable=SC1090
. "$env_file"

status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- sandbox log (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2 || true
fi
exit "$status"
