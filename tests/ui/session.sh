#!/usr/bin/env bash
# Runs inside `xvfb-run … dbus-run-session`: a private session bus with an unlocked
# Secret Service (gnome-keyring) and a notification daemon (dunst), a throw-away HOME,
# then the WebDriver tests against the real app.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

home="$(mktemp -d -t stint-ui-home.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$home"' EXIT
export HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" XDG_DATA_HOME="$home/.local/share"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME/keyrings"

# The keyring: unlocked with a throw-away password, as a desktop login would.
eval "$(printf 'stint-ui-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

dunst >"$home/dunst.log" 2>&1 &

cd "$root/tests/ui"
exec "$root/.venv/bin/python" -m pytest -q -p no:cacheprovider "${@:-.}"
