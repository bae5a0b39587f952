//! The tray must never link WebKit: its idle memory (issue 11: at most 40 MB RSS) depends
//! on it. Checked twice: in the dependency graph (`cargo tree`), where a new dependency
//! that pulls WebKit in shows first, and in the built binary's dynamic libraries (`ldd`).
//! Both checks are also run on the app (stint-app), which does link WebKit, so a check
//! that has gone blind fails here instead of passing.

use std::path::Path;
use std::process::Command;

/// The WebKit crates and libraries named in `text` (a `cargo tree` or `ldd` listing).
fn webkit_in(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("webkit2gtk") || l.contains("javascriptcore") || l.contains("libwebkit")
        })
        .map(|l| l.trim().to_owned())
        .collect()
}

fn cargo_tree(package: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(&root)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_tray_depends_on_no_webkit_crate() {
    let tray = cargo_tree("stint-tray");
    // The listing is the real graph: the GTK the tray does use is in it.
    assert!(tray.lines().any(|l| l.starts_with("gtk v")), "{tray}");
    assert_eq!(
        webkit_in(&tray),
        Vec::<String>::new(),
        "stint-tray depends on WebKit"
    );
    // The same check finds WebKit where it is.
    let app = cargo_tree("stint-app");
    assert!(
        webkit_in(&app)
            .iter()
            .any(|l| l.starts_with("webkit2gtk v")),
        "the check no longer sees the app's WebKit:\n{app}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_tray_binary_loads_no_webkit_library() {
    let ldd = |binary: &Path| {
        let out = Command::new("ldd").arg(binary).output().expect("ldd runs");
        assert!(out.status.success(), "ldd {}", binary.display());
        String::from_utf8(out.stdout).unwrap()
    };
    let tray = ldd(Path::new(env!("CARGO_BIN_EXE_stint-tray")));
    assert!(tray.contains("libgtk-3"), "{tray}");
    assert_eq!(
        webkit_in(&tray),
        Vec::<String>::new(),
        "stint-tray links WebKit"
    );
    // The app next to it, when it has been built, shows the check can fail.
    let app = Path::new(env!("CARGO_BIN_EXE_stint-tray")).with_file_name("stint-app");
    if app.exists() {
        assert!(
            !webkit_in(&ldd(&app)).is_empty(),
            "ldd no longer shows the app's WebKit"
        );
    }
}
