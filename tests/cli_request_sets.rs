//! A request set through the `stint` binary (issue 14): alice asks for ReadOnlyAccess in
//! prod, staging and dev in one request; `stint ls` shows it as one line to her and to bob;
//! bob approves once; all three assignments appear in the simulator, alice's credentials
//! work in each account; one revoke by alice removes all three. An OU's accounts asked for
//! with `--ou` and rejected once end every member.
//!
//! Needs the `stint-broker` binary (`cargo build -p stint-broker`) and a Secret Service
//! (`scripts/with-keyring.sh`).

use std::time::Duration;

use serde_json::Value;
use stint_e2e::{Env, stderr, stdout};

/// The user's own (not a group's) assignments in prod, staging and dev, by account id, as
/// the simulator holds them.
fn held(env: &Env, user_id: &str) -> Vec<String> {
    const WORKLOADS: [&str; 3] = ["333333333333", "444444444444", "555555555555"];
    let mut accounts: Vec<String> = env
        .sim
        .assignments()
        .assignments
        .iter()
        .filter(|a| a.principal_type == "USER" && a.principal_id == user_id)
        .filter(|a| WORKLOADS.contains(&a.account_id.as_str()))
        .map(|a| a.account_id.clone())
        .collect();
    accounts.sort();
    accounts
}

/// Polls until every member of the set, read with `stint ls --json`, is in `state`.
async fn until_members(env: &Env, set: i64, state: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let ls = env.json(&["ls", "--json"]).await;
        let members: Vec<&Value> = ls["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["setId"] == set)
            .collect();
        if members.len() == 3 && members.iter().all(|m| m["state"] == state) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "set {set} never became {state}: {ls}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_accounts_in_one_request_approved_once_through_the_cli() {
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
    let me = alice.json(&["whoami", "--json"]).await;
    let alice_id = me["me"]["user"]["userId"].as_str().unwrap().to_owned();

    let set = alice
        .json(&[
            "request",
            "prod/ReadOnlyAccess",
            "--account",
            "staging,dev",
            "--for",
            "1h",
            "--reason",
            "compare the three environments",
            "--json",
        ])
        .await;
    assert_eq!(set["state"], "pending", "{set}");
    assert_eq!(set["members"].as_array().unwrap().len(), 3, "{set}");
    let id = set["id"].as_i64().unwrap();

    // One line for the set, in alice's requests and in bob's approvals.
    let out = alice.run(&["ls"]).await;
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with(&format!("set {id}"))
                && l.contains("prod,staging,dev/ReadOnlyAccess")
                && l.contains("pending")),
        "{}",
        stdout(&out)
    );
    let out = bob.run(&["ls"]).await;
    let table = stdout(&out);
    let waiting: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("prod,staging,dev/ReadOnlyAccess"))
        .collect();
    assert_eq!(waiting.len(), 1, "{table}");
    assert!(waiting[0].starts_with(&id.to_string()), "{}", waiting[0]);

    let out = bob.run(&["approve", &id.to_string()]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    until_members(&alice, id, "active").await;
    assert_eq!(
        held(&alice, &alice_id),
        ["333333333333", "444444444444", "555555555555"],
        "the three assignments"
    );
    for account in ["prod", "staging", "dev"] {
        let out = alice
            .run(&[
                "creds",
                &format!("{account}/ReadOnlyAccess"),
                "--format",
                "json",
            ])
            .await;
        assert!(out.status.success(), "creds in {account}: {}", stderr(&out));
    }

    // One revoke, of one member, ends all three.
    let last = set["members"][2]["id"].as_i64().unwrap();
    let out = alice.run(&["revoke", &last.to_string()]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    until_members(&alice, id, "ended").await;
    assert!(
        held(&alice, &alice_id).is_empty(),
        "assignments outlived the set"
    );

    // An OU's accounts, rejected once: every member is rejected.
    let ou = alice
        .json(&[
            "request",
            "Workloads/ReadOnlyAccess",
            "--ou",
            "--for",
            "1h",
            "--reason",
            "the whole workload OU",
            "--json",
        ])
        .await;
    let mut names: Vec<&str> = ou["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["account"]["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["dev", "prod", "staging"], "{ou}");
    let ou_id = ou["id"].as_i64().unwrap();
    let out = bob
        .run(&[
            "reject",
            &ou_id.to_string(),
            "--comment",
            "one account is enough",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    until_members(&alice, ou_id, "rejected").await;
}
