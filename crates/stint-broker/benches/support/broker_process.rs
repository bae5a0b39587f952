//! The `stint-broker serve` binary as the benches run it: its own process and temporary
//! directory, SQLite, the given policy, `stint-sim` as Identity Center and STS, stderr to
//! `broker.log`; and its memory as /proc tells it.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use stint_sim::RunningSim;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_stint-broker");
pub const AUDIENCE: &str = "https://stint.bench.example";

pub struct BrokerProcess {
    pub child: Child,
    pub pid: u32,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl BrokerProcess {
    /// Starts the broker and waits for its ready line. `log_level` is `STINT_LOG`;
    /// `MALLOC_ARENA_MAX` is passed through when set, to measure the allocator's part.
    pub async fn start(sim: &RunningSim, policy: &str, log_level: &str) -> BrokerProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("policies.toml"), policy).expect("policy");
        let config = format!(
            r#"
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:8700"
audience = "{AUDIENCE}"
database_url = "sqlite://{db}"
policy_file = "policies.toml"

[identity_center]
region = "{region}"
instance_arn = "{instance}"
identity_store_id = "{store}"
start_url = "{start}"
baseline_account = "222222222222"
sts_hosts = ["{sim}"]
"#,
            db = dir.path().join("stint.db").display(),
            region = sim.region(),
            instance = sim.instance_arn(),
            store = sim.identity_store_id(),
            start = sim.start_url(),
            sim = sim.url(),
        );
        let config_path = dir.path().join("broker.toml");
        std::fs::write(&config_path, config).expect("config");
        let log = std::fs::File::create(dir.path().join("broker.log")).expect("log file");
        let op = sim.operator_credentials();
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--config",
                config_path.to_str().unwrap_or_default(),
            ])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", sim.url())
            .env("AWS_ACCESS_KEY_ID", &op.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", op.secret_access_key.expose())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("STINT_LOG", log_level)
            .envs(std::env::var("MALLOC_ARENA_MAX").map(|v| ("MALLOC_ARENA_MAX", v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("the broker starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = tokio::time::timeout(Duration::from_secs(120), stdout.next_line())
            .await
            .expect("a ready line within two minutes")
            .expect("stdout")
            .expect("the broker printed its ready line");
        let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
        BrokerProcess {
            pid: child.id().expect("running"),
            child,
            url: ready["url"].as_str().expect("url").to_owned(),
            _dir: dir,
        }
    }

    /// `host:port`, for raw TCP clients.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// A `/proc/PID/status` field given in kB (`"VmRSS:"`, `"VmHWM:"`), in MiB; 0 when the
/// process is gone.
pub fn status_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}
