#!/usr/bin/env bash
# The Windows CLI and tray for real: `stint.exe` and `stint-tray.exe` cross-built with
# mingw-w64 (debug, into the cross target directory) and run under Wine by
# tests/windows_wine.rs, the tray started through stint-app.exe's hand-over (the
# `stint-startup` probe stands in for the app), against a simulator and a broker running
# natively on Linux — a Windows laptop and a remote broker. Each run gets
# a fresh Wine prefix, so the Credential Manager starts empty.
#
# Why the simulator and the broker are not Windows builds too: the broker runs on Linux
# servers (scripts/build-musl.sh, deploy/), and the test's question is whether the client
# works on Windows; cross-building both would add their whole dependency trees to CI for
# no client coverage.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

WIN=x86_64-pc-windows-gnu
cross_dir="${STINT_CROSS_TARGET_DIR:-$HOME/.cache/stint-target-cross}"
command -v wine >/dev/null || die "wine not found: scripts/install-system.sh installs it"
command -v x86_64-w64-mingw32-gcc >/dev/null || die "mingw-w64 not found: scripts/install-system.sh installs it"

say "stint.exe and stint-tray.exe (cross-built for $WIN)"
CARGO_TARGET_DIR="$cross_dir" \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    cargo build --locked --target "$WIN" -p stint-cli -p stint-tray
# stint-app.exe's hand-over to the tray, in a program without Tauri (stint-startup's probe).
CARGO_TARGET_DIR="$cross_dir" \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    cargo build --locked --target "$WIN" -p stint-startup --example handover_probe
exe="$cross_dir/$WIN/debug/stint.exe"
tray_exe="$cross_dir/$WIN/debug/stint-tray.exe"
probe_exe="$cross_dir/$WIN/debug/examples/handover_probe.exe"

# The native broker the test starts (cargo test built it already in scripts/test.sh).
cargo build --locked -p stint-broker

prefix="$(mktemp -d "${TMPDIR:-/tmp}/stint-wine.XXXXXX")"
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$prefix"' EXIT
say "a fresh Wine prefix"
WINEPREFIX="$prefix" WINEDEBUG=-all wineboot --init >/dev/null 2>&1
WINEPREFIX="$prefix" wineserver -w
# Wine 8 has no bcryptprimitives.dll, which Rust's standard library needs (ProcessPrng):
# a stand-in from scripts/cross/wine/, for the test prefix only.
x86_64-w64-mingw32-gcc -O2 -shared -o "$prefix/drive_c/windows/system32/bcryptprimitives.dll" \
    scripts/cross/wine/bcryptprimitives.c scripts/cross/wine/bcryptprimitives.def -ladvapi32

log="$(mktemp)"
# Under Xvfb for the tray (its icon goes to the tray Wine provides on the display); the
# test gives the display to stint-tray.exe only.
STINT_WINDOWS_STINT_EXE="$exe" STINT_WINDOWS_TRAY_EXE="$tray_exe" \
    STINT_WINDOWS_HANDOVER_EXE="$probe_exe" WINEPREFIX="$prefix" \
    xvfb-run -a -s "-screen 0 1024x768x24" \
    cargo test --locked -p stint-e2e --test windows_wine -- --nocapture 2>&1 | tee "$log"
# The test skips itself without its variables; here it must have run to its end.
grep -q "wine smoke: passed" "$log" || die "the Wine smoke test did not run to its end"
rm -f "$log"
