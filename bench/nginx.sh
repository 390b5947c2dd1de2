#!/usr/bin/env bash
# The benchmark's HTTPS server: Debian's nginx on 127.0.0.1, one worker,
# answering the gateway's path with a fixed balance reply over kept
# connections. The sandbox gateway does real work per request (parsing,
# the account, the outbox, counters) and so sets a floor under both
# clients; nginx answers a kept connection in a few microseconds.
#
#   bench/nginx.sh DIR COMMAND [ARGS...]
#
# nginx is taken from Debian's package without installing it (no service
# started, nothing outside target/): unpacked into target/tools/nginx once.
# A test CA and a server certificate for 127.0.0.1 are made in DIR with
# openssl. COMMAND runs with ISMS_ENDPOINT and ISMS_CA_FILE pointing at
# nginx (other ISMS_* variables are kept), and nginx is stopped after it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; shift
root=$PWD/target/tools/nginx
nginx=$root/usr/sbin/nginx
if [ ! -x "$nginx" ]; then
  rm -rf "$root.tmp" && mkdir -p "$root.tmp"
  (cd "$root.tmp" && apt-get download -q nginx >/dev/null 2>&1 && dpkg -x nginx_*.deb . && rm nginx_*.deb)
  mv "$root.tmp" "$root"
fi
mkdir -p "$dir/logs" "$dir/tmp"
dir=$(cd "$dir" && pwd)
if [ ! -f "$dir/server.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=libisms bench CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 30 -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reply='{"method":"balance","balance":"100.0","expiration":"04 Dec 2027"}'
cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  ssl_session_cache shared:bench:1m;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $dir/server.pem;
    ssl_certificate_key $dir/server.key;
    location = /2FA/request.php {
      default_type application/json;
      return 200 '$reply';
    }
  }
}
EOF
"$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { echo "bench/nginx.sh: nginx did not start (see $dir/logs/error.log)" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
ISMS_ENDPOINT="https://127.0.0.1:$port/2FA/request.php" ISMS_CA_FILE="$dir/ca.pem" "$@"
