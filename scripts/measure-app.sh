#!/usr/bin/env bash
# Measures the desktop app and prints the numbers the README reports: the release
# binary and bundle sizes (`tauri build`), the time from launch to the tray being ready,
# and the idle memory of all its processes (the app and WebKit's), signed out and idle,
# under Xvfb with a private session bus. Not a test: the machine is shared and noisy.
#   scripts/measure-app.sh           build the release app and bundles, then measure
#   scripts/measure-app.sh --no-build  measure the release binary already built
# Bundles: the .deb by default; STINT_BUNDLES=deb,appimage adds the AppImage, whose tools
# the Tauri CLI downloads from GitHub (so it needs more than the package registries).
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

if [ "${1:-}" != "--no-build" ]; then
    say "tauri build (release binary, .deb and AppImage)"
    "$STINT_ROOT/scripts/install-node.sh"
    # The app crate is src-tauri; the CLI wants its configuration there, so
    # src-tauri/tauri.conf.json, ui and icons are links to the root's (the paths in the
    # configuration then read the same from both places).
    TAURI_APP_PATH="$STINT_ROOT/src-tauri" TAURI_FRONTEND_PATH="$STINT_ROOT" \
        "$STINT_ROOT/ui/node_modules/.bin/tauri" build --ci --bundles "${STINT_BUNDLES:-deb}" >&2
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
    python3 - "$start" "$ready" <<"PY"
import sys, datetime
start = float(sys.argv[1])
ready = datetime.datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00")).timestamp()
print(f"launch to tray     {(ready - start) * 1000:.0f} ms")
PY
    sleep 15  # let WebKit settle: the idle state is what matters
    python3 - "$pid" <<"PY"
import sys
from pathlib import Path

def tree(pid):
    out = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            out += tree(int(child))
    return out

def field(path, name):
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0

def cpu_ticks(pid):
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(stat[11]) + int(stat[12])

import time, os
pids = tree(int(sys.argv[1]))
rss = pss = 0
for p in pids:
    r, s = field(f"/proc/{p}/status", "VmRSS:"), field(f"/proc/{p}/smaps_rollup", "Pss:")
    rss, pss = rss + r, pss + s
    name = Path("/proc/%d/comm" % p).read_text().strip()
    print(f"  {p:<8} {name:<20} {r // 1024:>4} MB RSS  {s // 1024:>4} MB PSS")
print(f"idle memory        {pss // 1024} MB PSS, {rss // 1024} MB RSS (all {len(pids)} processes)")
before = sum(cpu_ticks(p) for p in pids)
time.sleep(30)
after = sum(cpu_ticks(p) for p in pids)
hz = os.sysconf("SC_CLK_TCK")
print(f"idle CPU           {(after - before) / hz * 1000 / 30:.1f} ms per second over 30 s")
PY
    kill "$pid"; wait "$pid" 2>/dev/null || true
'
