#!/usr/bin/env bash
# Refreshes the committed screenshots in docs/screenshots from the end-to-end stories.
# A plain `scripts/test-ui.sh` (and so `make test`) writes its screenshots to
# $CARGO_TARGET_DIR/ui-screenshots and never touches tracked files; run this on purpose
# when the window's look changed, then review and commit the pictures.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"
export STINT_SCREENSHOTS="$STINT_ROOT/docs/screenshots"
"$STINT_ROOT/scripts/test-ui.sh" "$@"
say "screenshots refreshed in docs/screenshots: review them with git diff --stat, then commit"
