#!/usr/bin/env bash
# The demo: stint-sim serving the demo world on 127.0.0.1:8701 and stint-broker in front
# of it on 127.0.0.1:8700 (crates/stint-broker/demo/broker.toml, SQLite in a temporary
# folder), then the clients:
#  - with a display (DISPLAY or WAYLAND_DISPLAY set): Stint as it runs on a Linux desktop,
#    stint-tray (the tray and the agent) with its window open (stint-app --window), pointed
#    at the broker and signed out, ready for alice; bob approves with the stint CLI;
#  - without one: the same story through the stint CLI (scripts/demo-story.sh), told step
#    by step. Run without a terminal (CI), the demo stops after the story, with its status.
# Ctrl-c stops everything and removes the temporary folder.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

SIM_ADDR="127.0.0.1:8701"
BROKER_ADDR="127.0.0.1:8700"
SIM_URL="http://$SIM_ADDR"
BROKER_URL="http://$BROKER_ADDR"
WORLD="crates/stint-sim/worlds/demo.toml"
BROKER_CONFIG="crates/stint-broker/demo/broker.toml"

port_taken() {
    python3 -c 'import socket, sys
s = socket.socket()
# As the servers bind: connections of an earlier run in TIME_WAIT do not count.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(0)
sys.exit(1)' "${1%:*}" "${1##*:}"
}
for addr in "$SIM_ADDR" "$BROKER_ADDR"; do
    if port_taken "$addr"; then
        die "$addr is in use (another demo running?): stop it first"
    fi
done

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    DISPLAY_MODE=app
else
    DISPLAY_MODE=cli
fi

# Stint keeps logins in the OS keyring: on Linux a Secret Service on the session bus
# (GNOME Keyring, KWallet). Whether the desktop has one running or startable.
desktop_keyring() {
    [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ] || return 1
    command -v dbus-send >/dev/null || return 1
    dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
        grep -q "boolean true" && return 0
    dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.ListActivatableNames 2>/dev/null | grep -q '"org.freedesktop.secrets"'
}
# private: each person (and the app) gets a throw-away gnome-keyring on a private session
# bus, as on a machine with no display. desktop: the desktop's own keyring.
KEYRING=private
if [ "$DISPLAY_MODE" = app ]; then
    if desktop_keyring; then
        KEYRING=desktop
    elif ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
        die "no keyring: Stint keeps its login in a Secret Service on the session bus; this desktop has none, and gnome-keyring is not installed for a throw-away one. Install it (Debian/Ubuntu: sudo apt-get install gnome-keyring dbus-x11) and run make demo again"
    else
        say "no keyring on this desktop's session bus: Stint keeps its login in a Secret Service (GNOME Keyring, KWallet)"
        say "the demo gives the app and each person a throw-away keyring on a private session bus instead: the window works, but the tray icon and notifications need your desktop's own bus. For those: sudo apt-get install gnome-keyring, log in again, then make demo"
    fi
fi

# Cargo's own progress (each crate as it compiles, and its bar on a terminal) shows: a
# first build takes 15-25 minutes on two cores and must not look hung.
say "building stint-sim, stint-broker and the stint CLI (a first build: 15-25 minutes on two cores; later ones: seconds)"
cargo build -p stint-sim -p stint-broker -p stint-cli --bins
if [ "$DISPLAY_MODE" = app ]; then
    say "building the Stint app: the tray, and the window (its UI first: it embeds ui/dist)"
    npm --prefix ui run build --silent >/dev/null
    cargo build -p stint-tray -p stint-app --bins
fi
STINT="$CARGO_TARGET_DIR/debug/stint"

# The broker's AWS identity: the demo world's operator keys (an instance role in production).
read -r OPERATOR_KEY OPERATOR_SECRET < <(python3 - "$WORLD" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    op = tomllib.load(f)["operators"][0]
print(op["access_key_id"], op["secret_access_key"])
EOF
)

