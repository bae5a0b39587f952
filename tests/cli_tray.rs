//! The tray is the agent (issue 11): `stint-tray` under Xvfb, with `stint-sim`, a
//! `stint-broker serve` process behind a proxy that records every request line, and the
//! `stint` CLI as the person uses it.
//!
//! - the CLI's agent is the tray's process (`stint agent status` names its pid), following
//!   the broker's event stream;
//! - the tray menu, read over D-Bus as a desktop reads it (com.canonical.dbusmenu), says
//!   who is signed in and lists the grant with its time left;
//! - warm `credential-process` calls are answered from the tray's memory: the broker sees
//!   no request for them;
//! - a revoke made elsewhere reaches the menu through the event stream;
//! - the running tray has no WebKit mapped;
//! - `stint agent stop` ends the tray: they are one process.
//!
//! Needs the `stint-tray` and `stint-broker` binaries, `Xvfb` and a Secret Service on a
//! session bus (`scripts/with-keyring.sh`); `scripts/test-ui.sh` runs it:
//! `STINT_TEST_TRAY=1 scripts/with-keyring.sh cargo test --test cli_tray`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use stint_e2e::broker::Broker;
use stint_e2e::proxy::Proxy;
use stint_e2e::{Env, stderr};

/// Granted to alice without approval by the demo policy.
const GRANTED: &str = "dev/PowerUserAccess";

/// The tray's menu on D-Bus (tray-icon's libappindicator path for the id `stint`).
const MENU_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_stint/Menu";

/// The `stint-tray` binary, or `None` after saying why the test cannot run. The tray is
/// not a default member (it needs GTK's headers), so the plain `cargo test` of
/// scripts/test.sh skips this loudly; scripts/test-ui.sh builds the tray and sets
/// `STINT_TEST_TRAY=1`, under which a missing prerequisite is a failure.
fn tray_bin() -> Option<PathBuf> {
    let bin = stint_e2e::binary("stint-tray");
    if bin.exists() && which("Xvfb") && which("gdbus") {
        return Some(bin);
    }
    let why = format!(
        "needs {} (cargo build --workspace --exclude stint-app --bin stint-tray), Xvfb and gdbus",
        bin.display()
    );
    assert!(std::env::var_os("STINT_TEST_TRAY").is_none(), "{why}");
    eprintln!("\n*** SKIPPED: {why}\n");
    None
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A private X display, gone when dropped.
struct Display {
    server: std::process::Child,
    name: String,
}

impl Display {
    fn start() -> Display {
        // -displayfd: Xvfb picks a free display and says which once it accepts clients.
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "640x480x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let stdout = server.stdout.take().unwrap();
        // Read on a thread of its own: an Xvfb that never says its display fails the
        // test instead of hanging it.
        let (said, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = said.send(line);
        });
        let line = heard.recv_timeout(Duration::from_secs(20));
        let mut display = Display {
            server,
            name: String::new(),
        };
        match line {
            Ok(line) if !line.trim().is_empty() => display.name = format!(":{}", line.trim()),
            other => panic!("Xvfb did not say its display within 20 s: {other:?}"),
        }
        display
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The running tray; when the test fails, its log is printed (whichever check failed).
struct Tray {
    child: tokio::process::Child,
    log: PathBuf,
}

impl Drop for Tray {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!(
                "--- the tray's log ({}) ---\n{log}--- end ---",
                self.log.display()
            );
        }
    }
}

struct World {
    alice: Env,
    proxy: Proxy,
    _broker: Broker,
}

/// The simulator, the broker behind the proxy, alice configured with the proxy's URL and
/// signed in (as in cli_agent.rs).
async fn world() -> Option<World> {
    let bin = stint_e2e::broker::broker_bin()?;
    let alice = stint_e2e::env().await?;
    let broker = stint_e2e::broker::start_broker(&bin, &alice.sim).await;
    let upstream: SocketAddr = broker
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let proxy = Proxy::start(upstream, Duration::ZERO).await;
    let alice = alice.without_overrides();
    let url = format!("http://{}", proxy.addr());
    let out = alice.run(&["configure", "--broker", &url]).await;
    assert!(out.status.success(), "configure: {}", stderr(&out));
    let out = alice.login("alice").await;
    assert!(out.status.success(), "login: {}", stderr(&out));
    Some(World {
        alice,
        proxy,
        _broker: broker,
    })
}

fn access_key(out: &Output) -> String {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["AccessKeyId"].as_str().unwrap().to_owned()
}

