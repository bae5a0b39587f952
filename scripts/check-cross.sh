#!/usr/bin/env bash
# Compile checks for the operating systems the client ships on but this machine is not:
# `cargo check` of the CLI, the client core, the app and the tray for macOS (aarch64-apple-darwin)
# and Windows (x86_64-pc-windows-gnu), and the keyring backend each one links.
#
#   scripts/check-cross.sh                 the checks (a stage of scripts/test.sh)
#   scripts/check-cross.sh --inject-error  proves the checks can fail: a copy of the
#                                          sources with a Linux-only API in the client
#                                          core must fail both targets (and nothing else)
#
# Builds go to their own target directory ($STINT_CROSS_TARGET_DIR, default
# ~/.cache/stint-target-cross) so they stay cached beside the native ones.
#
# macOS: ring's build script compiles C for the target. clang cross-compiles it without
# libc headers, and the one Apple SDK header it includes (TargetConditionals.h) comes from
# a stub in scripts/cross/apple-sdk-stub; `cargo check` links nothing, so no SDK is needed.
# Windows: Debian's mingw-w64 (the C compiler, windres for the app's resources).
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

MAC=aarch64-apple-darwin
WIN=x86_64-pc-windows-gnu
export CARGO_TARGET_DIR="${STINT_CROSS_TARGET_DIR:-$HOME/.cache/stint-target-cross}"

cross_env() {
    local stub="$STINT_ROOT/scripts/cross/apple-sdk-stub"
    export CC_aarch64_apple_darwin=clang
    # No Apple libc headers either: ring's C builds without them (RING_CORE_NOSTDLIBINC,
    # clang's own stdint.h and stddef.h), as ring documents for cross builds.
    export CFLAGS_aarch64_apple_darwin="-isystem $stub/usr/include -ffreestanding -DRING_CORE_NOSTDLIBINC=1"
    # The cc crate asks xcrun for the SDK unless SDKROOT names one.
    export SDKROOT="$stub"
    export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
}

require_tools() {
    for target in "$MAC" "$WIN"; do
        rustup target list --installed | grep -qx "$target" \
            || die "the Rust target $target is missing: rustup target add $target (scripts/install.sh does)"
    done
    for tool in clang x86_64-w64-mingw32-gcc x86_64-w64-mingw32-windres; do
        command -v "$tool" >/dev/null || die "$tool not found: scripts/install-system.sh installs it"
    done
}

# The features cargo resolves for `package` on `target` (normal dependencies only: what
# the shipped binary links).
features_of() {
    local target="$1" package="$2" crate="$3"
    cargo tree --target "$target" -p "$package" -e normal,features -i "$crate" --prefix none 2>/dev/null \
        | grep -o "\"[a-z0-9-]*\"" | tr -d '"' | sort -u
}

# Every shipped binary links the OS's own keyring and not the client's test store.
check_keyring_backends() {
    local target backend package features
    for target in "$MAC:apple-native" "$WIN:windows-native" "x86_64-unknown-linux-gnu:sync-secret-service"; do
        backend="${target#*:}"
        target="${target%%:*}"
        for package in stint-cli stint-app; do
            features="$(features_of "$target" "$package" keyring)"
            grep -qx "$backend" <<<"$features" \
                || die "$package for $target would link keyring without $backend (its in-memory mock): features: $(echo $features)"
            features="$(features_of "$target" "$package" stint-client)"
            if grep -qx "test-support" <<<"$features"; then
                die "$package for $target links stint-client's test store (feature test-support)"
            fi
        done
        echo "keyring for $target: $backend (stint-cli, stint-app)"
    done
}

check_targets() {
    # The app without its embedded UI (the `custom-protocol` default): the same Rust, and
    # no need for the npm build here.
    # mac-notification-sys (the app's notifications on macOS) compiles Objective-C against
    # Cocoa, which only Apple's SDK has; its build script skips that under DOCS_RS, as it
    # does for docs.rs. Only the link would need it.
    DOCS_RS=1 cargo check --locked --target "$MAC" -p stint-cli -p stint-app -p stint-tray --no-default-features
    cargo check --locked --target "$WIN" -p stint-cli -p stint-app -p stint-tray --no-default-features
}

inject_error() {
    # A copy of the sources at a fixed place (so its crates stay cached between runs) where
    # the client core calls a Linux-only API from code every OS compiles: fine on Linux,
    # an error for macOS and Windows. Both checks must fail, each naming the line.
    local copy="$CARGO_TARGET_DIR/inject-error-src"
    rm -rf "$copy"
    mkdir -p "$copy"
    git ls-files -z --cached --others --exclude-standard -- Cargo.toml Cargo.lock crates src-tauri tests \
        | tar --null -T - -cf - | tar -xf - -C "$copy"
    cat >>"$copy/crates/stint-client/src/fsutil.rs" <<'EOF'

/// Injected by scripts/check-cross.sh --inject-error: Linux-only, compiled everywhere.
pub fn injected_platform_error(m: &std::fs::Metadata) -> u64 {
    std::os::linux::fs::MetadataExt::st_ino(m)
}
EOF
    local target log failed=0
    for target in "$MAC" "$WIN"; do
        log="$(mktemp)"
        if (cd "$copy" && cargo check --locked --target "$target" -p stint-client) >"$log" 2>&1; then
            echo "NOT CAUGHT: the Linux-only call compiled for $target" >&2
            failed=1
        elif grep -q "could not find \`linux\` in \`os\`" "$log" && grep -q "fsutil.rs" "$log"; then
            echo "caught for $target: $(grep -m1 -- '-->' "$log" | sed 's/^ *//')"
        else
            echo "the check for $target failed, but not on the injected line:" >&2
            tail -20 "$log" >&2
            failed=1
        fi
        rm -f "$log"
    done
    [ "$failed" -eq 0 ] || die "the cross-target checks did not catch the injected platform error"
}

require_tools
cross_env
if [ "${1:-}" = "--inject-error" ]; then
    inject_error
    exit 0
fi
[ $# -eq 0 ] || die "usage: scripts/check-cross.sh [--inject-error]"
check_keyring_backends
check_targets
