//! `stint-broker serve` as a child process, the way it runs in production: its config and
//! policy files in a temp dir, the AWS SDK pointed at `stint-sim` through
//! `AWS_ENDPOINT_URL` with the world's operator keys, everything it prints on stdout and
//! stderr kept, and SIGKILL, SIGTERM and restarts on the same database.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stint_sim::{OperatorCredentials, RunningSim};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use super::full_broker::config_text;

pub const BIN: &str = env!("CARGO_BIN_EXE_stint-broker");
const READY_WAIT: Duration = Duration::from_secs(120);

/// A policy letting everyone have any of the demo world's workload permission sets in any
/// account without approval: many distinct assignments from few people.
pub const SELF_SERVICE_POLICY: &str = r#"
[settings]
max_duration = "8h"
approval_timeout = "1h"
auditor_groups = ["security-auditors"]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "everyone-everywhere"
groups = ["everyone"]
ous = ["Root"]
nested_ous = true
permission_sets = ["ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess", "BillingReadOnly"]
max_duration = "8h"
approval_required = false
"#;

/// The config and policy files of one broker "installation", and how to start it.
pub struct ProcessSetup {
    pub dir: tempfile::TempDir,
    sim_url: String,
    operator: OperatorCredentials,
    pub log_filter: String,
}

impl ProcessSetup {
    /// `overrides` replace or add top-level config keys (see `config_text`).
    pub fn new(
        sim: &RunningSim,
        db_url: &str,
        policy: &str,
        overrides: &[(&str, &str)],
    ) -> ProcessSetup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policies.toml"), policy).unwrap();
        std::fs::write(
            dir.path().join("broker.toml"),
            config_text(sim, db_url, overrides),
        )
        .unwrap();
        ProcessSetup {
            dir,
            sim_url: sim.url().to_owned(),
            operator: sim.operator_credentials(),
            log_filter: "info".into(),
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("broker.toml")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_via(&[], args)
    }

    /// The broker's command line run by `wrapper` (a program and its first arguments, to
    /// which the broker's path and `args` are appended): a new mount namespace, say.
    pub fn command_via(&self, wrapper: &[&str], args: &[&str]) -> Command {
        let mut command = match wrapper.split_first() {
            None => Command::new(BIN),
            Some((program, first)) => {
                let mut command = Command::new(program);
                command.args(first).arg(BIN);
                command
            }
        };
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ENDPOINT_URL", &self.sim_url)
            .env("AWS_ACCESS_KEY_ID", &self.operator.access_key_id)
            .env(
                "AWS_SECRET_ACCESS_KEY",
                self.operator.secret_access_key.expose(),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("STINT_LOG", &self.log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Starts `serve` on a free port and waits for its ready line.
    pub async fn spawn(&self) -> BrokerProcess {
        self.spawn_via(&[]).await
    }

    /// [`ProcessSetup::spawn`] through `wrapper` (see [`ProcessSetup::command_via`]), which
    /// must end by `exec`ing the broker so the child's pid is the broker's.
    pub async fn spawn_via(&self, wrapper: &[&str]) -> BrokerProcess {
        let config = self.config();
        let mut child = self
            .command_via(
                wrapper,
                &[
                    "serve",
                    "--config",
                    config.to_str().unwrap(),
                    "--listen",
                    "127.0.0.1:0",
                ],
            )
            .spawn()
            .expect("the broker starts");
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stderr.take().unwrap(), output.clone(), None);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        collect(child.stdout.take().unwrap(), output.clone(), Some(ready_tx));
        let line = match tokio::time::timeout(READY_WAIT, ready_rx).await {
            Ok(Ok(line)) => line,
            _ => panic!(
                "the broker printed no ready line; its output:\n{}",
                output.lock().unwrap()
            ),
        };
        let ready: serde_json::Value = serde_json::from_str(&line).expect("the ready line is JSON");
        BrokerProcess {
            pid: child.id().expect("running"),
            child,
            url: ready["url"].as_str().unwrap().to_owned(),
            output,
        }
    }

    /// `stint-broker audit verify` on this installation's database: success and stdout.
    pub async fn audit_verify(&self) -> (bool, String) {
        let config = self.config();
        let out = self
            .command(&["audit", "verify", "--config", config.to_str().unwrap()])
            .output()
            .await
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

/// Appends every line of `stream` to `sink`; the first JSON line with `"event":"ready"` is
/// also sent to `ready`.
fn collect(
    stream: impl AsyncRead + Unpin + Send + 'static,
    sink: Arc<Mutex<String>>,
    ready: Option<tokio::sync::oneshot::Sender<String>>,
) {
    tokio::spawn(async move {
        let mut ready = ready;
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("\"event\":\"ready\"") {
                if let Some(tx) = ready.take() {
                    let _ = tx.send(line.clone());
                }
            }
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
}

pub struct BrokerProcess {
    pub child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    output: Arc<Mutex<String>>,
}

impl BrokerProcess {
    /// Everything it printed so far, stdout and stderr.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub async fn kill9(&mut self) {
        self.child.start_kill().expect("SIGKILL");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the killed broker is gone")
            .unwrap();
        assert!(!status.success());
    }

    /// SIGTERM, and its exit.
    pub async fn terminate(&mut self) -> ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("the broker exits after SIGTERM")
            .unwrap()
    }
}
