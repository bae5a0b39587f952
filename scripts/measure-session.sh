# The arguments of scripts/measure-app.sh (`--no-build`, `--with-gdk-gl`, `--whole-app`;
# see its top) and `measure_in_session`, which runs a measuring half under Xvfb with a
# private session bus, a throw-away HOME and an unlocked keyring. Sourced after lib.sh.

build=1
gdk_gl=unset
whole=""
for arg in "$@"; do
    case "$arg" in
        --no-build) build="" ;;
        --with-gdk-gl) gdk_gl="" ;;
        --whole-app) whole=1 ;;
        *) die "unknown argument $arg (see the top of $0)" ;;
    esac
done

# measure_in_session SCRIPT BINARY LOG_NAME [VAR=VALUE ...]: `python3 scripts/SCRIPT BINARY
# LOG`, LOG_NAME in the session's HOME, with the VAR=VALUEs set in the session.
measure_in_session() {
    local script="$1" binary="$2" log_name="$3"
    shift 3
    local gl_note=""
    [ "$gdk_gl" = unset ] || gl_note=", GDK's OpenGL on"
    say "launch to tray, and memory (Xvfb, private session bus)$gl_note"
    STINT_MEASURE_SCRIPT="$script" STINT_MEASURE_BINARY="$binary" STINT_MEASURE_LOG="$log_name" \
        STINT_MEASURE_GDK_GL="$gdk_gl" \
        xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- env "$@" bash -c '
        set -euo pipefail
        home="$(mktemp -d)"; trap "rm -rf \"$home\"" EXIT
        export HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
            XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run"
        mkdir -p "$XDG_DATA_HOME/keyrings"
        eval "$(printf measure | gnome-keyring-daemon --unlock --components=secrets)"
        export NO_COLOR=1 STINT_LOG="${STINT_LOG:-info}"
        if [ "$STINT_MEASURE_GDK_GL" != unset ]; then export GDK_GL="$STINT_MEASURE_GDK_GL"; fi
        python3 "$STINT_ROOT/scripts/$STINT_MEASURE_SCRIPT" "$STINT_MEASURE_BINARY" "$home/$STINT_MEASURE_LOG"
    '
}
