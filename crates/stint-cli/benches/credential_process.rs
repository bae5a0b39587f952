//! `stint credential-process` on a real network's latency: the agent, no agent, botocore's
//! SSO credential provider, and a hung broker, in one run. Prints a Markdown table.
//!
//! Needs a Secret Service, the repository's Python with botocore
//! (`scripts/install-python.sh`) and a release `stint-broker` (`cargo build --release -p
//! stint-broker`, or `STINT_STINT_BROKER_BIN`):
//!
//! ```text
//! scripts/with-keyring.sh cargo bench -p stint-cli --bench credential_process
//! ```
//!
//! The broker and the simulator are reached through latency-adding proxies that
//! terminate TLS (a self-signed certificate the clients are told to trust:
//! `STINT_CA_FILE`, `AWS_CA_BUNDLE`), at 0, 50 and 200 ms round trip. botocore reaches the
//! portal through its proxy; Stint reaches the broker through its proxy (its own portal
//! calls go straight to the simulator: a warm call makes none). Each call is a fresh
//! process, as the AWS tools run `credential_process`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use stint_e2e::Env;
use stint_e2e::proxy::{Mode, Proxy};

const CALLS: usize = 30;
const BOTOCORE_CALLS: usize = 10;
/// dev (555555555555), as `stint setup` writes it into a profile's `credential_process`:
/// the account by id, so no call needs the broker to look a name up.
const TARGET: &str = "555555555555/PowerUserAccess";
const PROFILE: &str = "dev-PowerUserAccess";
const RTTS_MS: [u64; 3] = [0, 50, 200];

fn main() {
    let python = std::env::var_os("STINT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                std::env::var("CARGO_MANIFEST_DIR")
                    .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
            )
            .join("../../.venv/bin/python")
        });
    if !python.exists() {
        eprintln!(
            "skipped: no Python with botocore at {} (scripts/install-python.sh)",
            python.display()
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench(python));
}

struct Bench {
    alice: Env,
    broker_proxy: Proxy,
    sim_proxy: Proxy,
    ca_file: PathBuf,
    python: PathBuf,
}

