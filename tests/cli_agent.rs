//! The agent and the deadlines, with real processes: `stint-sim`, a `stint-broker serve`
//! process behind a TCP proxy that records every request line it passes (and can turn
//! into a listener that accepts and never answers), `stint agent` and the `stint` CLI.
//!
//! - agent up: `credential-process` is answered from memory — the broker sees no request
//!   and Identity Center's portal no call for it; a revoke reaches the agent through the
//!   event stream, and the next call says the access ended;
//! - agent up: `stint ls` is answered from the picture the agent keeps current through
//!   the event stream (the broker sees no request), and prints what the CLI alone prints;
//!   a revoke reaches that picture too;
//! - agent down: the CLI does the work itself, asks the broker at most once per
//!   GRANT_CHECK_TTL, and a revoke shows within it;
//! - broker hung: `credential-process` answers from its cache, or with a one-line error,
//!   within 2 s (asserted with slack: 2 s + 3 s);
//! - the socket refuses another user, both ways (needs root and `setpriv`).
//!
//! Needs the `stint-broker` binary and a Secret Service (`scripts/with-keyring.sh`).

use std::time::{Duration, Instant};

use serde_json::Value;
use stint_e2e::agent_world::{
    Agent, GRANTED, GRANTED_ACCOUNT, HUNG_BOUND, STANDING, access_key, grant, ls_text,
    portal_calls, without_agent, world,
};
use stint_e2e::proxy::Mode;
use stint_e2e::{Env, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_answers_from_memory_and_hears_a_revoke_through_the_event_stream() {
    let Some(w) = world().await else {
        return;
    };
    let alice = &w.alice;
    let id = grant(alice).await;
    let mut agent = Agent::start(alice).await;
    assert_eq!(Agent::status(alice).await["grants"], 1);

    // The first call goes through the client core once (portal, keyring)...
    let first = alice.run(&["credential-process", GRANTED]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let key = access_key(&first);
    // ...the next ones come from memory: no broker request, no portal call.
    let broker_before = w.proxy.requests().len();
    let portal_before = portal_calls(alice, GRANTED_ACCOUNT);
    // The count sees the first call's portal request, so a warm call's would show.
    assert!(
        portal_before >= 1,
        "the first call asked the portal nothing"
    );
    for _ in 0..3 {
        let out = alice.run(&["credential-process", GRANTED]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(access_key(&out), key);
    }
    let seen: Vec<String> = w.proxy.requests()[broker_before..].to_vec();
    assert!(
        seen.iter().all(|line| line.starts_with("GET /v1/events")),
        "the broker was asked during warm calls: {seen:?}"
    );
    assert_eq!(portal_calls(alice, GRANTED_ACCOUNT), portal_before);
    let status = Agent::status(alice).await;
    assert_eq!(status["servedFromMemory"], 3, "{status}");
    assert_eq!(status["servedByCore"], 1, "{status}");

    // `creds` and `console --print` are answered by the agent too.
    let out = alice.run(&["creds", GRANTED, "--format", "json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(access_key(&out), key);
    let out = alice.run(&["console", GRANTED, "--print"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("/federation"), "{}", stdout(&out));
    assert_eq!(Agent::status(alice).await["servedFromMemory"], 5);

    // A revoke (from another process: the agent is not told directly) reaches the agent
    // through the event stream; the next call says the access ended.
    let out = alice
        .run(&["revoke", &id.to_string(), "--comment", "done"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let revoked = Instant::now();
    let out = loop {
        let out = alice.run(&["credential-process", GRANTED]).await;
        if !out.status.success() {
            break out;
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(10),
            "the agent still served credentials 10 s after the revoke"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let line = stderr(&out).lines().last().unwrap_or_default().to_owned();
    assert!(
        line.starts_with(&format!("error: your access to {GRANTED} ended at ")),
        "{line}"
    );

    // Stopped, it is gone, and the CLI works without it.
    let out = alice.run(&["agent", "stop"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let stopped = tokio::time::timeout(Duration::from_secs(10), agent.child.wait())
        .await
        .expect("the agent exits when asked")
        .unwrap();
    assert!(stopped.success());
    let out = alice.run(&["credential-process", STANDING]).await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ls_is_answered_from_the_agents_picture_and_shows_what_the_cli_alone_shows() {
    let Some(w) = world().await else {
        return;
    };
    let alice = &w.alice;
    let id = grant(alice).await;
    let _agent = Agent::start(alice).await;
    let broker_asked = |since: usize| -> Vec<String> {
        w.proxy.requests()[since..]
            .iter()
            .filter(|line| !line.starts_with("GET /v1/events"))
            .cloned()
            .collect()
    };

    // With the agent: the broker is asked nothing.
    let before = w.proxy.requests().len();
    let served_before = Agent::status(alice).await["servedFromMemory"]
        .as_u64()
        .unwrap();
    let agent_json = alice.json(&["ls", "--json"]).await;
    let agent_text = alice.run(&["ls"]).await;
    assert!(agent_text.status.success(), "{}", stderr(&agent_text));
    let asked = broker_asked(before);
    assert!(asked.is_empty(), "the broker was asked for `ls`: {asked:?}");
    let status = Agent::status(alice).await;
    assert_eq!(
        status["servedFromMemory"].as_u64().unwrap(),
        served_before + 2,
        "{status}"
    );
    // The grant is in it: the picture is the real one, not an empty one.
    assert_eq!(agent_json["grants"][0]["requestId"], id, "{agent_json}");
    assert!(
        stdout(&agent_text).contains(GRANTED),
        "{}",
        stdout(&agent_text)
    );

    // Without the agent the CLI asks the broker itself (so the check above can fail),
    // and prints the same.
    let before = w.proxy.requests().len();
    let alone_json: Value =
        serde_json::from_slice(&without_agent(alice, &["ls", "--json"]).await.stdout).unwrap();
    assert!(
        !broker_asked(before).is_empty(),
        "`ls` without the agent did not reach the broker"
    );
    assert_eq!(agent_json, alone_json);
    let alone_text = without_agent(alice, &["ls"]).await;
    assert_eq!(ls_text(&agent_text), ls_text(&alone_text));

    // A revoke from another process reaches the picture through the event stream.
    let out = alice
        .run(&["revoke", &id.to_string(), "--comment", "done"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let revoked = Instant::now();
    loop {
        let alone: Value =
            serde_json::from_slice(&without_agent(alice, &["ls", "--json"]).await.stdout).unwrap();
        let ended = alone["requests"][0]["state"] == "ended";
        if ended && Agent::status(alice).await["overview"] == "held" {
            let agent = alice.json(&["ls", "--json"]).await;
            if agent == alone {
                assert_eq!(agent["grants"], serde_json::json!([]), "{agent}");
                break;
            }
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(20),
            "the agent's `ls` never showed the revoke: {alone}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Held again, read after the last event: served without the broker.
    Agent::wait_for_picture(alice).await;
    let before = w.proxy.requests().len();
    let agent_json = alice.json(&["ls", "--json"]).await;
    let asked = broker_asked(before);
    assert!(asked.is_empty(), "the broker was asked for `ls`: {asked:?}");
    let alone_json: Value =
        serde_json::from_slice(&without_agent(alice, &["ls", "--json"]).await.stdout).unwrap();
    assert_eq!(agent_json, alone_json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_agent_the_cli_asks_the_broker_once_per_ttl_and_never_waits_on_a_hung_one() {
    let Some(w) = world().await else {
        return;
    };
    let alice = &w.alice;
    let id = grant(alice).await;
    let grants = || w.proxy.count("GET", "/v1/grants");

    // No agent: the CLI does the work, asking the broker whether the grant is active.
    let started = Instant::now();
    let out = alice.run(&["credential-process", GRANTED]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let key = access_key(&out);
    let asked = grants();
    assert!(
        asked >= 1,
        "the broker was not asked: {:?}",
        w.proxy.requests()
    );
    // Within the TTL the cache answers without asking again.
    let out = alice.run(&["credential-process", GRANTED]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(access_key(&out), key);
    if started.elapsed() < Duration::from_secs(14) {
        assert_eq!(grants(), asked, "asked again within the TTL");
    }

    // The broker hangs (accepts, never answers). Once the TTL has passed the check is
    // due, and the cached credentials are served when it times out.
    w.proxy.set_mode(Mode::Hang);
    tokio::time::sleep(Duration::from_secs(16).saturating_sub(started.elapsed())).await;
    let t = Instant::now();
    let out = alice.run(&["credential-process", GRANTED]).await;
    let took = t.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(access_key(&out), key);
    assert!(took < HUNG_BOUND, "served from cache after {took:?}");
    // Nothing cached (a standing role): the portal answers, the broker is given up on.
    let t = Instant::now();
    let out = alice.run(&["credential-process", STANDING]).await;
    let took = t.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(took < HUNG_BOUND, "answered after {took:?}");
    // No access at all (an account id: a name would need the broker or the portal's
    // list to resolve): the one-line error, not a wait.
    let t = Instant::now();
    let out = alice
        .run(&["credential-process", "333333333333/AdministratorAccess"])
        .await;
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count(),
        1
    );
    assert!(took < HUNG_BOUND, "the error came after {took:?}");

    // The broker is back; bob... alice revokes her grant from another machine (her own
    // cache is not told): within the TTL, the CLI says the access ended.
    w.proxy.set_mode(Mode::Forward);
    let elsewhere = Env::sharing(alice, "alice-laptop2").without_overrides();
    let url = format!("http://{}", w.proxy.addr());
    assert!(
        elsewhere
            .run(&["configure", "--broker", &url])
            .await
            .status
            .success()
    );
    assert!(elsewhere.login("alice").await.status.success());
    let out = elsewhere
        .run(&["revoke", &id.to_string(), "--comment", "done"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let revoked = Instant::now();
    let out = loop {
        let out = alice.run(&["credential-process", GRANTED]).await;
        if !out.status.success() {
            break out;
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(15 + 10),
            "credentials still served 25 s after the revoke"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_agent_a_hung_broker_costs_nothing_and_a_cold_call_under_two_seconds() {
    let Some(w) = world().await else {
        return;
    };
    let alice = &w.alice;
    grant(alice).await;
    let _agent = Agent::start(alice).await;
    let out = alice.run(&["credential-process", GRANTED]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let key = access_key(&out);

    w.proxy.set_mode(Mode::Hang);
    let t = Instant::now();
    let out = alice.run(&["credential-process", GRANTED]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(access_key(&out), key);
    assert!(t.elapsed() < HUNG_BOUND, "{:?}", t.elapsed());
    // A target the agent has not seen: it asks the broker (hung) and gives up in time.
    let t = Instant::now();
    let out = alice.run(&["credential-process", STANDING]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(t.elapsed() < HUNG_BOUND, "{:?}", t.elapsed());
}

/// `stint` as another user: `setpriv` to `nobody`, with a copy of the binary that user
/// can run (the build directory may sit in root's home).
struct Nobody {
    uid: u32,
    dir: tempfile::TempDir,
}

impl Nobody {
    /// `None` (said loudly) unless this runs as root with `setpriv` and a `nobody` user.
    fn new() -> Option<Nobody> {
        let id = |args: &[&str]| {
            std::process::Command::new("id")
                .args(args)
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.trim().parse::<u32>().ok())
        };
        let has_setpriv = std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        let (Some(0), Some(uid), true) = (id(&["-u"]), id(&["-u", "nobody"]), has_setpriv) else {
            let hint = "the peer test needs root, a `nobody` user and setpriv (util-linux)";
            if std::env::var_os("CI").is_some() {
                panic!("{hint}");
            }
            eprintln!("\n*** SKIPPED: {hint}\n");
            return None;
        };
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::copy(&*stint_e2e::BIN, dir.path().join("stint")).unwrap();
        for sub in ["home", "run"] {
            let path = dir.path().join(sub);
            std::fs::create_dir(&path).unwrap();
            std::os::unix::fs::chown(&path, Some(uid), Some(uid)).unwrap();
        }
        Some(Nobody { uid, dir })
    }

    /// `stint ARGS` as nobody, configured by `settings` (no broker: nothing else is needed
    /// to listen and answer `status`).
    fn stint(&self, args: &[&str], settings: &[(&str, String)]) -> tokio::process::Command {
        let uid = self.uid.to_string();
        let mut cmd = tokio::process::Command::new("setpriv");
        cmd.args(["--reuid", &uid, "--regid", &uid, "--clear-groups", "--"])
            .arg(self.dir.path().join("stint"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("home/.config"))
            .env("XDG_CACHE_HOME", self.dir.path().join("home/.cache"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .envs(settings.iter().map(|(k, v)| (*k, v.clone())))
            .kill_on_drop(true);
        cmd
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_refuses_another_user_both_ways() {
    let Some(nobody) = Nobody::new() else {
        return;
    };
    let session = format!("peer{}", std::process::id());
    let settings = vec![
        (
            "STINT_START_URL",
            "https://d-peer.awsapps.com/start".to_owned(),
        ),
        ("STINT_SSO_REGION", "eu-west-1".to_owned()),
        ("STINT_SSO_SESSION", session.clone()),
    ];
    let socket = nobody
        .dir
        .path()
        .join(format!("run/stint/agent-{session}.sock"));

    // nobody's agent; root connects (root passes the file mode) and is refused by the
    // peer-uid check.
    let log = nobody.dir.path().join("agent.stderr");
    let _agent = nobody
        .stint(&["agent"], &settings)
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    stint_e2e::wait_for(|| socket.exists().then_some(())).await;
    let as_root = |args: &'static [&'static str]| {
        let mut cmd = tokio::process::Command::new(&*stint_e2e::BIN);
        cmd.args(args)
            .env("HOME", nobody.dir.path())
            .env("STINT_AGENT_SOCKET", &socket)
            .envs(settings.iter().map(|(k, v)| (*k, v.clone())))
            .env_remove("STINT_BROKER_URL")
            .env_remove("STINT_CONFIG");
        cmd
    };
    let out = as_root(&["agent", "status"]).output().await.unwrap();
    assert!(!out.status.success(), "root was answered: {}", stdout(&out));
    assert!(
        stderr(&out).contains("serves only the user it runs as, not uid 0"),
        "{}",
        stderr(&out)
    );
    // The agent logged the refusal; nobody itself is served.
    let out = nobody
        .stint(&["agent", "status"], &settings)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["serving"]["ssoSession"], session.as_str());
    assert!(
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("refused a connection from another user"),
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let out = nobody
        .stint(&["agent", "stop"], &settings)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // root's agent, in root's 0700 runtime directory: nobody cannot even connect, and
    // reads that as "no agent".
    let root_run = tempfile::tempdir().unwrap();
    let root_socket = root_run.path().join(format!("stint/agent-{session}.sock"));
    let _root_agent = tokio::process::Command::new(&*stint_e2e::BIN)
        .arg("agent")
        .env("HOME", root_run.path())
        .env("XDG_RUNTIME_DIR", root_run.path())
        .envs(settings.iter().map(|(k, v)| (*k, v.clone())))
        .env_remove("STINT_BROKER_URL")
        .env_remove("STINT_CONFIG")
        .env_remove("STINT_AGENT_SOCKET")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    stint_e2e::wait_for(|| root_socket.exists().then_some(())).await;
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&root_socket)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "socket mode {mode:o}");
        let dir_mode = std::fs::metadata(root_socket.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700, "directory mode {dir_mode:o}");
    }
    let mut settings_root = settings.clone();
    settings_root.push(("STINT_AGENT_SOCKET", root_socket.display().to_string()));
    let out = nobody
        .stint(&["agent", "status"], &settings_root)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("No agent runs") && stderr(&out).contains("ermission denied"),
        "{}",
        stderr(&out)
    );
}
