#!/usr/bin/env bash
# as-user.sh HOME COMMAND...: runs COMMAND as another person on this machine would: its
# own session bus and its own keyring (kept under HOME, unlocked with a fixed password),
# so a CLI user's login never mixes with the app's.
set -euo pipefail
home="$1"
shift
mkdir -p "$home/.local/share/keyrings"
exec dbus-run-session -- bash -c '
    export HOME="$1" XDG_DATA_HOME="$1/.local/share" XDG_CONFIG_HOME="$1/.config"
    shift
    eval "$(printf other-person | gnome-keyring-daemon --unlock --components=secrets)"
    # Until the unlocked keyring owns its name, a keyring call would make D-Bus start a
    # second, locked daemon (which also prints its environment on our stdout).
    for _ in $(seq 1 100); do
        dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
            grep -q "boolean true" && break
        sleep 0.05
    done
    exec "$@"
' as-user "$home" "$@" 2> >(grep --line-buffered -v "^dbus-daemon\|Failed to set fd limit" >&2)
