//! The whole story through the `stint` binary: simulator + `stint-broker` + two people.
//! alice configures from the broker, logs in, asks for prod access and waits; bob
//! approves; alice's credentials make AWS name her role; her console link lands on the
//! right account; once the grant ends, `creds` says the access ended. Along the way, the
//! errors a person meets: not eligible (with what to ask for instead) and not approved yet.
//!
//! Needs the `stint-broker` binary (built by a workspace `cargo test`, or
//! `cargo build -p stint-broker`; `STINT_BROKER_BIN` points elsewhere) and a Secret Service
//! (`scripts/with-keyring.sh`).

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use stint_e2e::{Env, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_approve_use_and_lose_access_through_the_cli() {
    let Some(bin) = stint_e2e::broker::broker_bin() else {
        return;
    };
    let Some(alice) = stint_e2e::env().await else {
        return;
    };
    let broker = stint_e2e::broker::start_broker(&bin, &alice.sim).await;
    // Each person has their own HOME and keyring entries; only the broker URL is given,
    // the rest comes from the broker.
    let alice = alice.without_overrides();
    let bob = Env::sharing(&alice, "bob");
    for (who, name) in [(&alice, "alice"), (&bob, "bob")] {
        let out = who.run(&["configure", "--broker", &broker.url]).await;
        assert!(out.status.success(), "configure: {}", stderr(&out));
        let out = who.login(name).await;
        assert!(out.status.success(), "login: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("Signed in to Stint as {name}")),
            "{}",
            stderr(&out)
        );
    }

    // Each CLI is signed in to the broker as its own person.
    let who = alice.json(&["whoami", "--json"]).await;
    assert_eq!(who["me"]["user"]["userName"], "alice", "{who}");
    // Not eligible: one line, with what alice may ask for instead.
    let out = alice
        .run(&[
            "request",
            "111111111111/BillingReadOnly",
            "--for",
            "1h",
            "--reason",
            "curious",
        ])
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let out = alice.run(&["creds", "111111111111/BillingReadOnly"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let line = stderr(&out).lines().last().unwrap_or_default().to_owned();
    assert!(
        line.starts_with(
            "error: you are not eligible for 111111111111/BillingReadOnly: you may request "
        ),
        "{line}"
    );
    assert!(line.contains("prod/ReadOnlyAccess"), "{line}");

    // Not approved yet.
    let staging = alice
        .json(&[
            "request",
            "staging/ReadOnlyAccess",
            "--for",
            "1h",
            "--reason",
            "look at logs",
            "--json",
        ])
        .await;
    assert_eq!(staging["state"], "pending");
    let out = alice.run(&["creds", "staging/ReadOnlyAccess"]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "request {} for staging/ReadOnlyAccess is pending",
            staging["id"]
        )),
        "{}",
        stderr(&out)
    );
    let out = alice.run(&["cancel", &staging["id"].to_string()]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    // bob follows the event stream while alice asks for prod and waits; bob approves.
    let watch_log = bob.home().join("watch.jsonl");
    let watch_err = bob.home().join("watch.stderr");
    let _watch = bob
        .stint(&["watch", "--json"])
        .stdout(std::fs::File::create(&watch_log).unwrap())
        .stderr(std::fs::File::create(&watch_err).unwrap())
        .spawn()
        .unwrap();
    // Connected before alice asks: a stream opened without Last-Event-ID starts from now.
    stint_e2e::wait_for(|| {
        let text = std::fs::read_to_string(&watch_err).ok()?;
        text.contains("Watching for changes").then_some(())
    })
    .await;
    let mut waiting = alice
        .stint(&[
            "request",
            "prod/ReadOnlyAccess",
            "--for",
            "1h",
            "--reason",
            "INC-42 outage",
            "--wait",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(alice.home().join("wait.stderr")).unwrap())
        .spawn()
        .unwrap();
    let ls = bob
        .until_ls("the request reaching bob", |ls| {
            ls["approvable"]
                .as_array()
                .is_some_and(|a| a.iter().any(|r| r["account"]["name"] == "prod"))
        })
        .await;
    let id = ls["approvable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"]["name"] == "prod")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let id_arg = id.to_string();
    // bob's watch showed him the new request as one to approve.
    let watched = stint_e2e::wait_for(|| {
        let text = std::fs::read_to_string(&watch_log).ok()?;
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|e| e["kind"] == "approval_changed" && e["request"]["id"] == id)
    })
    .await;
    assert_eq!(watched["request"]["requester"]["userName"], "alice");
    let out = bob
        .run(&["approve", &id_arg, "--comment", "go ahead"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));

    let waited = tokio::time::timeout(Duration::from_secs(120), waiting.wait())
        .await
        .expect("--wait returns")
        .unwrap();
    let mut out = String::new();
    tokio::io::AsyncReadExt::read_to_string(waiting.stdout.as_mut().unwrap(), &mut out)
        .await
        .unwrap();
    assert!(
        waited.success(),
        "request --wait: {}",
        std::fs::read_to_string(alice.home().join("wait.stderr")).unwrap()
    );
    let active: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(active["state"], "active");

    // `stint ls` tells the role the grant gives from the one alice holds without asking.
    let out = alice.run(&["ls"]).await;
    let table = stdout(&out);
    assert!(
        table.lines().any(|l| l.starts_with("prod")
            && l.contains("ReadOnlyAccess")
            && l.contains(&format!("assigned now, grant {id} until "))),
        "{table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("dev")
            && l.contains("ReadOnlyAccess")
            && l.contains("assigned now, standing")),
        "{table}"
    );

    // Credentials that AWS says are alice's, in prod, as ReadOnlyAccess.
    let creds = alice
        .json(&["creds", "prod/ReadOnlyAccess", "--format", "json"])
        .await;
    assert_eq!(creds["AccountId"], "333333333333");
    let arn = stint_e2e::caller_arn(
        &alice,
        creds["AccessKeyId"].as_str().unwrap(),
        creds["SecretAccessKey"].as_str().unwrap(),
        creds["SessionToken"].as_str().unwrap(),
    )
    .await;
    assert!(
        arn.starts_with("arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_ReadOnlyAccess_")
            && arn.ends_with("/alice"),
        "{arn}"
    );

    // The console link lands on prod as ReadOnlyAccess.
    let out = alice
        .run(&["console", "prod/ReadOnlyAccess", "--print"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let page: Value = reqwest::Client::new()
        .get(stdout(&out).trim())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["accountId"], "333333333333");
    assert_eq!(page["roleName"], "ReadOnlyAccess");
    assert_eq!(page["userName"], "alice");

    // alice asks for 30 minutes more: until bob decides, the end stays, and she is told
    // the extension waits (not only "active until" the old end).
    let out = alice.run(&["extend", &id_arg, "--by", "30m"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.lines().any(|l| l.starts_with("The extension to ")
            && l.ends_with(" waits for an approver's decision.")),
        "{said}"
    );

    // The grant ends (bob revokes it); alice's next `creds` says so, cache or not.
    let out = bob
        .run(&["revoke", &id_arg, "--comment", "incident over"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    alice
        .until_ls("the grant ending", |ls| {
            ls["requests"]
                .as_array()
                .is_some_and(|a| a.iter().any(|r| r["id"] == id && r["state"] == "ended"))
        })
        .await;
    // Without an agent the broker's word that a grant is active is trusted for
    // GRANT_CHECK_TTL: within that (plus slack) `creds` must say it ended.
    let revoked = tokio::time::Instant::now();
    let out = loop {
        let out = alice.run(&["creds", "prod/ReadOnlyAccess"]).await;
        if out.status.code() != Some(0) {
            break out;
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(15 + 10),
            "creds still served 25 s after the revoke"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let line = stderr(&out).lines().last().unwrap_or_default().to_owned();
    assert!(
        line.starts_with("error: your access to prod/ReadOnlyAccess ended at "),
        "{line}"
    );
    assert!(line.contains("stint request prod/ReadOnlyAccess"), "{line}");
}

/// Free text is text (issue 9): the CLI refuses a reason holding an escape sequence
/// before sending it (the broker would too), and `stint ls` prints one that is already
/// stored — written into the database as a broker from before the rule could have kept it —
/// escaped, for the requester and for the approver who reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_are_refused_and_stored_ones_print_escaped() {
    let Some(bin) = stint_e2e::broker::broker_bin() else {
        return;
    };
    let Some(alice) = stint_e2e::env().await else {
        return;
    };
    let broker = stint_e2e::broker::start_broker(&bin, &alice.sim).await;
    let alice = alice.without_overrides();
    let bob = Env::sharing(&alice, "bob");
    for (who, name) in [(&alice, "alice"), (&bob, "bob")] {
        let out = who.run(&["configure", "--broker", &broker.url]).await;
        assert!(out.status.success(), "configure: {}", stderr(&out));
        let out = who.login(name).await;
        assert!(out.status.success(), "login: {}", stderr(&out));
    }

    let osc = "fix \u{1b}]0;pwned\u{7} now";
    let ask = |reason: &'static str, duration: &'static str| {
        [
            "request",
            "prod/ReadOnlyAccess",
            "--for",
            duration,
            "--reason",
            reason,
            "--json",
        ]
    };
    let out = alice.run(&ask(osc, "1h")).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the reason holds a control character (U+001B) at character 5"),
        "{}",
        stderr(&out)
    );
    // One duration grammar: a bare number says how to write it.
    let out = alice.run(&ask("on call", "45")).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("45m"), "{}", stderr(&out));
    let out = alice.run(&["ls", "--json"]).await;
    let ls: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ls["requests"],
        Value::Array(vec![]),
        "a refused request was sent"
    );

    let created = alice.json(&ask("placeholder", "1h")).await;
    let id = created["id"].as_i64().unwrap();
    let update = format!(
        "UPDATE requests SET reason = 'fix ' || char(27) || ']0;pwned' || char(7) || ' now' WHERE id = {id};"
    );
    let sql = tokio::process::Command::new("sqlite3")
        .args(["-cmd", ".timeout 5000"])
        .arg(&broker.db)
        .arg(&update)
        .output()
        .await
        .expect("sqlite3 runs (scripts/install-system.sh installs it)");
    assert!(sql.status.success(), "{}", stderr(&sql));
    // The stored text really holds the escape sequence.
    let stored = alice.json(&["ls", "--json"]).await;
    assert_eq!(stored["requests"][0]["reason"], osc, "{stored}");

    for (who, section) in [(&alice, "MY REQUESTS"), (&bob, "WAITING FOR YOUR APPROVAL")] {
        let out = who.run(&["ls"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            !out.stdout.iter().any(|b| matches!(b, 0x1b | 0x07)),
            "raw control bytes printed: {text:?}"
        );
        let shown = text
            .split(section)
            .nth(1)
            .unwrap_or_else(|| panic!("no {section} in {text}"));
        assert!(shown.contains("fix \\u{1b}]0;pwned\\u{7} now"), "{text}");
    }

    // Groups alice may join for a time, with what each gives; bob approves them and sees none.
    let out = alice.run(&["ls"]).await;
    let text = stdout(&out);
    let groups = text
        .split("GROUPS (membership for a time)")
        .nth(1)
        .unwrap_or_else(|| panic!("no GROUPS section in {text}"));
    assert!(
        groups.lines().any(|l| l.starts_with("oncall-admins")
            && l.contains("prod/AdministratorAccess, staging/AdministratorAccess")
            && l.contains("needs approval")),
        "{text}"
    );
    // dev/PowerUserAccess is self-service for 4 h and needs approval up to 8 h: the list
    // says both, not a flat "needs approval".
    assert!(
        text.lines().any(|l| l.starts_with("dev ")
            && l.contains("PowerUserAccess")
            && l.contains("8h")
            && l.contains("no approval up to 4h 00m")),
        "{text}"
    );
    let ls = alice.json(&["ls", "--json"]).await;
    assert_eq!(ls["groups"][0]["name"], "oncall-admins", "{ls}");
    assert!(!stdout(&bob.run(&["ls"]).await).contains("GROUPS"));
}
