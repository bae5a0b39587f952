#!/usr/bin/env bash
# A static `stint-broker` for Linux servers: the release build for x86_64-unknown-linux-musl
# (Debian's musl-tools give the C compiler for the crates that build C: SQLite, aws-lc),
# checked to need no shared library and to run — serving the demo policy against stint-sim
# with SQLite until /readyz says it has read Identity Center, then `doctor` against the
# same — and copied to OUT_DIR (default target/musl-out).
#
#   scripts/build-musl.sh [OUT_DIR]
#
# Builds into the shared target directory under its own target triple, so it never
# disturbs the native builds.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

TARGET=x86_64-unknown-linux-musl
out="${1:-$CARGO_TARGET_DIR/musl-out}"
command -v musl-gcc >/dev/null || die "musl-gcc not found: apt-get install musl-tools"
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" \
    || die "the Rust target $TARGET is missing: rustup target add $TARGET"

# musl-gcc compiles the C; Rust links itself with its own musl start files. (musl-gcc as
# the linker made a dynamically linked PIE that asks for /lib/ld-musl-x86_64.so.1.)
export CC_x86_64_unknown_linux_musl=musl-gcc
cargo build --locked --release --target "$TARGET" -p stint-broker

bin="$CARGO_TARGET_DIR/$TARGET/release/stint-broker"
# A static binary has no program interpreter and no NEEDED entries.
if readelf -lW "$bin" | grep -q "Requesting program interpreter" \
    || readelf -dW "$bin" | grep -q "(NEEDED)"; then
    die "$bin is not static: $(readelf -dW "$bin" | grep NEEDED | tr -s ' ')"
fi
"$bin" --version >/dev/null || die "$bin does not run"

say "the static broker serves the demo policy against stint-sim (SQLite), and doctor passes"
cargo build --quiet -p stint-sim --bin stint-sim
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sim_port="$(free_port)" broker_port="$(free_port)"
"$CARGO_TARGET_DIR/debug/stint-sim" serve --world crates/stint-sim/worlds/demo.toml \
    --host 127.0.0.1 --port "$sim_port" >"$work/sim.out" 2>"$work/sim.log" &
# The demo's configuration on these ports, its STS allow-list the simulator alone (doctor
# asks every allow-listed STS to answer, and real AWS is not reachable from every machine).
demo=crates/stint-broker/demo
sed -e "s|127.0.0.1:8700|127.0.0.1:$broker_port|g" -e "s|127.0.0.1:8701|127.0.0.1:$sim_port|g" \
    -e "s|^sts_hosts = .*|sts_hosts = [\"http://127.0.0.1:$sim_port\"]|" \
    -e "s|^policy_file = .*|policy_file = \"$STINT_ROOT/$demo/policies.toml\"|" \
    -e "s|^database_url = .*|database_url = \"sqlite://$work/broker.db\"|" \
    "$demo/broker.toml" >"$work/broker.toml"
broker_env=(AWS_ENDPOINT_URL="http://127.0.0.1:$sim_port"
    AWS_ACCESS_KEY_ID=AKIASTINTBROKERDEMO1
    AWS_SECRET_ACCESS_KEY=demo-broker-secret-key-not-a-real-secret-000
    AWS_EC2_METADATA_DISABLED=true)
for _ in $(seq 1 100); do grep -q '"event":"ready"' "$work/sim.out" && break; sleep 0.1; done
env "${broker_env[@]}" "$bin" serve --config "$work/broker.toml" \
    >"$work/broker.out" 2>"$work/broker.log" &
ready=""
for _ in $(seq 1 300); do
    if curl -fsS --max-time 2 "http://127.0.0.1:$broker_port/readyz" >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.1
done
[ -n "$ready" ] || { cat "$work/broker.log" >&2; die "the static broker never answered /readyz"; }
env "${broker_env[@]}" "$bin" doctor --config "$work/broker.toml" \
    || die "doctor failed against the demo world (its lines are above)"
mkdir -p "$out" "$out/empty"
cp "$bin" "$out/stint-broker"
say "static stint-broker: $out/stint-broker ($(du -h "$out/stint-broker" | cut -f1))"
