#!/usr/bin/env bash
# Builds the Linux .deb with both halves of the desktop in /usr/bin: stint-app (the window,
# and the whole app under STINT_WHOLE_APP=1) and stint-tray beside it, which a plain
# stint-app hands over to (src-tauri/src/handover.rs), so the menu entry and "Start at
# login" run the tray without WebKit.
#
# Tauri bundles a program beside the app as an external binary: `bundle.externalBin`, a
# file named <name>-<target triple>. It is given here, with --config, and not in
# tauri.conf.json, because tauri-build wants the file to exist at every cargo build of the
# app, and only this script makes it (under src-tauri/binaries/, which git ignores).
#   scripts/package-linux.sh    release stint-tray, then `tauri build --bundles deb`
# Then checks that the .deb holds both programs and prints its path. Not a `make test`
# stage: two release builds with fat LTO take a long while on two cores.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

triple="$(rustc -vV | sed -n 's/^host: //p')"
[ -n "$triple" ] || die "rustc -vV names no host triple"

say "stint-tray (release)"
cargo build --release -p stint-tray --bin stint-tray

staged="$STINT_ROOT/src-tauri/binaries"
mkdir -p "$staged"
# A copy, not a link: tauri-build copies it back into the target folder, onto the file a
# link would point at.
cp "$CARGO_TARGET_DIR/release/stint-tray" "$staged/stint-tray-$triple"

say "tauri build (release stint-app and the .deb, with stint-tray beside it)"
"$STINT_ROOT/scripts/install-node.sh"
# The app crate is src-tauri; the CLI wants its configuration there (src-tauri/tauri.conf.json,
# ui and icons are links to the root's). The path is absolute: the CLI reads it from
# src-tauri, the app's build.rs from the root.
TAURI_APP_PATH="$STINT_ROOT/src-tauri" TAURI_FRONTEND_PATH="$STINT_ROOT" \
    "$STINT_ROOT/ui/node_modules/.bin/tauri" build --ci --bundles deb \
    --config "{\"bundle\": {\"externalBin\": [\"$staged/stint-tray\"]}}" >&2

deb="$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -n 1)"
contents="$(dpkg-deb -c "$deb")"
for program in usr/bin/stint-app usr/bin/stint-tray; do
    # dpkg-deb lists `usr/bin/x` or `./usr/bin/x`, depending on who built the archive.
    grep -qE "[[:space:]](\./)?$program\$" <<<"$contents" || die "$deb has no $program"
done
say "the .deb holds usr/bin/stint-app and usr/bin/stint-tray"
echo "$deb"