DEMO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/stint-demo.XXXXXX")"
SIM_PID=""
BROKER_PID=""
APP_PID=""

# A process and everything it started, parents first: the tray starts the window as a
# process of its own, which must stop with the demo too.
process_tree() {
    local child
    echo "$1"
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        process_tree "$child"
    done
}

stop_all() {
    local status=$?
    trap - EXIT INT TERM
    echo
    say "stopping"
    # The demo's logins leave nothing behind in the desktop's keyring
    # (before the broker stops, so the sessions end there too).
    if [ "$KEYRING" = desktop ] && [ -x "$DEMO_DIR/stint-as" ]; then
        for person in "$DEMO_DIR"/people/*/; do
            [ -d "$person" ] || continue
            "$DEMO_DIR/stint-as" "$(basename "$person")" logout >/dev/null 2>&1 || true
        done
    fi
    local app_pids=""
    [ -z "$APP_PID" ] || app_pids="$(process_tree "$APP_PID")"
    for pid in $app_pids $BROKER_PID $SIM_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $APP_PID $BROKER_PID $SIM_PID; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$DEMO_DIR"
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Waits for a process's JSON ready line on its stdout file; shows its log if it dies first.
wait_ready() {
    local name="$1" pid="$2" out="$3" log="$4"
    for _ in $(seq 1 600); do
        if grep -q '"event":"ready"' "$out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$log" >&2
            die "$name stopped before it was ready (its log is above)"
        fi
        sleep 0.1
    done
    cat "$log" >&2
    die "$name was not ready after 60 s (its log is above)"
}

"$CARGO_TARGET_DIR/debug/stint-sim" serve --world "$WORLD" --host 127.0.0.1 --port 8701 \
    >"$DEMO_DIR/sim.out" 2>"$DEMO_DIR/sim.log" &
SIM_PID=$!
wait_ready stint-sim "$SIM_PID" "$DEMO_DIR/sim.out" "$DEMO_DIR/sim.log"

env AWS_ENDPOINT_URL="$SIM_URL" \
    AWS_ACCESS_KEY_ID="$OPERATOR_KEY" \
    AWS_SECRET_ACCESS_KEY="$OPERATOR_SECRET" \
    AWS_EC2_METADATA_DISABLED=true \
    STINT_DATABASE_URL="sqlite://$DEMO_DIR/stint-demo.db" \
    STINT_LOG="${STINT_LOG:-info}" \
    "$CARGO_TARGET_DIR/debug/stint-broker" serve --config "$BROKER_CONFIG" \
    >"$DEMO_DIR/broker.out" 2>"$DEMO_DIR/broker.log" &
BROKER_PID=$!
wait_ready stint-broker "$BROKER_PID" "$DEMO_DIR/broker.out" "$DEMO_DIR/broker.log"

cat <<EOF

  Stint demo: everything local, no AWS account
    simulator (Identity Center, STS, console)   $SIM_URL
    broker (crates/stint-broker/demo/policies.toml)   $BROKER_URL
    logs: $DEMO_DIR/sim.log, $DEMO_DIR/broker.log
  People: alice and carol ask for access, bob and grace approve, dave audits, erin
  administers. Accounts: management, identity, prod, staging, dev, sandbox.

EOF

# `stint-as PERSON ARGS...`: the stint CLI as one of the demo's people, with their own
# configuration and keyring entries, pointed at this broker and simulator. With no
# display there is usually no keyring either: each person then gets a private session
# bus and gnome-keyring, kept under their folder.
mkdir -p "$DEMO_DIR/people"
cat >"$DEMO_DIR/stint-as" <<EOF
#!/usr/bin/env bash
# stint-as PERSON ARGS...: the stint CLI as PERSON of the Stint demo.
set -euo pipefail
[ \$# -ge 1 ] || { echo "usage: \$0 PERSON [ARGS...]" >&2; exit 2; }
person="$DEMO_DIR/people/\$1"
shift
mkdir -p "\$person/aws"
touch "\$person/aws/config" "\$person/aws/credentials"
export STINT_CONFIG="\$person/config.toml" STINT_CACHE_DIR="\$person/cache" \\
    STINT_SSO_SESSION="stint-demo-\$(basename "\$person")" STINT_BROKER_URL="$BROKER_URL" \\
    STINT_WRITE_AWS_CLI_CACHE=false AWS_ENDPOINT_URL="$SIM_URL" \\
    AWS_CONFIG_FILE="\$person/aws/config" AWS_SHARED_CREDENTIALS_FILE="\$person/aws/credentials"
# A person's first command configures their CLI from the broker, as "stint configure
# --broker URL" does on a real machine: where to sign in comes from the broker.
# (Inside the person's keyring session: configure clears what a login kept there.)
configure=""
if [ ! -f "\$STINT_CONFIG" ] && [ "\${1:-}" != configure ]; then
    configure=1
fi
if [ "$KEYRING" = desktop ]; then
    if [ -n "\$configure" ]; then
        out="\$("$STINT" configure --broker "$BROKER_URL" 2>&1)" || { echo "\$out" >&2; exit 1; }
    fi
    exec "$STINT" "\$@"
fi
export HOME="\$person/home" XDG_DATA_HOME="\$person/home/.local/share" \\
    XDG_CONFIG_HOME="\$person/home/.config" XDG_CACHE_HOME="\$person/home/.cache"
mkdir -p "\$XDG_DATA_HOME/keyrings"
# The command starts once the unlocked keyring owns its name on the bus: before that, a
# keyring call would make D-Bus start a second, locked daemon.
export STINT_AS_CONFIGURE="\$configure"
exec dbus-run-session -- bash -c '
    printf stint-demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    for _ in \$(seq 1 100); do
        dbus-send --session --print-reply --dest=org.freedesktop.DBus / \\
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
            grep -q "boolean true" && break
        sleep 0.05
    done
    if [ -n "\$STINT_AS_CONFIGURE" ]; then
        out="\$("\$1" configure --broker "\$STINT_BROKER_URL" 2>&1)" || { echo "\$out" >&2; exit 1; }
    fi
    exec "\$@"
' stint-as "$STINT" "\$@" 2> >(grep --line-buffered -v "^dbus-daemon\\|Failed to set fd limit\\|discover_other_daemon" >&2)
EOF
chmod +x "$DEMO_DIR/stint-as"

# How a person signs in from a terminal, as this demo runs.
if [ "$DISPLAY_MODE" = app ]; then
    SIGN_IN_HOW="the browser opens the sign-in page: type the person's name, Allow access"
else
    SIGN_IN_HOW="no browser here: open the printed link (or $SIM_URL/device), enter the code, the person's name, Approve"
fi

cli_help() {
    cat <<EOF
  The stint CLI as any of the demo's people, each with their own login (the first
  command sets their CLI up from the broker):

    $DEMO_DIR/stint-as carol login     # $SIGN_IN_HOW
    $DEMO_DIR/stint-as carol ls
    $DEMO_DIR/stint-as carol request dev/PowerUserAccess --for 30m --reason "try it" --wait
    $DEMO_DIR/stint-as carol creds dev/PowerUserAccess
    $DEMO_DIR/stint-as carol console dev/PowerUserAccess --print

EOF
}

if [ "$DISPLAY_MODE" = app ]; then
    # The app as alice will use it, as a Linux desktop runs it: stint-tray (the tray and the
    # agent; a plain stint-app hands over to it), with its own configuration, keyring
    # entries under the sso-session "stint-demo-app", and the window open at start
    # (STINT_SHOW_WINDOW: not every desktop shows a tray icon).
    app_dir="$DEMO_DIR/people/app"
    mkdir -p "$app_dir/aws"
    # Signed out, whatever an earlier demo left in the keyring (this also sets up the
    # app's configuration from the broker, as stint-as does for everyone).
    "$DEMO_DIR/stint-as" app logout >/dev/null 2>&1 || true
    app=("$CARGO_TARGET_DIR/debug/stint-tray")
    if [ "$KEYRING" = private ]; then
        # The app's own throw-away keyring, the one stint-as uses for "app".
        mkdir -p "$app_dir/home/.local/share/keyrings"
        app=(env HOME="$app_dir/home" XDG_DATA_HOME="$app_dir/home/.local/share"
            XDG_CONFIG_HOME="$app_dir/home/.config" XDG_CACHE_HOME="$app_dir/home/.cache"
            dbus-run-session -- bash -c 'printf stint-demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
                for _ in $(seq 1 100); do
                    dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
                    sleep 0.05
                done
                exec "$@"' stint-tray "${app[@]}")
    fi
    env STINT_CONFIG="$app_dir/config.toml" STINT_CACHE_DIR="$app_dir/cache" \
        STINT_SSO_SESSION=stint-demo-app STINT_BROKER_URL="$BROKER_URL" \
        STINT_WRITE_AWS_CLI_CACHE=false AWS_ENDPOINT_URL="$SIM_URL" \
        AWS_CONFIG_FILE="$app_dir/aws/config" AWS_SHARED_CREDENTIALS_FILE="$app_dir/aws/credentials" \
        STINT_SHOW_WINDOW=1 STINT_LOG="${STINT_LOG:-info}" \
        "${app[@]}" >"$DEMO_DIR/app.log" 2>&1 &
    APP_PID=$!
    for _ in $(seq 1 300); do
        grep -q "tray ready" "$DEMO_DIR/app.log" 2>/dev/null && break
        kill -0 "$APP_PID" 2>/dev/null || break
        sleep 0.1
    done
    if ! kill -0 "$APP_PID" 2>/dev/null; then
        tail -n 20 "$DEMO_DIR/app.log" >&2
        die "the Stint app stopped at once (its log is above). If Stint is already running, quit it (tray menu: Quit) and run make demo again"
    fi
    cat <<EOF
  Stint is running, signed out: the tray (stint-tray, also the agent for the stint CLI)
  and its window (stint-app --window). Closed, the window ends; the tray menu's
  "Open Stint…" opens it again. (Log of both: $DEMO_DIR/app.log.)

    1. Sign in: the browser opens the sign-in page; type alice, Allow access.
    2. Request: type "prod read", pick prod / ReadOnlyAccess, 5m, a reason; Send.
    3. bob approves, in a terminal:
         $DEMO_DIR/stint-as bob login     # sign-in page: type bob, Allow access
         $DEMO_DIR/stint-as bob approve ID --comment "ok"    # ID: the request's number in the app
    4. Back in the window: the countdown, Open console, Copy credentials. Under Standing access,
       dev / ReadOnlyAccess is alice's without asking.

EOF
    cli_help
else
    say "no display (DISPLAY and WAYLAND_DISPLAY are unset): the tray app cannot open, so the demo tells its story through the stint CLI"
    "$STINT_ROOT/scripts/demo-story.sh" "$SIM_URL" "$BROKER_URL" "$DEMO_DIR/stint-as"
    if [ ! -t 0 ]; then
        say "the story passed; there is no terminal to stay open in, so the demo stops here"
        exit 0
    fi
    echo
    cli_help
fi
echo "  Ctrl-c stops everything and removes $DEMO_DIR."
echo

# Runs until ctrl-c, or until either process stops on its own.
while kill -0 "$SIM_PID" 2>/dev/null && kill -0 "$BROKER_PID" 2>/dev/null; do
    sleep 1
done
for name_pid in "stint-sim:$SIM_PID:$DEMO_DIR/sim.log" "stint-broker:$BROKER_PID:$DEMO_DIR/broker.log"; do
    IFS=: read -r name pid log <<<"$name_pid"
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$log" >&2
        die "$name stopped on its own (the end of its log is above)"
    fi
done
