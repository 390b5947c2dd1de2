#!/usr/bin/env bash
# Runs a command against a fresh local sandbox gateway, then stops it.
#
#   scripts/with-sandbox.sh [--keep-output] COMMAND [ARGS...]
#
# The sandbox (target/release/isms-sandbox) binds 127.0.0.1 only, on free
# ports. The command gets, in its environment:
#   ISMS_SANDBOX_STATE  path of sandbox.json (ports, CA files, credentials)
#   ISMS_ENDPOINT       https://127.0.0.1:PORT/2FA/request.php
#   ISMS_HTTP_ENDPOINT  http://127.0.0.1:PORT/2FA/request.php
#   ISMS_CA_FILE        the sandbox's test CA (PEM)
#   ISMS_USERNAME, ISMS_PASSWORD   the sandbox account
#   ISMS_OUTBOX         the outbox file: one JSON line per delivered SMS
# Extra sandbox options can be given in ISMS_SANDBOX_ARGS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/isms-sandbox"
[ -x "$bin" ] || { echo "with-sandbox: $bin is missing; run 'make build' first" >&2; exit 2; }

state=$(mktemp -d "${TMPDIR:-/tmp}/isms-sandbox.XXXXXX")
log="$state/sandbox.log"
# shellcheck disable=SC2086
"$bin" --state-dir "$state" --password "${ISMS_SANDBOX_PASSWORD:-demo&secret=1 %+}" ${ISMS_SANDBOX_ARGS:-} >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

for _ in $(seq 1 200); do
  [ -s "$state/sandbox.json" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "with-sandbox: the sandbox did not start" >&2; exit 2; }
  sleep 0.05
done
[ -s "$state/sandbox.json" ] || { cat "$log" >&2; echo "with-sandbox: the sandbox is not ready" >&2; exit 2; }

eval "$(python3 - "$state/sandbox.json" <<'PY'
import json, shlex, sys
s = json.load(open(sys.argv[1]))
out = {
    "ISMS_SANDBOX_STATE": sys.argv[1],
    "ISMS_ENDPOINT": f"https://127.0.0.1:{s['https_port']}/2FA/request.php",
    "ISMS_HTTP_ENDPOINT": f"http://127.0.0.1:{s['http_port']}/2FA/request.php",
    "ISMS_CA_FILE": s["ca_file"],
    "ISMS_USERNAME": s["username"],
    "ISMS_PASSWORD": s["password"],
    "ISMS_OUTBOX": sys.argv[1].rsplit("/", 1)[0] + "/outbox.jsonl",
}
for k, v in out.items():
    print(f"export {k}={shlex.quote(str(v))}")
PY
)"

status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- sandbox log (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2 || true
fi
exit "$status"
