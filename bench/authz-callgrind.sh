#!/usr/bin/env bash
# Static authorization cost on the message path (issue 10, docs/performance.md): the router's
# instructions per message under callgrind, with the `anonymous` role holding one catch-all rule
# or 49 non-matching rules (exact, prefix and wildcard in turn) before the same catch-all.
# Each run drives junction-bench twice, with N and 2N messages; (Ir(2N) - Ir(N)) / N is the
# router's cost per message without start-up and config parsing (a 50-rule config costs ≈ 1.9 M
# instructions more to parse). Instruction counts, not time: stable on a shared, noisy machine.
# usage: bench/authz-callgrind.sh BUILD_DIR [rpc|fanout] [RUNS]
# prints one line per run: rules scenario run Ir(N) Ir(2N) Ir-per-message
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [rpc|fanout] [RUNS]}
scenario=${2:-fanout}
runs=${3:-3}
work=$(mktemp -d /tmp/junction-authz-cg.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT; echo "work: $work" >&2

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
allow = {"call": True, "register": True, "publish": True, "subscribe": True}
catch_all = {"uri": "", "match": "prefix", "allow": allow, "cache": True}
def config(permissions):
    return {"version": 2, "workers": [{"type": "router",
        "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": permissions}]}],
        "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
                        "paths": {"ws": {"type": "websocket", "serializers": ["json"],
                                         "options": {"max_message_size": 16777216}}}}]}]}
others = []
for i in range(49):
    kind = ("exact", "prefix", "wildcard")[i % 3]
    uri = {"exact": "org.other.proc%d" % i, "prefix": "org.other%d." % i,
           "wildcard": "org..thing%d" % i}[kind]
    others.append({"uri": uri, "match": kind, "allow": allow, "cache": True})
for name, perms in (("1", [catch_all]), ("50", others + [catch_all])):
    with open("%s/rules-%s.json" % (work, name), "w") as f:
        json.dump(config(perms), f)
PY

# the router's total Ir for one junction-bench run of $3 messages
measure() {
  local rules=$1 out=$2 messages=$3
  valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$build/junction" start \
    --config "$work/rules-$rules.json" --loglevel info 2> "$out.log" &
  local pid=$! port=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$out.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.2
  done
  [ -n "$port" ] || { echo "junction did not start: $(cat "$out.log")" >&2; kill "$pid"; exit 1; }
  if [ "$scenario" = rpc ]; then
    "$build/junction-bench" --url "ws://127.0.0.1:$port/ws" --realm realm1 --scenario rpc \
      --seconds 600 --messages "$messages" > "$out.bench" 2>&1
  else
    "$build/junction-bench" --url "ws://127.0.0.1:$port/ws" --realm realm1 --scenario fanout \
      --subscribers 10 --sizes 64 --seconds 600 --messages "$messages" > "$out.bench" 2>&1
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  # --messages bounds the run only if the bench did not stop at --seconds first
  grep -q "\"\\(calls\\|publications\\)\":$messages," "$out.bench" ||
    { echo "the bench did not run $messages messages: $(head -1 "$out.bench")" >&2; exit 1; }
  sed -n 's/^summary: *//p; s/^totals: *//p' "$out.cg" | head -1
}

if [ "$scenario" = rpc ]; then n=10000; else n=5000; fi
for rules in 1 50; do
  for run in $(seq "$runs"); do
    one=$(measure "$rules" "$work/$rules-$run-n" "$n")
    two=$(measure "$rules" "$work/$rules-$run-2n" $((2 * n)))
    echo "$rules $scenario $run $one $two $(( (two - one) / n ))"
  done
done
