use std::path::PathBuf;

fn main() {
    // The app's configuration lives at the repository root (`tauri.conf.json`), next to
    // `ui/` and `icons/`; tauri-build reads it from the working directory, so every path
    // below is relative to the root.
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("src-tauri sits inside the repository")
        .to_path_buf();
    std::env::set_current_dir(&root).expect("repository root is readable");
    println!(
        "cargo:rerun-if-changed={}",
        root.join("tauri.conf.json").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("icons/tray").display()
    );
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            // The window's commands are listed in a permission file, which makes Tauri
            // check every call against the capability (see capabilities/main.json).
            .app_manifest(
                tauri_build::AppManifest::new()
                    .permissions_path_pattern("src-tauri/permissions/**/*"),
            ),
    )
    .expect("tauri build step");
}
