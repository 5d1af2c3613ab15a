#!/usr/bin/env bash
# make bench-web: Junction's web side against Debian's nginx on the same machine, same run.
#   static files: a 1 KB and a 1 MB file over keep-alive connections (wrk), Junction vs nginx
#                 (nginx: sendfile on, access log off, one worker per core);
#   HTTP bridge:  publisher POSTs per second (wrk with a POST script, keep-alive), when this
#                 junction has the bridge (else reported as not built).
#   WSGI:         a small Flask app (Debian python3-flask) under a "wsgi" path vs Debian's
#                 gunicorn serving the same app with the same concurrency model (one process,
#                 20 threads: --worker-class gthread --threads 20, as Junction's launcher runs
#                 it on Twisted's ThreadPool(0, 20)); skipped when flask or gunicorn is missing.
# Usage: bench/web-bench.sh path/to/junction [seconds] [connections] [workers]
#   workers: Junction's I/O threads and nginx's worker processes, the same number for both
#            (default 1: on a 2-core machine wrk gets the other core).
# Prints a table (requests/s and server CPU-µs per request: the process's utime + stime over the
# run, nginx's workers summed) and one JSON line. Every server started here is stopped by PID on
# exit.
set -euo pipefail
JUNCTION=${1:?usage: web-bench.sh path/to/junction [seconds] [connections]}
SECONDS_PER_RUN=${2:-5}
CONNECTIONS=${3:-50}
WORKERS=${4:-1}
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "web-bench: $tool is missing (scripts/install-deps)"; exit 1; }
done

work=$(mktemp -d /tmp/junction-web-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "web-bench: nothing listens on port $1"
  tail -n 5 "$work/junction.log" "$work/nginx/error.log" 2>/dev/null
  exit 1
}

mkdir -p "$work/www" "$work/app"
cat > "$work/app/bench_flask.py" <<'PY'
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/hello/<name>")
def hello(name):
    return jsonify(greeting="hello " + name)
PY
have_wsgi=0
if command -v gunicorn >/dev/null && /usr/bin/python3 -c 'import flask' 2>/dev/null; then
  have_wsgi=1
fi
head -c 1024 /dev/urandom > "$work/www/1k.bin"
head -c 1048576 /dev/urandom > "$work/www/1m.bin"

jport=$(free_port)
cat > "$work/config.json" <<JSON
{"version": 2, "workers": [{"type": "router",
  "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [
    {"uri": "", "match": "prefix", "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}]}]}],
  "options": {"pythonpath": ["$work/app"]},
  "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": $jport, "interface": "127.0.0.1"},
    "paths": {"/": {"type": "static", "directory": "$work/www"}WSGIBRIDGE}}]}]}
JSON
wsgi_path=""
[ "$have_wsgi" = 1 ] && wsgi_path=',"flask": {"type": "wsgi", "module": "bench_flask", "object": "app"}'
sed -i "s|WSGI|$wsgi_path|" "$work/config.json"
# The HTTP bridge only where this junction has it.
bridge_path=',"pub": {"type": "publisher", "realm": "realm1", "role": "anonymous"}'
sed "s|BRIDGE|$bridge_path|" "$work/config.json" > "$work/with-bridge.json"
if "$JUNCTION" check --config "$work/with-bridge.json" >/dev/null 2>&1; then
  mv "$work/with-bridge.json" "$work/config.json"; have_bridge=1
else
  sed -i "s|BRIDGE||" "$work/config.json"; have_bridge=0
fi
JUNCTION_IO_THREADS=$WORKERS "$JUNCTION" start --config "$work/config.json" --loglevel warn \
  2>"$work/junction.log" &
jpid=$!
pids+=($jpid)

nport=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $WORKERS;
$( [ "$(id -u)" = 0 ] && echo 'user root;' )
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  types { application/octet-stream bin; }
  server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
npid=$!
pids+=($npid)
gport=$(free_port)
if [ "$have_wsgi" = 1 ]; then
  gunicorn --chdir "$work/app" --bind "127.0.0.1:$gport" --workers 1 --worker-class gthread \
    --threads 20 --log-level warning bench_flask:app 2>"$work/gunicorn.log" &
  pids+=($!)
fi
wait_port "$jport"
wait_port "$nport"
if [ "$have_wsgi" = 1 ]; then
  wait_port "$gport"
  # Junction starts its launcher in the background: wait until it answers.
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$jport/flask/hello/x" >/dev/null && break
    sleep 0.05
  done
fi

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"topic": "com.example.bench", "args": ["hello"]}'
wrk.headers["Content-Type"] = "application/json"
LUA

