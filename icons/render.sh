#!/usr/bin/env bash
# Renders the icons from their SVG sources (icons/src). The PNGs are committed, so this
# runs only after a drawing changes. Needs rsvg-convert (librsvg2-bin) and the Tauri CLI
# (ui/node_modules, from scripts/install-node.sh).
set -euo pipefail
cd "$(dirname "$0")"
for state in signed-out idle pending active expiring; do
    # 32 px, RGBA: the tray scales it to the panel (16-24 px); every state differs in shape.
    rsvg-convert -w 32 -h 32 -b none "src/tray-$state.svg" -o "tray/$state.png"
    # macOS draws menu-bar icons as templates: black with alpha, tinted by the system for
    # light and dark bars. The state's colour (saturated pixels) becomes transparent; the
    # outline and the marks (dark, white, grey: unsaturated) stay, so the states still
    # differ by shape. Needs ImageMagick.
    convert "tray/$state.png" -channel A \
        -fx "a*((max(r,max(g,b))-min(r,min(g,b)))<0.12?1:0)" +channel \
        -fill black -colorize 100 "tray/template/$state.png"
done
rsvg-convert -w 1024 -h 1024 src/app.svg -o app-1024.png
# Every size the bundlers want (32x32, 128x128, 128x128@2x, icon.png, .ico, .icns).
../ui/node_modules/.bin/tauri icon app-1024.png -o . >/dev/null
rm -rf android ios app-1024.png Square*Logo.png StoreLogo.png
