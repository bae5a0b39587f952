//! The Windows `stint.exe`, cross-built with mingw-w64, run under Wine against a simulator
//! and a broker running natively — the realistic setup of a Windows laptop and a remote
//! broker: configure from the broker, log in (the device code approved through the
//! simulator), request access that needs no approval and wait for it, then credentials,
//! which AWS (the simulator's STS) accepts. Tokens and credentials go to the Windows
//! Credential Manager Wine provides, and nowhere else in the Windows profile but the AWS
//! CLI's own SSO cache (the entries themselves are not listed: `wine reg query` and
//! waiting for the Wine server to write its registry both hung here). Then the agent on
//! its named pipe answers `credential-process` from memory, and so does the tray
//! (`stint-tray.exe`, which is the agent when it runs, started by `stint-app.exe`'s
//! hand-over as the Start menu entry starts it), which `agent stop` ends.
//!
//! `scripts/test-windows.sh` builds `stint.exe`, makes a Wine prefix and runs this with
//! `STINT_WINDOWS_STINT_EXE` and `WINEPREFIX` set; without them (a plain `cargo test`) it
//! says so and does nothing.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use stint_e2e::broker::{broker_bin, start_broker};
use stint_sim::{RunningSim, World};
use tokio::process::Command;

struct Windows {
    exe: PathBuf,
    prefix: PathBuf,
    sim: RunningSim,
    broker_url: String,
    /// Where this test keeps the login's output.
    scratch: tempfile::TempDir,
}

impl Windows {
    /// `wine stint.exe ARGS`, with the simulator's endpoints as the AWS SDKs read them.
    fn stint(&self, args: &[&str]) -> Command {
        self.windows_program(&self.exe, args)
    }

