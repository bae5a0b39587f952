#!/usr/bin/env bash
# The desktop app's tools: the UI's npm packages (exactly those in ui/package-lock.json)
# and tauri-driver for the WebDriver test. Does nothing when both are already in place.
source "$(dirname "$0")/lib.sh"

ui="$STINT_ROOT/ui"
stamp="$ui/node_modules/.stint-lock"
if ! command -v npm >/dev/null; then
    command -v apt-get >/dev/null || die "npm not found: install Node.js 18 or newer (https://nodejs.org)"
    say "installing Node.js and npm (Debian packages)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends nodejs npm
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || die "Node.js $node_major is too old for the UI's tools (Vite 6): install Node.js 18 or newer"
if ! cmp -s "$ui/package-lock.json" "$stamp" 2>/dev/null; then
    say "installing the UI's npm packages (ui/package-lock.json)"
    # `npm install --no-save` installs the lock's versions and leaves it untouched. (`npm
    # ci` refuses locks written by npm versions that record only this platform's
    # optional packages, such as rollup's native binary.)
    npm install --prefix "$ui" --no-save --no-audit --no-fund --loglevel=error
    cp "$ui/package-lock.json" "$stamp"
fi

if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    say "installing tauri-driver (WebDriver for Tauri apps, about a minute)"
    cargo install tauri-driver --version "^2.1" --locked --quiet
fi
