#!/bin/sh
# bench/run-bench.sh: runs junction-bench against a fresh junction. Starts JUNCTION on a free port
# (port 0) with a bench config written to a temporary directory, waits for "listening on" in its
# stderr, runs BENCH with --url and --router-pid (plus any further arguments), stops the router by
# its PID and returns the bench's exit code. The router listens for WebSocket (/ws) and RawSocket
# on two ports; BENCH_TRANSPORT=rawsocket points the bench at the RawSocket one. The auth
# scenario logs in at /auth, whose principals the bench prints (--print-auth-config).
#
#   bench/run-bench.sh build/junction build/junction-bench [junction-bench options...]
set -u
JUNCTION=$1
BENCH=$2
shift 2

TMP=$(mktemp -d /tmp/junction-bench-XXXXXX)
ROUTER_PID=
cleanup() {
  if [ -n "$ROUTER_PID" ] && kill -0 "$ROUTER_PID" 2>/dev/null; then
    kill -TERM "$ROUTER_PID" 2>/dev/null
    i=0
    while kill -0 "$ROUTER_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$ROUTER_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# The auth scenario's listener (/auth): principals matching the bench's credentials.
if ! "$BENCH" --print-auth-config > "$TMP/auth.json"; then
  echo "run-bench: $BENCH --print-auth-config failed" >&2
  exit 1
fi
{ cat <<'JSON'
{
  "version": 2,
  "workers": [{
    "type": "router",
    "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{
      "uri": "", "match": "prefix",
      "allow": {"call": true, "register": true, "publish": true, "subscribe": true},
      "disclose": {"caller": false, "publisher": false}, "cache": true}]}]}],
    "transports": [{
      "type": "web",
      "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1", "backlog": 4096},
      "paths": {"/": {"type": "nodeinfo"},
                "ws": {"type": "websocket", "serializers": ["json", "msgpack", "cbor", "ubjson"],
                       "options": {"max_message_size": 16777216}},
                "auth": {"type": "websocket", "auth":
JSON
cat "$TMP/auth.json"
cat <<'JSON'
                }}
    }, {
      "type": "rawsocket",
      "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1", "backlog": 4096},
      "serializers": ["json", "msgpack", "cbor", "ubjson"], "max_message_size": 16777216
    }]
  }]
}
JSON
} > "$TMP/config.json"

# Many sessions need many descriptors (the bench raises its own limit itself).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
: > "$TMP/junction.log"
"$JUNCTION" start --config "$TMP/config.json" --loglevel info 2> "$TMP/junction.log" &
ROUTER_PID=$!
PORT=
i=0
while [ $i -lt 150 ]; do
  PORT=$(sed -n 's/.*transports\[0\] listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/junction.log")
  RS_PORT=$(sed -n 's/.*transports\[1\] listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/junction.log")
  [ -n "$PORT" ] && [ -n "$RS_PORT" ] && break
  if ! kill -0 "$ROUTER_PID" 2>/dev/null; then break; fi
  sleep 0.1
  i=$((i + 1))
done
if [ -z "$PORT" ] || [ -z "$RS_PORT" ]; then
  echo "run-bench: junction did not start listening:" >&2
  cat "$TMP/junction.log" >&2
  exit 1
fi
URL="ws://127.0.0.1:$PORT/ws"
[ "${BENCH_TRANSPORT:-websocket}" = rawsocket ] && URL="rs://127.0.0.1:$RS_PORT"
echo "run-bench: junction pid $ROUTER_PID, $URL ($(nproc) cores)" >&2
"$BENCH" --url "$URL" --auth-url "ws://127.0.0.1:$PORT/auth" --realm realm1 \
  --router-pid "$ROUTER_PID" "$@"
STATUS=$?
if [ $STATUS -ne 0 ]; then
  echo "run-bench: junction-bench failed ($STATUS); the router's log tail:" >&2
  tail -n 40 "$TMP/junction.log" >&2
fi
exit $STATUS
