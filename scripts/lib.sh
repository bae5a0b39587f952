# Shared helpers for Stint's scripts. Sourced, not run.
set -euo pipefail

STINT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export STINT_ROOT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stint-target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# What the work tree looks like now (status and the content of every change), to compare
# after a test run: tests must not rewrite tracked files or leave new ones behind.
tree_state() {
    git -C "$STINT_ROOT" status --porcelain=v1 --untracked-files=all
    git -C "$STINT_ROOT" diff HEAD --binary 2>/dev/null | sha256sum
}

# Fails when the work tree differs from `tree_state` taken before ($1), naming the files.
check_tree_unchanged() {
    local before="$1" after
    after="$(tree_state)"
    if [ "$before" != "$after" ]; then
        printf 'error: the test run changed the work tree (tests must write only to build folders):\n' >&2
        diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
        return 1
    fi
}