# CPU ticks (utime + stime) of these processes and their children's (nginx's workers).
cpu_ticks() {
  local total=0 pid
  for pid in "$@" $(for p in "$@"; do pgrep -P "$p" || true; done); do
    [ -r /proc/"$pid"/stat ] || continue
    total=$((total + $(awk '{print $14 + $15}' /proc/"$pid"/stat)))
  done
  echo "$total"
}
TICK=$(getconf CLK_TCK)
# One wrk run against a server: prints "requests/s cpu-µs-per-request" (the server's CPU over
# the run). A run with non-2xx answers is an error, not a figure.
# Usage: measure "PID ..." wrk-arguments...
measure() {
  local server_pids=$1 out before after requests
  shift
  # shellcheck disable=SC2086
  before=$(cpu_ticks $server_pids)
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" "$@")
  # shellcheck disable=SC2086
  after=$(cpu_ticks $server_pids)
  if grep -q "Non-2xx" <<<"$out"; then echo "web-bench: non-2xx answers: $*" >&2; echo "$out" >&2; exit 1; fi
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v r="$(awk '/Requests\/sec/ {print $2}' <<<"$out")" -v t=$((after - before)) -v n="$requests" \
    -v hz="$TICK" 'BEGIN {printf "%s %.1f\n", r, (n > 0 ? t * 1e6 / hz / n : 0)}'
}

declare -A result cpu
run() {  # run KEY "PID ..." wrk-arguments...
  local key=$1 out
  shift
  out=$(measure "$@")
  result[$key]=${out% *}
  cpu[$key]=${out#* }
}
for file in 1k 1m; do
  run "junction-$file" "$jpid" "http://127.0.0.1:$jport/$file.bin"
  run "nginx-$file" "$npid" "http://127.0.0.1:$nport/$file.bin"
done
result[bridge]=null; cpu[bridge]=null
[ "$have_bridge" = 1 ] && run bridge "$jpid" -s "$work/post.lua" "http://127.0.0.1:$jport/pub"
result[wsgi-junction]=null; result[wsgi-gunicorn]=null
if [ "$have_wsgi" = 1 ]; then
  result[wsgi-junction]=$(measure "$jpid" "http://127.0.0.1:$jport/flask/hello/bench" | cut -d' ' -f1)
  result[wsgi-gunicorn]=$(measure "" "http://127.0.0.1:$gport/hello/bench" | cut -d' ' -f1)
fi

echo "workers: $WORKERS (Junction I/O threads = nginx worker processes), wrk -t2 -c$CONNECTIONS," \
  "${SECONDS_PER_RUN} s per run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %14s %14s %8s %12s %12s\n' "scenario" "junction req/s" "nginx req/s" "ratio" \
  "junction µs" "nginx µs"
for file in 1k 1m; do
  j=${result[junction-$file]}; n=${result[nginx-$file]}
  printf '%-28s %14s %14s %8s %12s %12s\n' "static $file (keep-alive)" "$j" "$n" \
    "$(awk -v a="$j" -v b="$n" 'BEGIN{printf "%.2f", a/b}')" "${cpu[junction-$file]}" "${cpu[nginx-$file]}"
done
printf '%-28s %14s %14s %8s %12s %12s\n' "bridge publisher POST" "${result[bridge]}" "-" "-" "${cpu[bridge]}" "-"
if [ "$have_wsgi" = 1 ]; then
  j=${result[wsgi-junction]}; g=${result[wsgi-gunicorn]}
  printf '%-28s %14s %14s %8s\n' "wsgi Flask (vs gunicorn)" "$j" "$g" "$(awk -v a="$j" -v b="$g" 'BEGIN{printf "%.2f", a/b}')"
fi
printf '{"bench":"web","workers":%s,"connections":%s,"seconds":%s,"static_1k":{"junction":%s,"nginx":%s,"junction_cpu_us":%s,"nginx_cpu_us":%s},"static_1m":{"junction":%s,"nginx":%s,"junction_cpu_us":%s,"nginx_cpu_us":%s},"bridge_publisher":%s,"bridge_cpu_us":%s,"wsgi_flask":{"junction":%s,"gunicorn":%s}}\n' \
  "$WORKERS" "$CONNECTIONS" "$SECONDS_PER_RUN" \
  "${result[junction-1k]}" "${result[nginx-1k]}" "${cpu[junction-1k]}" "${cpu[nginx-1k]}" \
  "${result[junction-1m]}" "${result[nginx-1m]}" "${cpu[junction-1m]}" "${cpu[nginx-1m]}" \
  "${result[bridge]}" "${cpu[bridge]}" "${result[wsgi-junction]}" "${result[wsgi-gunicorn]}"
