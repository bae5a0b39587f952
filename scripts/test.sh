#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust unit and integration tests, the Python
# interop and cross-check tests (and the deploy kit's linters), the macOS and Windows
# compile checks, the Windows CLI cross-built and run under Wine (scripts/test-windows.sh),
# `make demo`'s story without a display, then the desktop app's stages (scripts/test-ui.sh: the
# UI's unit tests, the generated bindings, the app's clippy and tests, and the WebDriver
# story under Xvfb). `make test` runs this after scripts/install.sh.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"
# Checked at the end: a test run leaves `git status` as it found it.
tree_before="$(tree_state)"

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (default members, all targets, -D warnings)"
cargo clippy --all-targets -- -D warnings

say "cargo test (SQLite and a private PostgreSQL; a throw-away keyring on a private D-Bus)"
"$STINT_ROOT/scripts/with-postgres.sh" "$STINT_ROOT/scripts/with-keyring.sh" cargo test --no-fail-fast

if [ -d "$STINT_ROOT/tests/python" ]; then
    say "python interop tests (boto3 and moto against the simulator)"
    cargo build --bin stint-sim
    "$STINT_ROOT/.venv/bin/python" -m pytest -q "$STINT_ROOT/tests/python" \
        --ignore="$STINT_ROOT/tests/python/test_openapi_contract.py"

    say "the OpenAPI contract (schemathesis against a real broker, as a requester and an approver)"
    cargo build --bin stint-sim --bin stint-broker
    "$STINT_ROOT/.venv/bin/python" -m pytest -q -s "$STINT_ROOT/tests/python/test_openapi_contract.py"
fi

say "other operating systems: compile checks for macOS and Windows (scripts/check-cross.sh)"
"$STINT_ROOT/scripts/check-cross.sh"
say "the cross checks catch a platform error (scripts/check-cross.sh --inject-error)"
"$STINT_ROOT/scripts/check-cross.sh" --inject-error
say "the Windows CLI run under Wine (scripts/test-windows.sh)"
# The outer timeout only stops a hang nobody foresaw: every call in the test has its own.
timeout --kill-after=10 900 "$STINT_ROOT/scripts/test-windows.sh"

say "make demo without a display: its story through the stint CLI, step by step as printed (scripts/demo.sh)"
# The README's first command, as a person without a desktop runs it: a demo that no longer
# starts, or whose printed steps no longer work, fails here. It needs 127.0.0.1:8700 and
# :8701 free (it says so when they are not: a demo left running).
env -u DISPLAY -u WAYLAND_DISPLAY timeout --kill-after=10 600 "$STINT_ROOT/scripts/demo.sh" </dev/null

say "desktop app (scripts/test-ui.sh)"
"$STINT_ROOT/scripts/test-ui.sh"

say "the run left the work tree as it found it (git status)"
check_tree_unchanged "$tree_before"
