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
    # The private bus may start every session service this machine has but the Secret
    # Service: when gnome-keyring dies (see the watch below), D-Bus would otherwise start a
    # fresh, locked one on the next call, and that call would fail for good; without
    # activation it fails with a D-Bus error, which the client tries again, and meets the
    # unlocked daemon the watch brings back.
    bus_dir="$(mktemp -d -t stint-bus.XXXXXX)"
    mkdir "$bus_dir/services"
    for service in /usr/share/dbus-1/services/*.service; do
        [ -e "$service" ] || continue
        case "$(basename "$service")" in
            org.freedesktop.secrets.service | org.gnome.keyring.service | org.freedesktop.impl.portal.Secret.service) ;;
            *) ln -s "$service" "$bus_dir/services/" ;;
        esac
    done
    sed -e "s|<standard_session_servicedirs */>|<servicedir>$bus_dir/services</servicedir>|" \
        /usr/share/dbus-1/session.conf > "$bus_dir/session.conf"
    # Not exec: the bus reads its directory until it ends, and then it is removed.
    status=0
    dbus-run-session --config-file="$bus_dir/session.conf" -- "$0" "$@" || status=$?
    rm -rf "$bus_dir"
    exit "$status"
fi

# Cargo and rustup find themselves through HOME; keep them where they are.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"

scratch="$(mktemp -d -t stint-keyring.XXXXXX)"
cleanup() {
    if [ -n "${watchdog_pid:-}" ]; then kill "$watchdog_pid" 2>/dev/null || true; fi
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

password='stint-test-keyring'
# The process that owns the Secret Service name on our private bus.
secrets_owner() {
    dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
        awk '{print $2}' || true
}
start_keyring() {
    # --unlock reads the keyring's password from stdin: it creates the login keyring
    # unlocked the first time, and unlocks the same one (items kept on disk) after that.
    eval "$(printf '%s' "$password" | gnome-keyring-daemon --replace --unlock --components=secrets)"
}
# The owner once the daemon has registered its name (it takes a moment).
await_owner() {
    local pid="" i
    for i in $(seq 1 40); do
        pid="$(secrets_owner)"
        [ -n "$pid" ] && break
        sleep 0.05
    done
    printf '%s' "$pid"
}
start_keyring
keyring_pid="$(await_owner)"
export STINT_TEST_KEYRING=1

# gnome-keyring-daemon has been seen to abort on a glib assertion under many concurrent
# clients. Watch it, and bring back an unlocked one (same keyring file) if it goes: the
# calls that failed meanwhile are tried again by the client (stint-client's store/retry.rs).
(
    set +e  # a failed probe must not end the watch
    while sleep 0.1; do
        owner="$(secrets_owner)"
        # Gone (no owner), or replaced by another daemon: take over.
        if [ "$owner" != "$keyring_pid" ]; then
            echo "with-keyring: the Secret Service ($keyring_pid) went away; restarting it unlocked" >&2
            start_keyring >/dev/null 2>&1
            keyring_pid="$(await_owner)"
        fi
    done
) &
watchdog_pid=$!

"$@"
