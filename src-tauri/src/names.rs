//! The names the window and Rust share, checked like the bindings: every command is a
//! `#[tauri::command]` in `commands.rs`, in `generate_handler!` in `lib.rs`, allowed in
//! `permissions/*.toml` and called from `ui/src/**/backend.ts`; every event Rust emits
//! (`desktop.rs`' `*_EVENT`) is what `backend.ts` listens to. A name on one side only fails
//! here, not as a silent "command not found" in the window.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

type Names = BTreeSet<String>;

/// The crate's folder as cargo gives it when it runs the test (a shared build cache may
/// hold a binary compiled in another checkout).
fn crate_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The name of each function marked `#[tauri::command]`.
fn command_functions(source: &str) -> Names {
    let mut names = Names::new();
    let mut marked = false;
    for line in source.lines().map(str::trim) {
        if line == "#[tauri::command]" {
            marked = true;
        } else if marked && !line.starts_with("#[") && !line.starts_with("//") {
            let after_fn = line.split("fn ").nth(1).expect("a command is a function");
            names.insert(
                after_fn
                    .split(['(', '<'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
            marked = false;
        }
    }
    names
}

/// `commands::NAME` inside `generate_handler![...]`.
fn handler_list(source: &str) -> Names {
    let list = source
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("lib.rs registers the commands with generate_handler!");
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.rsplit("::").next().unwrap_or(item).to_owned())
        .collect()
}

/// `commands.allow` of every permission in the TOML files.
fn permitted(files: &[String]) -> Names {
    let mut names = Names::new();
    for text in files {
        let doc: toml::Table = toml::from_str(text).expect("a permission file is TOML");
        for permission in doc
            .get("permission")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let allow = permission
                .get("commands")
                .and_then(|c| c.get("allow"))
                .and_then(toml::Value::as_array);
            for name in allow.into_iter().flatten().filter_map(toml::Value::as_str) {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// The first string argument after each `marker` (`call<T>("name"`, `listen<T>("name"`).
fn quoted_after(source: &str, marker: &str) -> Names {
    source
        .split(marker)
        .skip(1)
        .filter_map(|rest| {
            let open = rest.find("(\"")?;
            let name = &rest[open + 2..];
            Some(name[..name.find('"')?].to_owned())
        })
        .collect()
}

/// `pub const NAME_EVENT: &str = "...";`
fn event_consts(source: &str) -> Names {
    source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("pub const ") && l.contains("_EVENT: &str = \""))
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect()
}

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bindings") {
                files_under(&path, keep, out);
            }
        } else if keep(&path) {
            out.push(path);
        }
    }
}

/// Every pair of sides must hold the same names; says which name is missing where.
fn compare(what: &str, sides: &[(&str, &Names)]) -> Vec<String> {
    let all: Names = sides.iter().flat_map(|(_, n)| n.iter().cloned()).collect();
    let mut problems = Vec::new();
    for name in &all {
        let missing: Vec<&str> = sides
            .iter()
            .filter(|(_, names)| !names.contains(name))
            .map(|(side, _)| *side)
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{what} `{name}` is missing from {}",
                missing.join(", ")
            ));
        }
    }
    problems
}

#[test]
fn commands_and_events_agree_on_every_side() {
    let root = crate_dir();
    let ui = root.join("../ui/src");
    let functions = command_functions(&read(&root.join("src/commands.rs")));
    let handlers = handler_list(&read(&root.join("src/lib.rs")));
    let mut toml_files = Vec::new();
    files_under(
        &root.join("permissions"),
        &|p| p.extension().is_some_and(|e| e == "toml"),
        &mut toml_files,
    );
    let allowed = permitted(&toml_files.iter().map(|p| read(p)).collect::<Vec<_>>());
    let mut ui_files = Vec::new();
    files_under(
        &ui,
        &|p| p.extension().is_some_and(|e| e == "ts" || e == "svelte"),
        &mut ui_files,
    );
    let backends: Vec<&PathBuf> = ui_files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "backend.ts"))
        .collect();
    assert!(!backends.is_empty(), "no backend.ts under {}", ui.display());
    // The window reaches Rust only through backend.ts.
    for path in &ui_files {
        if !backends.contains(&path) {
            let text = read(path);
            assert!(
                !text.contains("invoke(") && !text.contains("invoke<") && !text.contains("listen("),
                "{} calls Rust directly: go through backend.ts",
                path.display()
            );
        }
    }
    let backend_text: String = backends.iter().map(|p| read(p)).collect();
    let called = quoted_after(&backend_text, "call<");
    let listened = quoted_after(&backend_text, "listen<");
    let emitted = event_consts(&read(&root.join("src/desktop.rs")));

    let mut problems = compare(
        "command",
        &[
            ("#[tauri::command] in commands.rs", &functions),
            ("generate_handler! in lib.rs", &handlers),
            ("permissions/*.toml", &allowed),
            ("backend.ts", &called),
        ],
    );
    problems.extend(compare(
        "event",
        &[
            ("desktop.rs *_EVENT", &emitted),
            ("backend.ts listen", &listened),
        ],
    ));
    assert!(functions.len() > 10, "found only {functions:?}");
    assert!(emitted.len() >= 3, "found only {emitted:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_command_on_one_side_only_is_named() {
    let commands = "#[tauri::command]\npub fn get_state() {}\n\n#[tauri::command]\npub async fn extend<R>(id: i64) {}\n";
    let functions = command_functions(commands);
    assert_eq!(functions, ["extend", "get_state"].map(String::from).into());
    let handlers = handler_list(
        "tauri::generate_handler![\n commands::get_state,\n commands::extend,\n commands::revoke,\n])",
    );
    let allowed = permitted(&[
        "[[permission]]\nidentifier = \"w\"\ncommands.allow = [\"get_state\", \"extend\"]\n"
            .to_owned(),
    ]);
    let called = quoted_after(
        "state: () => call<Snapshot>(\"get_state\"),\n extend: (id) =>\n  call<AccessRequest>(\"extend\", { id }),",
        "call<",
    );
    let problems = compare(
        "command",
        &[
            ("commands.rs", &functions),
            ("lib.rs", &handlers),
            ("toml", &allowed),
            ("backend.ts", &called),
        ],
    );
    assert_eq!(
        problems,
        ["command `revoke` is missing from commands.rs, toml, backend.ts"]
    );
}
