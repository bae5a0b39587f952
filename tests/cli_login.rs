//! `stint login`'s two ways in, end to end against the simulator: the device code when
//! asked for (flag or preference) or when no browser can be opened here, and the browser
//! sign-in's printed URL and its refusals. Each then proves the login with `stint creds`
//! credentials that the simulator's STS accepts.

use std::path::Path;
use std::time::Duration;

use stint_e2e::{Env, env, stderr, stdout};

/// The credentials `stint creds dev/ReadOnlyAccess` prints belong to `user`.
async fn assert_creds_are(env: &Env, user: &str) {
    let out = env
        .run(&["creds", "dev/ReadOnlyAccess", "--format", "json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let arn = stint_e2e::caller_arn(
        env,
        doc["AccessKeyId"].as_str().unwrap(),
        doc["SecretAccessKey"].as_str().unwrap(),
        doc["SessionToken"].as_str().unwrap(),
    )
    .await;
    assert!(
        arn.contains("AWSReservedSSO_ReadOnlyAccess_") && arn.ends_with(&format!("/{user}")),
        "{arn}"
    );
}

fn count(env: &Env, operation: &str, grant: Option<&str>) -> usize {
    env.sim
        .calls_since(0)
        .calls
        .iter()
        .filter(|c| c.operation == operation && c.outcome == "ok")
        .filter(|c| grant.is_none_or(|g| c.fields.get("grantType").map(String::as_str) == Some(g)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_device_code_signs_in_with_a_code_then_creds_work() {
    let Some(env) = env().await else { return };
    let out = env.login_with_device_code("alice").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Check that the page shows the code"),
        "{}",
        stderr(&out)
    );
    let url = &env.opened_urls()[0];
    assert!(
        url.starts_with(&format!("{}/device?user_code=", env.sim.url())),
        "{url}"
    );
    assert_eq!(count(&env, "StartDeviceAuthorization", None), 1);
    assert_eq!(count(&env, "CreateToken", Some("authorization_code")), 0);
    assert_creds_are(&env, "alice").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_use_device_code_preference_makes_it_the_default() {
    let Some(env) = env().await else { return };
    let config = env.home().join(".config/stint/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[preferences]\nuse_device_code = true\n").unwrap();
    let out = env.login("carol").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.opened_urls()[0].contains("/device?user_code="));
    assert_eq!(count(&env, "CreateToken", Some("authorization_code")), 0);
    assert_creds_are(&env, "carol").await;
}

/// Spawns `cmd` with stderr in a file; returns the child and the file.
fn spawn(
    mut cmd: tokio::process::Command,
    dir: &Path,
) -> (tokio::process::Child, std::path::PathBuf) {
    let err_path = dir.join("spawned.stderr");
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    (child, err_path)
}

/// Waits until the child's stderr has a word starting with `prefix`; returns that word.
async fn printed_word(child: &mut tokio::process::Child, err_path: &Path, prefix: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(err_path).unwrap_or_default();
        if let Some(word) = text.split_whitespace().find(|w| w.starts_with(prefix)) {
            return word.to_owned();
        }
        if child.try_wait().unwrap().is_some() || tokio::time::Instant::now() > deadline {
            let _ = child.start_kill();
            panic!("stint login printed no {prefix}...: {text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn finish(child: &mut tokio::process::Child, err_path: &Path) -> (Option<i32>, String) {
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("login finishes")
        .unwrap();
    (
        status.code(),
        std::fs::read_to_string(err_path).unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ssh_session_gets_a_device_code_and_no_browser() {
    let Some(env) = env().await else { return };
    let mut cmd = env.stint(&["login"]);
    cmd.env_remove("STINT_BROWSER")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
    let (mut child, err_path) = spawn(cmd, env.home());
    let url = printed_word(
        &mut child,
        &err_path,
        &format!("{}/device?user_code=", env.sim.url()),
    )
    .await;
    env.act_on_sign_in_page(&url, "alice").await;
    let (code, text) = finish(&mut child, &err_path).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("this is an SSH session"), "{text}");
    assert!(env.opened_urls().is_empty(), "no browser was started");
    assert_creds_are(&env, "alice").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_browser_prints_the_sign_in_url_to_open_on_this_machine() {
    let Some(env) = env().await else { return };
    let (mut child, err_path) = spawn(env.stint(&["login", "--no-browser"]), env.home());
    let url = printed_word(
        &mut child,
        &err_path,
        &format!("{}/authorize?", env.sim.url()),
    )
    .await;
    env.act_on_sign_in_page(&url, "alice").await;
    let (code, text) = finish(&mut child, &err_path).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("Open this page in a browser on this machine"),
        "{text}"
    );
    assert!(env.opened_urls().is_empty());
    assert_eq!(count(&env, "CreateToken", Some("authorization_code")), 1);
    assert_creds_are(&env, "alice").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_denied_in_the_browser_exits_3_and_says_so() {
    let Some(env) = env().await else { return };
    let (mut child, err_path) = spawn(env.stint(&["login", "--no-browser"]), env.home());
    let url = printed_word(
        &mut child,
        &err_path,
        &format!("{}/authorize?", env.sim.url()),
    )
    .await;
    let decision = env.sim.deny_authorization(&url).unwrap();
    let page = reqwest::get(&decision.redirect_to).await.unwrap();
    assert!(page.text().await.unwrap().contains("Sign-in denied"));
    let (code, text) = finish(&mut child, &err_path).await;
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("the login was denied in the browser"),
        "{text}"
    );
    let out = env.run(&["creds", "dev/ReadOnlyAccess"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}
