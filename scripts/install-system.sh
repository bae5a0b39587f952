#!/usr/bin/env bash
# Debian/Ubuntu packages Stint needs to build and test: WebKitGTK and friends for the
# Tauri app, Xvfb/D-Bus/keyring/notification daemon for headless tests, PostgreSQL for
# the broker's replica tests; cross-compilers and Wine for the other OSes (scripts/
# check-cross.sh, scripts/test-windows.sh). Installs only what is missing.
source "$(dirname "$0")/lib.sh"

packages=(
    build-essential pkg-config libssl-dev
    libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
    xvfb xauth webkit2gtk-driver dbus-x11 at-spi2-core dunst imagemagick xclip x11-utils
    gnome-keyring libsecret-1-dev libsecret-tools libdbus-1-dev
    postgresql sqlite3 python3-venv curl ca-certificates
    # Other operating systems: clang for the macOS compile check (ring's C), mingw-w64 for
    # Windows builds, Wine to run the Windows CLI, musl for the static broker.
    clang gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine wine64 musl-tools
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
command -v apt-get >/dev/null || die "apt-get not found: install these by hand: ${missing[*]}"
say "installing Debian packages: ${missing[*]}"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
