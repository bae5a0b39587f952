//! `stint-broker serve` as a process, pointed at `stint-sim` the way the demo does it (the
//! AWS SDK finds the simulator through `AWS_ENDPOINT_URL`): the ready line, health and
//! metrics, SIGHUP reloads of a good and a bad policy file, a clean exit on SIGTERM, a
//! refusal to start on a bad policy, and `audit verify` on the database it leaves.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const WAIT: Duration = Duration::from_secs(90);
const DEMO_POLICY: &str = include_str!("../../demo/policies.toml");
const BIN: &str = env!("CARGO_BIN_EXE_stint-broker");

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Setup {
    sim: stint_sim::RunningSim,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        let sim = stint_sim::spawn(stint_sim::World::demo())
            .await
            .expect("simulator starts");
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            r#"
listen = "127.0.0.1:8700"
public_url = "http://127.0.0.1:8700"
database_url = "sqlite://{db}"
policy_file = "policies.toml"
reconcile_interval = "5s"

[identity_center]
region = "{region}"
instance_arn = "{instance}"
identity_store_id = "{store}"
baseline_account = "222222222222"
sts_hosts = ["{sim}"]
"#,
            db = dir.path().join("stint.db").display(),
            region = sim.region(),
            instance = sim.instance_arn(),
            store = sim.identity_store_id(),
            sim = sim.url(),
        );
        std::fs::write(dir.path().join("broker.toml"), config).unwrap();
        std::fs::write(dir.path().join("policies.toml"), DEMO_POLICY).unwrap();
        Setup { sim, dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("broker.toml")
    }

    fn policy(&self) -> PathBuf {
        self.dir.path().join("policies.toml")
    }

    fn command(&self, args: &[&str]) -> Command {
        let op = self.sim.operator_credentials();
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ENDPOINT_URL", self.sim.url())
            .env("AWS_ACCESS_KEY_ID", &op.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", op.secret_access_key.expose())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("STINT_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }
}

