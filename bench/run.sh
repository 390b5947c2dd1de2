#!/usr/bin/env bash
# make bench: libisms against libcurl (C), pycurl (Python) and PHP's curl,
# on the same local HTTPS server, measured in one run; then instructions
# (callgrind), the guard's cost per store, and the library's size.
#
# The server for the comparisons is Debian's nginx on loopback serving the
# balance reply (bench/nginx.sh): the sandbox gateway does real work per
# request and, answering in about the time either client takes, would be
# the floor that hides the clients' difference. The guard's section needs a
# real gateway (sends and verifies) and uses the sandbox.
#
# Runs under scripts/with-sandbox.sh (which sets ISMS_ENDPOINT and friends).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench
mkdir -p "$out"

if [ "${1:-}" != clients ]; then
  echo "== server for the comparisons: nginx on 127.0.0.1 (one worker, fixed balance reply, kept connections)"
  bench/nginx.sh "$out/nginx" "$0" clients
else
echo "== wall time (interleaved, same server, same request)"
target/bench/bench_c wall
PYTHONPATH=bindings/python ISMS_LIBRARY=target/release/libisms.so target/venv/bin/python bench/bench_py.py
ISMS_LIBRARY="$PWD/target/release/libisms.so" php -d ffi.enable=1 bench/bench_php.php

echo "== instructions (callgrind, client process only)"
ir() { # lib calls -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" target/bench/bench_c calls "$1" "$2" >/dev/null 2>"$out/cg.log"
  sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$out/cg.log"
}
declare -A first per
for lib in isms curl; do
  i0=$(ir "$lib" 0); i1=$(ir "$lib" 1); i101=$(ir "$lib" 101)
  first[$lib]=$((i1 - i0)); per[$lib]=$(((i101 - i1) / 100))
done
awk -v a="${per[isms]}" -v b="${per[curl]}" 'BEGIN { printf "C   instructions per call:      libisms %9d   libcurl %9d   ratio %.2f (goal <= 0.80)\n", a, b, a / b }'
awk -v a="${first[isms]}" -v b="${first[curl]}" 'BEGIN { printf "C   first call (TCP + full TLS): libisms %9d   libcurl %9d   ratio %.2f (goal <= 0.30)\n", a, b, a / b }'
exit 0
fi

echo "== the guard's cost per call (guard off vs on, same client settings)"
db="$out/guard.db"; rm -f "$db" "$db-wal" "$db-shm"
target/bench/bench_c guard memory:
target/bench/bench_c guard "sqlite:$db"
if [ -z "${ISMS_BENCH_REDIS:-}" ] && command -v redis-server >/dev/null; then
  # A Redis of our own on a free loopback port, no persistence, stopped at the end.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
  redis_pid=$!
  trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  ISMS_BENCH_REDIS="redis://127.0.0.1:$port"
fi
if [ -n "${ISMS_BENCH_REDIS:-}" ]; then
  target/bench/bench_c guard "$ISMS_BENCH_REDIS"
else
  echo "C   guard redis:   (no redis-server here, and no ISMS_BENCH_REDIS)"
fi

echo "== size of the stripped library"
strip -o "$out/libisms.so" target/release/libisms.so
printf "    libisms.so, stripped: %d bytes (goal <= 2,000,000 before the guard's stores)\n" "$(stat -c %s "$out/libisms.so")"
for features in "" "sqlite" "redis"; do
  cargo build --release -q -p isms-capi --no-default-features ${features:+--features "$features"} --target-dir "$out/size-$features"
  strip -o "$out/size.so" "$out/size-$features/release/libisms.so"
  printf "    libisms.so, stripped, stores: memory%s: %d bytes\n" "${features:+ + $features}" "$(stat -c %s "$out/size.so")"
done
