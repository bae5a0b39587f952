#!/usr/bin/env bash
# The demo: stint-sim serving the demo world on 127.0.0.1:8701 and stint-broker in front
# of it on 127.0.0.1:8700 (crates/stint-broker/demo/broker.toml, SQLite in a temporary
# folder), then how to try them. Ctrl-c stops both and removes the temporary folder.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

SIM_ADDR="127.0.0.1:8701"
BROKER_ADDR="127.0.0.1:8700"
SIM_URL="http://$SIM_ADDR"
BROKER_URL="http://$BROKER_ADDR"
WORLD="crates/stint-sim/worlds/demo.toml"
BROKER_CONFIG="crates/stint-broker/demo/broker.toml"

port_taken() {
    python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(0)
sys.exit(1)' "${1%:*}" "${1##*:}"
}
for addr in "$SIM_ADDR" "$BROKER_ADDR"; do
    if port_taken "$addr"; then
        die "$addr is in use (another demo running?): stop it first"
    fi
done

say "building stint-sim and stint-broker"
cargo build --quiet -p stint-sim -p stint-broker --bins

# The broker's AWS identity: the demo world's operator keys (an instance role in production).
read -r OPERATOR_KEY OPERATOR_SECRET < <(python3 - "$WORLD" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    op = tomllib.load(f)["operators"][0]
print(op["access_key_id"], op["secret_access_key"])
EOF
)

DEMO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/stint-demo.XXXXXX")"
SIM_PID=""
BROKER_PID=""

stop_all() {
    trap - EXIT INT TERM
    echo
    say "stopping"
    for pid in $BROKER_PID $SIM_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $BROKER_PID $SIM_PID; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$DEMO_DIR"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Waits for a process's JSON ready line on its stdout file; shows its log if it dies first.
wait_ready() {
    local name="$1" pid="$2" out="$3" log="$4"
    for _ in $(seq 1 600); do
        if grep -q '"event":"ready"' "$out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$log" >&2
            die "$name stopped before it was ready (its log is above)"
        fi
        sleep 0.1
    done
    cat "$log" >&2
    die "$name was not ready after 60 s (its log is above)"
}

"$CARGO_TARGET_DIR/debug/stint-sim" serve --world "$WORLD" --host 127.0.0.1 --port 8701 \
    >"$DEMO_DIR/sim.out" 2>"$DEMO_DIR/sim.log" &
SIM_PID=$!
wait_ready stint-sim "$SIM_PID" "$DEMO_DIR/sim.out" "$DEMO_DIR/sim.log"

env AWS_ENDPOINT_URL="$SIM_URL" \
    AWS_ACCESS_KEY_ID="$OPERATOR_KEY" \
    AWS_SECRET_ACCESS_KEY="$OPERATOR_SECRET" \
    AWS_EC2_METADATA_DISABLED=true \
    STINT_DATABASE_URL="sqlite://$DEMO_DIR/stint-demo.db" \
    STINT_LOG="${STINT_LOG:-info}" \
    "$CARGO_TARGET_DIR/debug/stint-broker" serve --config "$BROKER_CONFIG" \
    >"$DEMO_DIR/broker.out" 2>"$DEMO_DIR/broker.log" &
BROKER_PID=$!
wait_ready stint-broker "$BROKER_PID" "$DEMO_DIR/broker.out" "$DEMO_DIR/broker.log"

cat <<EOF

  Stint demo
  ==========

  stint-sim      $SIM_URL   IAM Identity Center, STS and the access portal, serving
                 $WORLD
  stint-broker   $BROKER_URL   policies: crates/stint-broker/demo/policies.toml
                 database: $DEMO_DIR/stint-demo.db

  People: alice and carol (engineers, request access), bob and grace (SRE leads,
  approve), dave (auditor), erin (Stint admin). Accounts: management, identity, prod,
  staging, dev, sandbox.

  Logs:  tail -f $DEMO_DIR/broker.log
         tail -f $DEMO_DIR/sim.log

  Try it, from another terminal:

    # How clients sign in to this broker (the access portal, region, baseline role):
    curl -s $BROKER_URL/v1/auth/config | python3 -m json.tool

    # Health, metrics, and the API's OpenAPI document:
    curl -s $BROKER_URL/healthz
    curl -s $BROKER_URL/metrics | grep '^stint_requests'
    curl -s $BROKER_URL/openapi.json | python3 -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin)["paths"])))'

    # Every other endpoint needs a session: without one the broker says so.
    curl -s $BROKER_URL/v1/me

    # What Identity Center holds right now (standing access only, until someone asks):
    curl -s $SIM_URL/_sim/assignments | python3 -m json.tool | head -40

  ----------------------------------------------------------------------------------------
  CLIENTS (to be added here): the stint CLI (sign in, request, approve) and the Stint tray
  app, pointed at $BROKER_URL.
  ----------------------------------------------------------------------------------------

  Ctrl-c stops both and removes $DEMO_DIR.

EOF

# Runs until ctrl-c, or until either process stops on its own.
while kill -0 "$SIM_PID" 2>/dev/null && kill -0 "$BROKER_PID" 2>/dev/null; do
    sleep 1
done
for name_pid in "stint-sim:$SIM_PID:$DEMO_DIR/sim.log" "stint-broker:$BROKER_PID:$DEMO_DIR/broker.log"; do
    IFS=: read -r name pid log <<<"$name_pid"
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$log" >&2
        die "$name stopped on its own (the end of its log is above)"
    fi
done