/// A running `serve`, with its stderr collected.
struct Broker {
    child: Child,
    ready: Value,
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

fn collect_stderr(child: &mut Child) -> Arc<Mutex<String>> {
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let sink = stderr.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    stderr
}

impl Broker {
    async fn start(setup: &Setup) -> Broker {
        let config = setup.config();
        let mut child = setup
            .command(&[
                "serve",
                "--config",
                config.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .spawn()
            .expect("the broker starts");
        let stderr = collect_stderr(&mut child);
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(WAIT, stdout.next_line())
            .await
            .unwrap_or_else(|_| panic!("no ready line; stderr:\n{}", stderr.lock().unwrap()))
            .unwrap()
            .unwrap_or_else(|| panic!("stdout closed; stderr:\n{}", stderr.lock().unwrap()));
        let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
        Broker {
            child,
            ready,
            stderr,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self) -> &str {
        self.ready["url"].as_str().unwrap()
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    async fn metrics(&self) -> String {
        let response = self
            .http
            .get(format!("{}/metrics", self.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

fn without_last_eligibility_rule(policy: &str) -> String {
    let at = policy.rfind("[[eligibility]]").unwrap();
    let next = policy[at..].find("# --- Who approves").unwrap();
    format!("{}{}", &policy[..at], &policy[at + next..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_reloads_on_sighup_and_stops_cleanly_on_sigterm() {
    let setup = Setup::new().await;
    let mut broker = Broker::start(&setup).await;
    assert_eq!(broker.ready["event"], "ready");
    let listen = broker.ready["listen"].as_str().unwrap();
    assert!(
        listen.starts_with("127.0.0.1:") && !listen.ends_with(":0"),
        "{listen}"
    );
    assert_eq!(broker.url(), format!("http://{listen}"));

    let health: Value = broker
        .http
        .get(format!("{}/healthz", broker.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        health,
        serde_json::json!({ "status": "ok", "database": "sqlite" })
    );
    // No session can be made without the authentication module: every protected route says so.
    let me = broker
        .http
        .get(format!("{}/v1/me", broker.url()))
        .bearer_auth("made-up")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);

    let metrics = broker.metrics().await;
    assert_eq!(
        metric(&metrics, "stint_policy_rules{kind=\"eligibility\"}"),
        Some(6.0)
    );
    assert_eq!(
        metric(&metrics, "stint_policy_loads_total{outcome=\"ok\"}"),
        Some(1.0)
    );
    assert!(
        metrics.contains(
            "stint_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("stint_requests{state=\"pending\"} 0"));

    // A good file: reloaded, one rule fewer.
    std::fs::write(setup.policy(), without_last_eligibility_rule(DEMO_POLICY)).unwrap();
    broker.signal("HUP");
    eventually("the good policy to be in force", || async {
        metric(
            &broker.metrics().await,
            "stint_policy_rules{kind=\"eligibility\"}",
        ) == Some(5.0)
    })
    .await;

    // A bad file: refused with its line, the previous policy stays.
    std::fs::write(
        setup.policy(),
        DEMO_POLICY.replace("max_duration = \"12h\"", "max_duration = \"forever\""),
    )
    .unwrap();
    broker.signal("HUP");
    eventually("the bad policy to be refused", || async {
        metric(
            &broker.metrics().await,
            "stint_policy_loads_total{outcome=\"error\"}",
        ) == Some(1.0)
    })
    .await;
    let metrics = broker.metrics().await;
    assert_eq!(
        metric(&metrics, "stint_policy_rules{kind=\"eligibility\"}"),
        Some(5.0)
    );
    assert_eq!(
        metric(&metrics, "stint_policy_loads_total{outcome=\"ok\"}"),
        Some(2.0)
    );
    eventually("the refusal in the log", || async {
        broker.stderr().contains("policies.toml:")
    })
    .await;
    let log = broker.stderr();
    let line = DEMO_POLICY
        .lines()
        .position(|l| l.starts_with("max_duration = \"12h\""))
        .unwrap()
        + 1;
    assert!(
        log.contains(&format!("policies.toml:{line}:")),
        "no file:line in\n{log}"
    );

    broker.signal("TERM");
    let status = tokio::time::timeout(WAIT, broker.child.wait())
        .await
        .expect("the broker exits after SIGTERM")
        .unwrap();
    assert!(
        status.success(),
        "exit {status:?}; stderr:\n{}",
        broker.stderr()
    );
    assert!(broker.stderr().contains("stopped"), "{}", broker.stderr());

    // The database it leaves verifies: the good reload is on the chain.
    let verify = setup
        .command(&[
            "audit",
            "verify",
            "--config",
            setup.config().to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(out.starts_with("ok: 1 audit event(s)"), "{out}");

    tamper(&setup.dir.path().join("stint.db")).await;
    let verify = setup
        .command(&[
            "audit",
            "verify",
            "--config",
            setup.config().to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(1), "{out}");
    assert!(out.contains("BROKEN at event 1"), "{out}");
}

/// Edits the first audit event as someone with the database file could.
async fn tamper(db: &Path) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_events_no_update; \
         UPDATE audit_events SET actor = 'mallory' WHERE seq = 1;",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_start_on_a_bad_policy_and_says_where() {
    let setup = Setup::new().await;
    std::fs::write(
        setup.policy(),
        DEMO_POLICY.replace("accounts = [\"dev\"]", "accounts = [\"no-such-account\"]"),
    )
    .unwrap();
    let config = setup.config();
    let output = tokio::time::timeout(
        WAIT,
        setup
            .command(&[
                "serve",
                "--config",
                config.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .output(),
    )
    .await
    .expect("the broker gives up")
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stdout.is_empty(),
        "a ready line for a broker that did not start"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = DEMO_POLICY
        .lines()
        .position(|l| l.contains("accounts = [\"dev\"]"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!("policies.toml:{line}:")),
        "{stderr}"
    );
    assert!(stderr.contains("no-such-account"), "{stderr}");
    assert!(stderr.contains("did not start"), "{stderr}");

    // A database that does not exist is not reported as an intact log.
    let missing = setup
        .command(&["audit", "verify", "--config", config.to_str().unwrap()])
        .env(
            "STINT_DATABASE_URL",
            format!("sqlite://{}", setup.dir.path().join("nope.db").display()),
        )
        .output()
        .await
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no database"));
}
