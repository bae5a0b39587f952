#!/usr/bin/env bash
# The desktop app's test stages: the UI's unit tests and type check, the check that the
# generated TypeScript bindings are current, the app's Rust tests, the tray's (stint-tray:
# its tests, and its end-to-end story under Xvfb, tests/cli_tray.rs), and the WebDriver
# end-to-end run of the real app under Xvfb (tests/ui/). `make test` runs this through
# scripts/test.sh; run it alone after scripts/install.sh.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"
tree_before="$(tree_state)"

say "ui: vitest"
npm --prefix ui test --silent

say "ui: svelte-check"
npm --prefix ui run check --silent

say "ui: build (the app embeds ui/dist, so it comes before any cargo step)"
npm --prefix ui run build --silent

say "ui: generated bindings are current (ts-rs)"
cargo test -p stint-app --lib bindings -- --quiet

say "app: clippy (-D warnings) and Rust unit tests"
cargo clippy -p stint-app --all-targets -- -D warnings
cargo test -p stint-app --lib

say "tray: clippy (-D warnings), unit tests and the check that it links no WebKit"
cargo clippy -p stint-tray --all-targets -- -D warnings
cargo test -p stint-tray

say "app: build the binaries the end-to-end run drives"
cargo build -p stint-app --bin stint-app
cargo build -p stint-sim --bin stint-sim
cargo build -p stint-broker --bin stint-broker
cargo build -p stint-cli --bin stint
cargo build -p stint-tray --bin stint-tray

say "tray: end to end under Xvfb (the tray is the agent; its menu read over D-Bus)"
# The test starts its own Xvfb and puts a deadline on every wait, and prints the tray's log
# when it fails; the outer timeout only stops a hang nobody foresaw (the build is done by
# then: the test binary is compiled first, outside it).
cargo test --test cli_tray --no-run
STINT_TEST_TRAY=1 timeout --kill-after=10 600 \
    "$STINT_ROOT/scripts/with-keyring.sh" cargo test --test cli_tray

say "app: end to end under Xvfb (tauri-driver + WebKitWebDriver)"
"$STINT_ROOT/scripts/install-python.sh"
export PATH="$HOME/.cargo/bin:$PATH"
xvfb-run -a -s "-screen 0 1280x800x24" \
    dbus-run-session -- "$STINT_ROOT/tests/ui/session.sh" "$@"

if [ -z "${STINT_SCREENSHOTS:-}" ]; then
    say "ui: the run left the work tree as it found it (screenshots are in $CARGO_TARGET_DIR/ui-screenshots)"
    check_tree_unchanged "$tree_before"
fi
