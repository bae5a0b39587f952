#!/usr/bin/env bash
# A static `stint-broker` for Linux servers: the release build for x86_64-unknown-linux-musl
# (Debian's musl-tools give the C compiler for the crates that build C: SQLite, aws-lc),
# checked to need no shared library, copied to OUT_DIR (default target/musl-out).
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

export CC_x86_64_unknown_linux_musl=musl-gcc
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=musl-gcc
cargo build --locked --release --target "$TARGET" -p stint-broker

bin="$CARGO_TARGET_DIR/$TARGET/release/stint-broker"
# A static binary has no program interpreter and no NEEDED entries.
if readelf -lW "$bin" | grep -q "Requesting program interpreter" \
    || readelf -dW "$bin" | grep -q "(NEEDED)"; then
    die "$bin is not static: $(readelf -dW "$bin" | grep NEEDED | tr -s ' ')"
fi
"$bin" --version >/dev/null || die "$bin does not run"
mkdir -p "$out" "$out/empty"
cp "$bin" "$out/stint-broker"
say "static stint-broker: $out/stint-broker ($(du -h "$out/stint-broker" | cut -f1))"
