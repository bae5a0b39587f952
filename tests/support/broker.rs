//! A `stint-broker serve` process on SQLite in front of a simulator, with the demo policy:
//! the broker a client test talks to.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use stint_sim::RunningSim;
use tokio::io::{AsyncBufReadExt, BufReader};

pub fn broker_bin() -> Option<PathBuf> {
    let path = crate::binary("stint-broker");
    if path.exists() {
        return Some(path);
    }
    let hint = format!(
        "no stint-broker binary at {} (cargo build -p stint-broker)",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{hint}");
    }
    eprintln!("\n*** SKIPPED: {hint}\n");
    None
}

/// The demo policy, found from whichever package's directory cargo runs this in (the
/// tests' `tests/`, or `crates/stint-cli/` for its benchmark).
fn demo_policy() -> PathBuf {
    let start = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    );
    let relative = Path::new("crates/stint-broker/demo/policies.toml");
    start
        .ancestors()
        .map(|dir| dir.join(relative))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("no {} above {}", relative.display(), start.display()))
}

pub struct Broker {
    _child: tokio::process::Child,
    pub url: String,
    /// The broker's SQLite database.
    pub db: PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn start_broker(bin: &Path, sim: &RunningSim) -> Broker {
    start_broker_with(bin, sim, "").await
}

/// [`start_broker`] with `extra` appended to the config file (more tables).
pub async fn start_broker_with(bin: &Path, sim: &RunningSim, extra: &str) -> Broker {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:0"
audience = "stint-e2e"
database_url = "sqlite://{db}"
policy_file = "{policy}"
reconcile_interval = "5s"

[identity_center]
region = "{region}"
instance_arn = "{instance}"
identity_store_id = "{store}"
start_url = "{start}"
baseline_account = "222222222222"
sts_hosts = ["{sim}"]
{extra}
"#,
        db = dir.path().join("stint.db").display(),
        policy = demo_policy().display(),
        region = sim.region(),
        instance = sim.instance_arn(),
        store = sim.identity_store_id(),
        start = sim.start_url(),
        sim = sim.url(),
    );
    let config_path = dir.path().join("broker.toml");
    std::fs::write(&config_path, config).unwrap();
    let op = sim.operator_credentials();
    let mut child = tokio::process::Command::new(bin)
        .args([
            "serve",
            "--config",
            config_path.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("AWS_ENDPOINT_URL", sim.url())
        .env("AWS_ACCESS_KEY_ID", &op.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", op.secret_access_key.expose())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("STINT_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.path().join("broker.stderr")).unwrap())
        .kill_on_drop(true)
        .spawn()
        .expect("the broker starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .ok()
        .and_then(|l| l.ok().flatten())
        .unwrap_or_else(|| {
            panic!(
                "the broker printed no ready line: {}",
                std::fs::read_to_string(dir.path().join("broker.stderr")).unwrap_or_default()
            )
        });
    let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
    let url = ready["url"]
        .as_str()
        .expect("the ready line has the URL")
        .to_owned();
    Broker {
        _child: child,
        url,
        db: dir.path().join("stint.db"),
        _dir: dir,
    }
}
