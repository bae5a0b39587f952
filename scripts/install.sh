#!/usr/bin/env bash
# Everything `make demo` and `make test` need, installed when missing. Safe to run again.
source "$(dirname "$0")/lib.sh"

"$STINT_ROOT/scripts/install-system.sh"
command -v cargo >/dev/null || die "cargo not found: install Rust from https://rustup.rs"
"$STINT_ROOT/scripts/install-python.sh"
# The desktop app's tools: the UI's npm packages and tauri-driver for its WebDriver test.
"$STINT_ROOT/scripts/install-node.sh"
