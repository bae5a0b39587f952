#!/usr/bin/env bash
# Measures the desktop app and prints the numbers the README reports: the release
# binary and bundle sizes (`tauri build`), the time from launch to the tray being ready,
# and the idle memory of all its processes (the app and WebKit's), signed out and idle,
# under Xvfb with a private session bus. Not a test: the machine is shared and noisy.
#   scripts/measure-app.sh           build the release app and bundles, then measure
#   scripts/measure-app.sh --no-build  measure the release binary already built
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

if [ "${1:-}" != "--no-build" ]; then
    say "tauri build (release binary, .deb and AppImage)"
    "$STINT_ROOT/scripts/install-node.sh"
    # The app crate is src-tauri; the CLI wants its configuration there, so
    # src-tauri/tauri.conf.json, ui and icons are links to the root's (the paths in the
    # configuration then read the same from both places).
    TAURI_APP_PATH="$STINT_ROOT/src-tauri" TAURI_FRONTEND_PATH="$STINT_ROOT" \
        "$STINT_ROOT/ui/node_modules/.bin/tauri" build --ci >&2
fi

release="$CARGO_TARGET_DIR/release"
app="$release/stint-app"
[ -x "$app" ] || die "$app is missing: run without --no-build"

size() { stat -c %s "$1" | awk '{printf "%.1f MB", $1 / 1000000}'; }
echo "release binary     $(size "$app")  ($app)"
for bundle in "$release"/bundle/deb/*.deb "$release"/bundle/appimage/*.AppImage; do
    [ -f "$bundle" ] && echo "bundle             $(size "$bundle")  ($(basename "$bundle"))"
done

say "launch to tray ready, and idle memory (Xvfb, private session bus)"
export STINT_MEASURE_APP="$app"
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
    set -euo pipefail
    home="$(mktemp -d)"; trap "rm -rf \"$home\"" EXIT
    export HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share"
    mkdir -p "$XDG_DATA_HOME/keyrings"
    eval "$(printf measure | gnome-keyring-daemon --unlock --components=secrets)"
    # A configured app, signed out: what a person sees before their first sign-in.
    export STINT_START_URL=http://127.0.0.1:9/start STINT_SSO_REGION=us-east-1 STINT_LOG=info NO_COLOR=1
    start=$(date +%s.%N)
    "$STINT_MEASURE_APP" 2>"$home/app.log" &
    pid=$!
    for _ in $(seq 1 200); do grep -q "tray ready" "$home/app.log" && break; sleep 0.05; done
    ready=$(grep -m1 "tray ready" "$home/app.log" | cut -d" " -f1)
    python3 - "$start" "$ready" <<PY
import sys, datetime
start = float(sys.argv[1])
ready = datetime.datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00")).timestamp()
print(f"launch to tray     {(ready - start) * 1000:.0f} ms")
PY
    sleep 15  # let WebKit settle: the idle state is what matters
    pids="$pid $(pgrep -P "$pid" | tr "\n" " ")"
    for p in $(pgrep -P "$pid"); do pids="$pids $(pgrep -P "$p" | tr "\n" " ")"; done
    rss=0; pss=0
    for p in $pids; do
        r=$(awk "/^VmRSS/ {print \$2}" /proc/$p/status 2>/dev/null || echo 0)
        s=$(awk "/^Pss:/ {print \$2}" /proc/$p/smaps_rollup 2>/dev/null || echo 0)
        rss=$((rss + ${r:-0})); pss=$((pss + ${s:-0}))
        printf "  %-8s %-20s %6d kB RSS\n" "$p" "$(cat /proc/$p/comm 2>/dev/null)" "${r:-0}"
    done
    echo "idle memory        $((pss / 1024)) MB PSS, $((rss / 1024)) MB RSS (all processes)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
'
