//! The UI's TypeScript types, generated from the Rust types with ts-rs into
//! `ui/src/lib/bindings/`. This test fails when the committed files are stale; run it
//! with `STINT_UPDATE_BINDINGS=1` to write them (scripts/test-ui.sh does the check).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;

use crate::error::CommandError;
use crate::view::{BrokerProbe, Copied, Navigate, RoleKey, SettingsView, Snapshot};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings")
}

fn generate(dir: &Path) {
    Snapshot::export_all_to(dir).unwrap();
    Navigate::export_all_to(dir).unwrap();
    Copied::export_all_to(dir).unwrap();
    RoleKey::export_all_to(dir).unwrap();
    SettingsView::export_all_to(dir).unwrap();
    BrokerProbe::export_all_to(dir).unwrap();
    CommandError::export_all_to(dir).unwrap();
    // Wire types the window sends or receives as they are.
    stint_api::CreateRequest::export_all_to(dir).unwrap();
    stint_api::EligibleAccess::export_all_to(dir).unwrap();
    stint_api::ActivityPage::export_all_to(dir).unwrap();
    // The rules the broker enforces, as values: the form's bounds come from here.
    stint_api::rules::Limits::export_all_to(dir).unwrap();
    let limits = serde_json::to_string_pretty(&stint_api::rules::LIMITS).unwrap();
    std::fs::write(
        dir.join("rules.ts"),
        format!(
            "// Generated from stint_api::rules::LIMITS by src-tauri/src/bindings.rs. Do not edit.\n\
             import type {{ Limits }} from \"./Limits\";\n\n\
             export const LIMITS: Limits = {limits};\n"
        ),
    )
    .unwrap();
}

fn read_all(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ts") {
                files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    files
}

#[test]
fn bindings_are_up_to_date() {
    let fresh_dir = tempfile::tempdir().unwrap();
    generate(fresh_dir.path());
    let fresh = read_all(fresh_dir.path());
    let committed_path = committed_dir();
    if std::env::var_os("STINT_UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed_path).unwrap();
        for stale in read_all(&committed_path).keys() {
            if !fresh.contains_key(stale) {
                std::fs::remove_file(committed_path.join(stale)).unwrap();
            }
        }
        for (name, text) in &fresh {
            std::fs::write(committed_path.join(name), text).unwrap();
        }
        return;
    }
    let committed = read_all(&committed_path);
    let stale: Vec<&String> = fresh
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(*text))
        .map(|(name, _)| name)
        .chain(committed.keys().filter(|name| !fresh.contains_key(*name)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is stale ({stale:?}): run `STINT_UPDATE_BINDINGS=1 cargo test -p stint-app bindings` and commit the result"
    );
}
