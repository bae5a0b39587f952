#!/usr/bin/env bash
# Everything `make demo` and `make test` need, installed when missing. Safe to run again.
source "$(dirname "$0")/lib.sh"

"$STINT_ROOT/scripts/install-system.sh"
command -v cargo >/dev/null || die "cargo not found: install Rust from https://rustup.rs"
# The standard libraries of the other targets the client is checked and built for.
for target in aarch64-apple-darwin x86_64-pc-windows-gnu x86_64-unknown-linux-musl; do
    if ! rustup target list --installed | grep -qx "$target"; then
        say "adding the Rust target $target"
        rustup target add "$target"
    fi
done
"$STINT_ROOT/scripts/install-python.sh"
# The desktop app's tools: the UI's npm packages and tauri-driver for its WebDriver test.
"$STINT_ROOT/scripts/install-node.sh"
