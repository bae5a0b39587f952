//! The `stint-sim` binary: the ready line, clean exit on SIGTERM, and `check`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stint_sim::Ready;

const BIN: &str = env!("CARGO_BIN_EXE_stint-sim");

fn demo_world_path() -> String {
    format!(
        "{}/worlds/demo.toml",
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
    )
}

#[tokio::test]
async fn serve_prints_one_ready_line_and_stops_on_sigterm() {
    let mut child = Command::new(BIN)
        .args(["serve", "--world", &demo_world_path(), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let ready: Ready = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(ready.event, "ready");
    assert!(ready.url.starts_with("http://127.0.0.1:"));
    assert_ne!(ready.url, "http://127.0.0.1:0");
    assert_eq!(ready.region, "us-east-1");
    assert_eq!(
        ready.instance_arn,
        "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"
    );
    assert_eq!(ready.identity_store_id, "d-9067a1b2c3");
    assert_eq!(ready.start_url, format!("{}/start", ready.url));
    assert_eq!(ready.endpoints.sso_admin, ready.url);
    assert_eq!(ready.endpoints.signin, format!("{}/federation", ready.url));
    assert_eq!(ready.endpoints.device, format!("{}/device", ready.url));
    assert_eq!(ready.endpoints.control, format!("{}/_sim", ready.url));
    let raw: serde_json::Value = serde_json::from_str(&line).unwrap();
    for key in [
        "sso",
        "ssoOidc",
        "ssoAdmin",
        "identitystore",
        "organizations",
        "sts",
        "signin",
        "device",
        "control",
    ] {
        assert!(raw["endpoints"][key].is_string(), "endpoints.{key}");
    }

    // It answers.
    let clock = reqwest::get(format!("{}/_sim/clock", ready.url))
        .await
        .unwrap();
    assert_eq!(clock.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "stint-sim did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "nothing but the ready line on stdout");
}

#[test]
fn check_accepts_the_demo_and_refuses_a_bad_world() {
    let ok = Command::new(BIN)
        .args(["check", "--world", &demo_world_path()])
        .output()
        .unwrap();
    assert!(ok.status.success());
    let out = String::from_utf8(ok.stdout).unwrap();
    assert!(
        out.contains("ok: 6 users, 7 groups, 6 accounts in 6 OUs"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let src = stint_sim::DEMO_WORLD_TOML.replace("members = [\"dave\"]", "members = [\"mallory\"]");
    std::fs::write(&bad, &src).unwrap();
    let refused = Command::new(BIN)
        .args(["check", "--world", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8(refused.stderr).unwrap();
    let line = src[..src.find("\"mallory\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
    assert!(err.contains("mallory"), "{err}");

    let serve = Command::new(BIN)
        .args(["serve", "--world", bad.to_str().unwrap(), "--port", "0"])
        .output()
        .unwrap();
    assert!(!serve.status.success());
    assert!(serve.stdout.is_empty(), "no ready line for a bad world");
}