async fn bench(python: PathBuf) {
    let Some(broker_bin) = stint_e2e::broker::broker_bin() else {
        return;
    };
    let Some(alice) = stint_e2e::env().await else {
        return;
    };
    let broker = stint_e2e::broker::start_broker(&broker_bin, &alice.sim).await;
    let broker_addr = broker
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let (tls, ca_pem) = stint_e2e::proxy::self_signed_tls();
    let broker_proxy = Proxy::start_with(broker_addr, Duration::ZERO, Some(tls.clone())).await;
    let sim_proxy = Proxy::start_with(alice.sim.addr(), Duration::ZERO, Some(tls)).await;
    let ca_file = alice.home().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let b = Bench {
        // The login, too, reaches the broker through the proxy's certificate.
        alice: alice.without_overrides().trusting(&ca_file),
        broker_proxy,
        sim_proxy,
        ca_file,
        python,
    };

    let url = format!("https://localhost:{}", b.broker_proxy.addr().port());
    b.ok(&["configure", "--broker", &url]).await;
    let out = b.alice.login("alice").await;
    assert!(out.status.success(), "login: {}", stint_e2e::stderr(&out));
    // 4h: the demo policy's self-service length for PowerUserAccess in dev (longer needs
    // an approver, and `--wait` would wait for one).
    let active = b
        .ok(&[
            "request", TARGET, "--for", "4h", "--reason", "bench", "--wait", "--json",
        ])
        .await;
    let active: Value = serde_json::from_slice(&active).unwrap();
    assert_eq!(active["state"], "active");
    b.ok(&["setup", "profiles", "--style", "sso"]).await;

    println!(
        "| RTT | agent (median of {CALLS}) | no agent (median; slowest) | broker requests without agent (TTL {} s) | botocore SSO (median of {BOTOCORE_CALLS}) | agent vs botocore |",
        stint_client::credentials::GRANT_CHECK_TTL.num_seconds()
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for rtt_ms in RTTS_MS {
        let rtt = Duration::from_millis(rtt_ms);
        b.broker_proxy.set_rtt(rtt);
        b.sim_proxy.set_rtt(rtt);

        // No agent: the first call fetches and caches; later ones ask the broker once
        // per GRANT_CHECK_TTL.
        b.cp(false).await;
        let before = b.broker_requests();
        let started = Instant::now();
        let no_agent = b.time(CALLS, || b.cp(false)).await;
        let took = started.elapsed();
        let round_trips = b.broker_requests() - before;

        let mut agent = b.start_agent().await;
        b.cp(true).await;
        let with_agent = b.time(CALLS, || b.cp(true)).await;
        b.ok(&["agent", "stop"]).await;
        let _ = agent.wait().await;

        let botocore = b.time(BOTOCORE_CALLS, || b.botocore()).await;
        println!(
            "| {rtt_ms} ms | {:.1} ms | {:.1} ms; {:.1} ms | {round_trips} in {CALLS} calls over {:.1} s | {:.1} ms | {:.0}× faster |",
            ms(median(&with_agent)),
            ms(median(&no_agent)),
            ms(*no_agent.last().unwrap()),
            took.as_secs_f64(),
            ms(median(&botocore)),
            ms(median(&botocore)) / ms(median(&with_agent)),
        );
    }

    // A hung broker (accepts, never answers), at 50 ms RTT to everything else.
    b.broker_proxy.set_rtt(Duration::from_millis(50));
    b.sim_proxy.set_rtt(Duration::from_millis(50));
    let mut agent = b.start_agent().await;
    b.cp(true).await;
    b.cp(false).await;
    b.broker_proxy.set_mode(Mode::Hang);
    let hung_agent = b.time(CALLS, || b.cp(true)).await;
    b.ok(&["agent", "stop"]).await;
    let _ = agent.wait().await;
    // Past the TTL, so each call without the agent must ask the broker and give up.
    tokio::time::sleep(Duration::from_secs(16)).await;
    let hung = b.time(3, || b.cp(false)).await;
    println!();
    println!("| broker hung (accepts, never answers) | per call |");
    println!("| --- | ---: |");
    println!(
        "| agent, warm | {:.1} ms median of {CALLS} |",
        ms(median(&hung_agent))
    );
    println!(
        "| no agent, grant check due (answered from the cache) | {:.0} ms median of 3, slowest {:.0} ms |",
        ms(median(&hung)),
        ms(*hung.last().unwrap())
    );
    drop(broker);
}

impl Bench {
    fn stint(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = self.alice.stint(args);
        // `cargo bench` sets LD_LIBRARY_PATH to its build folders, which makes the dynamic
        // loader search them for every shared library; people's shells do not.
        cmd.env_remove("LD_LIBRARY_PATH").env("STINT_LOG", "warn");
        cmd
    }

    /// Requests the broker has been sent so far, the agent's event stream aside.
    fn broker_requests(&self) -> usize {
        self.broker_proxy
            .requests()
            .iter()
            .filter(|line| !line.starts_with("GET /v1/events"))
            .count()
    }

    async fn ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.stint(args).output().await.unwrap();
        assert!(
            out.status.success(),
            "stint {args:?}: {}",
            stint_e2e::stderr(&out)
        );
        out.stdout
    }

    async fn cp(&self, agent: bool) {
        let out = self
            .stint(&["credential-process", TARGET])
            .env("STINT_AGENT", if agent { "use" } else { "off" })
            .stderr(Stdio::piped())
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", stint_e2e::stderr(&out));
    }

    async fn start_agent(&self) -> tokio::process::Child {
        let child = self
            .stint(&["agent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.stint(&["agent", "status"]).output().await.unwrap();
            if out.status.success() {
                let status: Value = serde_json::from_slice(&out.stdout).unwrap();
                // Connected, and done reading `ls`'s picture, which it does after
                // connecting: the timed calls then share the machine with nothing of it.
                if status["eventStream"] == true && status["overview"] == "held" {
                    return child;
                }
            }
            assert!(Instant::now() < deadline, "the agent did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn botocore(&self) {
        let script = r#"
import sys, botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials().get_frozen_credentials()
assert c.access_key
"#;
        let status = tokio::process::Command::new(&self.python)
            .args(["-c", script, PROFILE])
            .env_remove("LD_LIBRARY_PATH")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env("HOME", self.alice.home())
            .env(
                "AWS_ENDPOINT_URL_SSO",
                format!("https://localhost:{}", self.sim_proxy.addr().port()),
            )
            .env("AWS_CA_BUNDLE", &self.ca_file)
            .status()
            .await
            .unwrap();
        assert!(status.success(), "botocore cannot resolve the profile");
    }

    /// `n` timed runs, sorted.
    async fn time<F, Fut>(&self, n: usize, f: F) -> Vec<Duration>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            f().await;
            times.push(start.elapsed());
        }
        times.sort();
        times
    }
}

fn median(times: &[Duration]) -> Duration {
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
