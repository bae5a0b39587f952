#!/usr/bin/env bash
# The demo: the simulator with the demo world, and how to try it.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

cargo build --bin stint-sim
exec "$CARGO_TARGET_DIR/debug/stint-sim" demo
