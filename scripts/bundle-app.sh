#!/usr/bin/env bash
# Builds the desktop app's installers with both of its programs in one folder: stint-app
# (the window, and the whole app under STINT_WHOLE_APP=1) and stint-tray beside it, which a
# plain stint-app hands over to (crates/stint-startup), so the menu entry, the Start menu
# and "Start at login" run the tray without WebKit. The same on every system: here for the
# Linux .deb, and in .github/workflows/release.yml for the macOS .dmg and the Windows .msi
# and NSIS installer.
#
#   scripts/bundle-app.sh                                the .deb for this machine
#   scripts/bundle-app.sh --target T --bundles dmg       another target's bundles (on its OS)
#
# Tauri bundles a program beside the app as an external binary: `bundle.externalBin`, a
# file named <name>-<target triple>[.exe]. It is given here, with --config, and not in
# tauri.conf.json, because tauri-build wants the file to exist at every cargo build of the
# app, and only this script makes it (under src-tauri/binaries/, which git ignores).
# Then checks the bundles it can read here (the .deb with dpkg-deb, the macOS .app's
# folder) hold both programs, and prints the bundle folder. Not a `make test` stage: two
# release builds with fat LTO take a long while on two cores.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

target=""
bundles="deb"
while [ $# -gt 0 ]; do
    case "$1" in
        --target) target="${2:?--target needs a target triple}"; shift 2 ;;
        --bundles) bundles="${2:?--bundles needs a list such as deb,appimage}"; shift 2 ;;
        *) die "unknown argument $1 (scripts/bundle-app.sh [--target TRIPLE] [--bundles LIST])" ;;
    esac
done

triple="${target:-$(rustc -vV | sed -n 's/^host: //p')}"
[ -n "$triple" ] || die "rustc -vV names no host triple"
exe=""
case "$triple" in *windows*) exe=".exe" ;; esac
# (`${a[@]+"${a[@]}"}`: an empty array under `set -u` in macOS's bash 3.2 too.)
# Without --target, cargo and tauri build for this machine into target/release (the
# folder the other scripts' release builds share); with it, into target/<triple>/release.
target_args=()
release="$CARGO_TARGET_DIR/release"
if [ -n "$target" ]; then
    target_args=(--target "$target")
    release="$CARGO_TARGET_DIR/$target/release"
fi

say "stint-tray (release, $triple)"
cargo build --locked --release ${target_args[@]+"${target_args[@]}"} -p stint-tray --bin stint-tray

staged="$STINT_ROOT/src-tauri/binaries"
mkdir -p "$staged"
# A copy, not a link: tauri-build copies it back into the target folder, onto the file a
# link would point at.
cp "$release/stint-tray$exe" "$staged/stint-tray-$triple$exe"

# The Tauri CLI is a native program: on Windows (Git Bash) it wants C:/… paths, not /c/….
native_path() {
    if command -v cygpath >/dev/null; then cygpath -m "$1"; else printf '%s\n' "$1"; fi
}

tauri="$STINT_ROOT/ui/node_modules/.bin/tauri"
[ -e "$tauri" ] || "$STINT_ROOT/scripts/install-node.sh"
say "tauri build (release stint-app and the $bundles bundles, with stint-tray beside it)"
# The app crate is src-tauri; the CLI wants its configuration there (src-tauri/tauri.conf.json,
# ui and icons are links to the root's). The path is absolute: the CLI reads it from
# src-tauri, the app's build.rs from the root (so externalBin's path is absolute too: a
# relative one would name two different files).
TAURI_APP_PATH="$(native_path "$STINT_ROOT/src-tauri")" \
    TAURI_FRONTEND_PATH="$(native_path "$STINT_ROOT")" \
    "$tauri" build --ci ${target_args[@]+"${target_args[@]}"} --bundles "$bundles" \
    --config "{\"bundle\": {\"externalBin\": [\"$(native_path "$staged")/stint-tray\"]}}" >&2

bundle_dir="$release/bundle"
if [ -d "$bundle_dir/deb" ] && command -v dpkg-deb >/dev/null; then
    deb="$(ls -t "$bundle_dir"/deb/*.deb | head -n 1)"
    contents="$(dpkg-deb -c "$deb")"
    for program in usr/bin/stint-app usr/bin/stint-tray; do
        # dpkg-deb lists `usr/bin/x` or `./usr/bin/x`, depending on who built the archive.
        grep -qE "[[:space:]](\./)?$program\$" <<<"$contents" || die "$deb has no $program"
    done
    say "$deb holds usr/bin/stint-app and usr/bin/stint-tray"
fi
if [ -d "$bundle_dir/macos" ]; then
    # (The app's own binary there is named by Tauri; the tray's by externalBin.)
    [ -x "$bundle_dir/macos/Stint.app/Contents/MacOS/stint-tray" ] \
        || die "Stint.app has no Contents/MacOS/stint-tray beside the app"
    say "Stint.app holds Contents/MacOS/stint-tray beside the app"
fi
echo "$bundle_dir"
