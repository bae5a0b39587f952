#!/usr/bin/env bash
# Runs a command with a throw-away, unlocked Secret Service (gnome-keyring) on a private
# session D-Bus and a throw-away HOME, so keyring tests never touch a real keyring or a
# real ~/.aws. Usage: scripts/with-keyring.sh cargo test -p stint-client
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# First pass: start a private session bus and run this script again inside it.
if [ -z "${STINT_KEYRING_SESSION:-}" ]; then
    command -v dbus-run-session >/dev/null || { echo "error: dbus-run-session not found (apt-get install dbus)" >&2; exit 1; }
    command -v gnome-keyring-daemon >/dev/null || { echo "error: gnome-keyring-daemon not found (apt-get install gnome-keyring)" >&2; exit 1; }
    export STINT_KEYRING_SESSION=1
    exec dbus-run-session -- "$0" "$@"
fi

# Cargo and rustup find themselves through HOME; keep them where they are.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"

scratch="$(mktemp -d -t stint-keyring.XXXXXX)"
cleanup() {
    if [ -n "${keyring_pid:-}" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT

export HOME="$scratch/home"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE STINT_CONFIG

# --unlock reads the new keyring's password from stdin and creates it unlocked.
eval "$(printf 'stint-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
keyring_pid="${GNOME_KEYRING_PID:-}"  # it also exits when the private bus goes away
export STINT_TEST_KEYRING=1

"$@"