    /// `wine PROGRAM ARGS` in this test's Windows profile (the same login and settings
    /// for every program of Stint's).
    fn windows_program(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(std::env::var("STINT_WINE").unwrap_or_else(|_| "wine".into()));
        cmd.arg(program)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.scratch.path())
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("AWS_ENDPOINT_URL_SSO", self.sim.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.sim.url())
            .env("AWS_ENDPOINT_URL_STS", self.sim.url())
            .env("AWS_ENDPOINT_URL_SIGNIN", self.sim.url())
            .env("STINT_SSO_SESSION", "wine")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    async fn run(&self, args: &[&str]) -> Output {
        let out = tokio::time::timeout(Duration::from_secs(180), self.stint(args).output())
            .await
            .expect("stint.exe finishes within three minutes")
            .expect("wine runs");
        assert!(
            out.status.success(),
            "stint.exe {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `stint login --use-device-code --no-browser`: reads the verification URL it prints, approves the
    /// code as `user` in the simulator, and waits for the login to finish.
    async fn login(&self, user: &str) -> String {
        let err_path = self.scratch.path().join("login.stderr");
        let mut child = self
            .stint(&["login", "--use-device-code", "--no-browser"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .expect("wine runs");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        let code = loop {
            let text = std::fs::read_to_string(&err_path).unwrap_or_default();
            if let Some(rest) = text.split("user_code=").nth(1) {
                let code: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if code.len() >= 8 {
                    break code;
                }
            }
            if child.try_wait().unwrap().is_some() || tokio::time::Instant::now() > deadline {
                let _ = child.start_kill();
                panic!("stint.exe login showed no code: {text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        self.sim
            .approve_device(&code, user)
            .expect("the code is pending");
        let status = tokio::time::timeout(Duration::from_secs(120), child.wait())
            .await
            .expect("the login finishes")
            .unwrap();
        let text = std::fs::read_to_string(&err_path).unwrap_or_default();
        assert!(status.success(), "login failed: {text}");
        text
    }
}

/// Files under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    stint_e2e::files_containing(dir, needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_windows_cli_signs_in_requests_and_gets_credentials_under_wine() {
    let (Some(exe), Some(prefix)) = (
        std::env::var_os("STINT_WINDOWS_STINT_EXE"),
        std::env::var_os("WINEPREFIX"),
    ) else {
        eprintln!(
            "\n*** SKIPPED: no STINT_WINDOWS_STINT_EXE/WINEPREFIX. Run scripts/test-windows.sh\n"
        );
        return;
    };
    let Some(broker_bin) = broker_bin() else {
        panic!("the Wine test needs the native stint-broker (cargo build -p stint-broker)");
    };
    let sim = stint_sim::spawn(World::demo())
        .await
        .expect("simulator starts");
    let broker = start_broker(&broker_bin, &sim).await;
    let win = Windows {
        exe: exe.into(),
        prefix: prefix.into(),
        broker_url: broker.url.clone(),
        sim,
        scratch: tempfile::tempdir().unwrap(),
    };

    let out = win.run(&["--version"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("stint "));
    win.run(&["configure", "--broker", &win.broker_url]).await;
    let said = win.login("alice").await;
    assert!(said.contains("Signed in to Stint as alice"), "{said}");

    let out = win
        .run(&[
            "request",
            "dev/PowerUserAccess",
            "--for",
            "1h",
            "--reason",
            "wine smoke test",
            "--wait",
        ])
        .await;
    let said = String::from_utf8_lossy(&out.stderr);
    let out = win
        .run(&["creds", "dev/PowerUserAccess", "--format", "json"])
        .await;
    let creds: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("creds printed no JSON ({e}); request said: {said}"));
    let key = creds["AccessKeyId"].as_str().expect("a key id");
    let secret = creds["SecretAccessKey"].as_str().expect("a secret");
    let token = creds["SessionToken"].as_str().expect("a session token");

    // AWS names the role the grant gave.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(win.sim.region().to_owned()))
        .endpoint_url(win.sim.url())
        .credentials_provider(aws_credential_types::Credentials::new(
            key,
            secret,
            Some(token.to_owned()),
            None,
            "wine-test",
        ))
        .load()
        .await;
    let arn = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("the credentials work")
        .arn()
        .unwrap_or_default()
        .to_owned();
    assert!(
        arn.contains("AWSReservedSSO_PowerUserAccess_") && arn.ends_with("/alice"),
        "{arn}"
    );

    // Never in a plain file of the Windows profile (only in the Credential Manager, which
    // Wine keeps encrypted in its registry; the second run below reads the login back).
    let drive = win.prefix.join("drive_c");
    assert_eq!(files_containing(&drive, secret), Vec::<PathBuf>::new());
    assert_eq!(files_containing(&win.prefix, token), Vec::<PathBuf>::new());

    // A second run reads the login back from the Credential Manager.
    let out = win.run(&["whoami", "--json"]).await;
    let who: Value = serde_json::from_slice(&out.stdout).expect("whoami JSON");
    assert_eq!(who["me"]["user"]["userName"], "alice", "{who}");

    agent_over_the_named_pipe(&win, key).await;
    let given = |name: &str| {
        PathBuf::from(
            std::env::var_os(name)
                .unwrap_or_else(|| panic!("scripts/test-windows.sh gives {name}")),
        )
    };
    let install = Install::new(
        &win,
        &given("STINT_WINDOWS_TRAY_EXE"),
        &given("STINT_WINDOWS_HANDOVER_EXE"),
    );
    tray_is_the_agent(&win, key, &install).await;
    println!("wine smoke: passed");
}

/// The agent on Windows: `stint agent` serves its named pipe (with the user-only DACL,
/// `pipe_security.rs`), the CLI finds it there — after checking the pipe's owner is the
/// user — and a warm `credential-process` is answered from the agent's memory.
async fn agent_over_the_named_pipe(win: &Windows, key: &str) {
    let mut agent = win
        .stint(&["agent", "run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("wine runs the agent");
    let status = agent_answering(win, String::new).await;
    assert_eq!(status["servedFromMemory"], 0, "{status}");

    let target = "dev/PowerUserAccess";
    for _ in 0..2 {
        let out = win.run(&["credential-process", target]).await;
        let doc: Value = serde_json::from_slice(&out.stdout).expect("credential-process JSON");
        assert_eq!(doc["AccessKeyId"], key, "{doc}");
    }
    let out = win.run(&["agent", "status"]).await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("agent status JSON");
    assert_eq!(status["servedByCore"], 1, "{status}");
    assert_eq!(status["servedFromMemory"], 1, "{status}");

    win.run(&["agent", "stop"]).await;
    let ended = tokio::time::timeout(Duration::from_secs(60), agent.wait())
        .await
        .expect("the agent ends within a minute of `agent stop`")
        .expect("wine ran the agent");
    assert!(ended.success(), "the agent ended with {ended}");
}

/// Stint's desktop as the installers lay it out on Windows: `stint-app.exe` with
/// `stint-tray.exe` beside it. The app here is the hand-over probe (`stint-startup`'s
/// example: what `stint-app`'s `main` does first, without Tauri and WebView2).
struct Install {
    app: PathBuf,
}

impl Install {
    fn new(win: &Windows, tray_exe: &Path, probe_exe: &Path) -> Install {
        let dir = win.scratch.path().join("Stint");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(tray_exe, dir.join("stint-tray.exe")).expect("stint-tray.exe copied");
        let app = dir.join("stint-app.exe");
        std::fs::copy(probe_exe, &app).expect("the hand-over probe copied");
        Install { app }
    }
}

/// `wineserver -w`: waits (a minute at most) until every program of the Wine session has
/// ended.
async fn wine_session_ended(win: &Windows, why: &str) {
    let waited = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new("wineserver")
            .arg("-w")
            .env("WINEPREFIX", &win.prefix)
            .status(),
    )
    .await
    .unwrap_or_else(|_| panic!("{why}: the Wine session did not end within a minute"))
    .expect("wineserver runs");
    assert!(waited.success(), "wineserver -w: {waited}");
}

/// The tray on Windows, started as a person starts Stint: `stint-app.exe` hands over to
/// the `stint-tray.exe` beside it and ends. The tray runs tao's event loop with its icon in
/// the tray Wine provides (on Xvfb) and is the agent, so the CLI's `credential-process` is
/// answered from its memory; `agent stop` ends the tray with its agent, cleanly.
async fn tray_is_the_agent(win: &Windows, key: &str, install: &Install) {
    let display = std::env::var("DISPLAY").expect("scripts/test-windows.sh runs this under Xvfb");
    // The Wine session so far (its desktop process included) began without a display: the
    // tray's windows need one that began with it, so the last one must end first.
    wine_session_ended(win, "after the CLI's last program").await;
    let log = win.scratch.path().join("tray.log");
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let mut app = win
        .windows_program(&install.app, &[])
        .env("DISPLAY", display)
        // xvfb-run's display takes its cookie.
        .env(
            "XAUTHORITY",
            std::env::var_os("XAUTHORITY").unwrap_or_default(),
        )
        .env("STINT_LOG", "info")
        .stdout(Stdio::null())
        // The tray inherits it from the app.
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("wine runs stint-app.exe");
    let handed = tokio::time::timeout(Duration::from_secs(60), app.wait())
        .await
        .expect("stint-app.exe ends within a minute, once the tray is started")
        .expect("wine ran stint-app.exe");
    assert!(
        handed.success(),
        "stint-app.exe did not hand over ({handed}): {}",
        read_log()
    );
    // The CLI is asked only once the tray has begun the Wine session: a CLI program
    // starting it first would start it without a display.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while !read_log().contains("Stint agent listening") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the tray did not serve within 90 s of stint-app.exe's hand-over: {}",
            read_log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let status = agent_answering(win, || format!("the tray's log: {}", read_log())).await;
    // (Its own menu reads through the core already: only the CLI's answers are counted
    // from memory.)
    assert_eq!(status["servedFromMemory"], 0, "a fresh agent: {status}");
    for _ in 0..2 {
        let out = win
            .run(&["credential-process", "dev/PowerUserAccess"])
            .await;
        let doc: Value = serde_json::from_slice(&out.stdout).expect("credential-process JSON");
        assert_eq!(doc["AccessKeyId"], key, "{doc}");
    }
    let out = win.run(&["agent", "status"]).await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("agent status JSON");
    assert_eq!(status["servedFromMemory"], 1, "the tray's memory: {status}");

    win.run(&["agent", "stop"]).await;
    // The tray is not this test's child (stint-app.exe started it): that every program has
    // ended, and the tray's last line, say it ended cleanly.
    wine_session_ended(win, "after `agent stop`").await;
    let text = read_log();
    assert!(
        text.contains("tray ended"),
        "the tray did not end cleanly: {text}"
    );
}

/// Waits until an agent answers `agent status` on the pipe, and returns what it says;
/// `context` is what else to say if none does.
async fn agent_answering(win: &Windows, context: impl Fn() -> String) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let out = tokio::time::timeout(
            Duration::from_secs(60),
            win.stint(&["agent", "status"]).output(),
        )
        .await
        .expect("`agent status` finishes within a minute")
        .expect("wine runs");
        if out.status.success() {
            break serde_json::from_slice::<Value>(&out.stdout).expect("agent status JSON");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the agent never answered on its pipe: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            context()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
