//! stint-agent cannot take `[lints] workspace = true` (the workspace forbids `unsafe_code`,
//! and its Windows pipe module needs it), so it repeats the workspace's lints. This holds
//! the copy equal to the workspace's, `unsafe_code` aside, which must be "deny" here (never
//! "allow") while the workspace keeps "forbid".

use toml::Value;

fn read(path: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

#[test]
fn the_agent_keeps_the_workspace_lints_but_for_unsafe_code_denied_not_forbidden() {
    let workspace = read("../../Cargo.toml")["workspace"]["lints"].clone();
    let mut ours = read("Cargo.toml")["lints"].clone();
    assert_eq!(workspace["rust"]["unsafe_code"].as_str(), Some("forbid"));
    assert_eq!(ours["rust"]["unsafe_code"].as_str(), Some("deny"));
    ours["rust"]
        .as_table_mut()
        .unwrap()
        .insert("unsafe_code".into(), Value::String("forbid".into()));
    assert_eq!(
        ours, workspace,
        "crates/stint-agent/Cargo.toml [lints] drifted"
    );
}

#[test]
fn only_the_pipe_security_module_allows_unsafe() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut allowing = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read_to_string(&path)
                .unwrap()
                .contains("allow(unsafe_code)")
            {
                allowing.push(path.strip_prefix(&src).unwrap().display().to_string());
            }
        }
    }
    assert_eq!(allowing, vec!["transport/pipe_security.rs".to_owned()]);
}