fn gdbus(args: &[&str]) -> Option<String> {
    let out = Command::new("gdbus")
        .args(["call", "--session", "--timeout", "3"])
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The labels of the tray menu served by process `pid`, in order (separators and the
/// root have none), or `None` while it is not on the bus.
fn menu_labels(pid: u32) -> Option<Vec<String>> {
    let names = gdbus(&[
        "--dest",
        "org.freedesktop.DBus",
        "--object-path",
        "/org/freedesktop/DBus",
        "--method",
        "org.freedesktop.DBus.ListNames",
    ])?;
    for name in names.split('\'').filter(|n| n.starts_with(':')) {
        let owner = gdbus(&[
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
            "--method",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            name,
        ]);
        if owner.is_none_or(|o| !o.contains(&format!("uint32 {pid},"))) {
            continue;
        }
        let layout = gdbus(&[
            "--dest",
            name,
            "--object-path",
            MENU_PATH,
            "--method",
            "com.canonical.dbusmenu.GetLayout",
            "0",
            "--",
            "-1",
            "@as []",
        ]);
        if let Some(layout) = layout {
            let labels = layout
                .split("'label': <'")
                .skip(1)
                .filter_map(|rest| rest.split_once("'>").map(|(label, _)| label))
                // GTK mnemonics: `__` is a literal underscore.
                .map(|label| label.replace("__", "_"))
                .collect();
            return Some(labels);
        }
    }
    None
}

async fn until_menu(pid: u32, what: &str, check: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    loop {
        if let Some(labels) = menu_labels(pid) {
            if check(&labels) {
                return labels;
            }
            last = Some(labels);
        }
        assert!(
            Instant::now() < deadline,
            "the tray menu never showed {what}: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_is_the_agent_and_its_menu_counts_the_grant_down() {
    let Some(tray_bin) = tray_bin() else {
        return;
    };
    let Some(w) = world().await else {
        return;
    };
    let alice = &w.alice;
    let active = alice
        .json(&[
            "request",
            GRANTED,
            "--for",
            "1h",
            "--reason",
            "tray test",
            "--wait",
            "--json",
        ])
        .await;
    assert_eq!(active["state"], "active", "{active}");
    let id = active["id"].as_i64().unwrap();

    let display = Display::start();
    let log = alice.home().join("tray.stderr");
    let mut tray = Tray {
        child: alice
            .program(&tray_bin)
            .env("DISPLAY", &display.name)
            .env_remove("WAYLAND_DISPLAY")
            .env("STINT_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
        log,
    };
    let pid = tray.child.id().unwrap();

    // The CLI's agent is the tray, following the event stream and holding `ls`'s picture.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let out = alice.run(&["agent", "status"]).await;
        if out.status.success() {
            let status: Value = serde_json::from_slice(&out.stdout).unwrap();
            if status["eventStream"] == true && status["overview"] == "held" {
                break status;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the tray's agent never followed the event stream"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        status["pid"], pid,
        "another process serves the CLI: {status}"
    );
    assert_eq!(status["grants"], 1, "{status}");

    // The menu, as the desktop reads it: who, and the grant with its time left.
    let labels = until_menu(pid, "the grant counting down", |labels| {
        labels
            .iter()
            .any(|l| l.starts_with("dev / PowerUserAccess — ") && l.ends_with(" left"))
    })
    .await;
    assert_eq!(labels[0], "Signed in as Alice Adams", "{labels:?}");
    for expected in [
        "Open console",
        "Copy credentials",
        "Open Stint…",
        "Quit Stint",
    ] {
        assert!(
            labels.iter().any(|l| l == expected),
            "no {expected:?}: {labels:?}"
        );
    }

    // The first call goes through the client core once; warm ones come from the tray's
    // memory: the broker sees no request but the event stream's.
    let first = alice.run(&["credential-process", GRANTED]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let key = access_key(&first);
    let before = w.proxy.requests().len();
    let counted = alice.json(&["agent", "status"]).await;
    for _ in 0..3 {
        let out = alice.run(&["credential-process", GRANTED]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(access_key(&out), key);
    }
    let seen: Vec<String> = w.proxy.requests()[before..].to_vec();
    assert!(
        seen.iter().all(|line| line.starts_with("GET /v1/events")),
        "the broker was asked during warm calls: {seen:?}"
    );
    // The menu's own reads of `ls`'s picture count as served from memory too: compare.
    let status = alice.json(&["agent", "status"]).await;
    let count = |doc: &Value, field: &str| doc[field].as_u64().unwrap_or_default();
    assert!(
        count(&status, "servedFromMemory") >= count(&counted, "servedFromMemory") + 3,
        "warm calls not served from memory: {counted} then {status}"
    );
    assert_eq!(
        count(&status, "servedByCore"),
        count(&counted, "servedByCore"),
        "a warm call went through the client core: {counted} then {status}"
    );

    // No WebKit in the running tray.
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    assert!(
        maps.contains("libgtk-3"),
        "GTK is not mapped: the check is blind"
    );
    assert!(!maps.contains("webkit"), "the tray has WebKit mapped");

    // A revoke made elsewhere reaches the menu through the event stream.
    let out = alice
        .run(&["revoke", &id.to_string(), "--comment", "done"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    until_menu(pid, "the grant gone", |labels| {
        labels.iter().any(|l| l == "No active access")
            && !labels
                .iter()
                .any(|l| l.starts_with("dev / PowerUserAccess — "))
    })
    .await;

    // `stint agent stop` ends the tray.
    let out = alice.run(&["agent", "stop"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let exited = tokio::time::timeout(Duration::from_secs(15), tray.child.wait())
        .await
        .expect("the tray did not end with its agent")
        .unwrap();
    assert!(exited.success(), "the tray ended with {exited}");
}
