//! The world `cli_agent`'s tests share: the simulator, a broker behind a recording proxy,
//! alice signed in through it, a `stint agent` started and waited for, and the small
//! readings the tests compare (an access key, the portal's calls, `stint ls` as text).

use std::net::SocketAddr;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::broker::Broker;
use crate::proxy::Proxy;
use crate::{Env, stderr, stdout};

/// Granted to alice without approval by the demo policy.
pub const GRANTED: &str = "dev/PowerUserAccess";
/// dev's account id (444444444444 is staging).
pub const GRANTED_ACCOUNT: &str = "555555555555";
/// Held by alice as a standing assignment (engineers).
pub const STANDING: &str = "dev/ReadOnlyAccess";

/// The 2 s the issue allows, plus slack for a loaded CI machine: this asserts a deadline
/// exists, not how fast anything is.
pub const HUNG_BOUND: Duration = Duration::from_secs(5);

pub struct World {
    pub alice: Env,
    pub proxy: Proxy,
    pub _broker: Broker,
}

/// The simulator, the broker behind the proxy, alice configured with the proxy's URL and
/// signed in. `None` when a prerequisite is missing (said loudly).
pub async fn world() -> Option<World> {
    let bin = crate::broker::broker_bin()?;
    let alice = crate::env().await?;
    let broker = crate::broker::start_broker(&bin, &alice.sim).await;
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

/// alice asks for the granted target; policy needs no approval, so it is active.
pub async fn grant(alice: &Env) -> i64 {
    let active = alice
        .json(&[
            "request",
            GRANTED,
            "--for",
            "1h",
            "--reason",
            "agent test",
            "--wait",
            "--json",
        ])
        .await;
    assert_eq!(active["state"], "active", "{active}");
    active["id"].as_i64().unwrap()
}

pub fn access_key(out: &Output) -> String {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not credential_process JSON ({e}): {}", stdout(out)));
    doc["AccessKeyId"].as_str().unwrap().to_owned()
}

/// Portal GetRoleCredentials calls the simulator has seen for `account`.
pub fn portal_calls(env: &Env, account: &str) -> usize {
    env.sim
        .calls_since(0)
        .calls
        .iter()
        .filter(|c| c.operation == "GetRoleCredentials" && c.fields.values().any(|v| v == account))
        .count()
}

pub struct Agent {
    pub child: tokio::process::Child,
}

impl Agent {
    pub async fn start(env: &Env) -> Agent {
        let log = env.home().join("agent.stderr");
        let child = env
            .stint(&["agent"])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Up, and following the event stream (so it knows alice's grants).
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = env.run(&["agent", "status"]).await;
            if out.status.success() {
                let status: Value = serde_json::from_slice(&out.stdout).unwrap();
                if status["eventStream"] == true {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the agent never followed the event stream: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // And done reading `ls`'s picture after connecting, so what the broker sees from
        // now on is what the test causes.
        Agent::wait_for_picture(env).await;
        Agent { child }
    }

    pub async fn status(env: &Env) -> Value {
        env.json(&["agent", "status"]).await
    }

    /// Until the agent holds `stint ls`'s picture, read after the last change it heard of.
    pub async fn wait_for_picture(env: &Env) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = Agent::status(env).await;
            if status["overview"] == "held" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the agent never held the picture: {status}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `stint ARGS` without asking any agent.
pub async fn without_agent(env: &Env, args: &[&str]) -> Output {
    let out = env
        .stint(args)
        .env("STINT_AGENT", "off")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "stint {args:?}: {}", stderr(&out));
    out
}

/// `stint ls` as text, with the ACTIVE GRANTS countdown (`42m left`, the last column,
/// computed when printed) cut: two runs a second apart may straddle a minute.
pub fn ls_text(out: &Output) -> String {
    stdout(out)
        .lines()
        .map(|line| match line.rsplit_once("  ") {
            Some((rest, last)) if last.ends_with(" left") => rest.trim_end(),
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}
