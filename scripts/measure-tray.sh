#!/usr/bin/env bash
# Measures the tray (stint-tray: the tray icon and the agent in one process, without
# WebKit) as issue 11 asks: the memory of all its processes, idle signed out, and idle
# signed in with a grant counting down (alice signed in through the `stint` CLI against
# stint-sim and the broker, as scripts/measure-app.sh does), with the window open (its own
# process, `stint-app --window`) and one minute after it was closed, plus the binary's size and
# the time from launch to the tray menu on the session bus. Under Xvfb with a private
# session bus. Not a test: the machine is shared and noisy, so the figures are printed,
# never asserted.
#   scripts/measure-tray.sh               build stint-tray and stint-app in release, then measure
#   scripts/measure-tray.sh --no-build    measure the release binary already built
#   scripts/measure-tray.sh --with-gdk-gl the same with GDK's OpenGL on (GDK_GL set
#                                         empty), which the tray turns off by default
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

source "$(dirname "$0")/measure-session.sh" "$@"

if [ -n "$build" ]; then
    say "stint-tray and the window it starts, stint-app (release)"
    "$STINT_ROOT/scripts/install-node.sh"
    npm --prefix ui run build --silent
    cargo build --release -p stint-tray --bin stint-tray
    cargo build --release -p stint-app --bin stint-app
fi

say "the servers and CLI the signed-in measurement runs (debug builds)"
cargo build --quiet --bin stint-sim --bin stint-broker --bin stint

tray="$CARGO_TARGET_DIR/release/stint-tray"
[ -x "$tray" ] || die "$tray is missing: run without --no-build"
echo "release binary     $(stat -c %s "$tray" | awk '{printf "%.1f MB", $1 / 1000000}')  ($tray)"

measure_in_session measure-tray.py "$tray" tray.log
