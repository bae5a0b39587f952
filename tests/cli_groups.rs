//! A group-membership grant through the `stint` binary, the `stint-broker` process and
//! `stint-sim`: alice asks for `group:oncall-admins` for an hour, bob approves, Identity
//! Store holds her in the group, her portal lists the group's accounts (prod and staging,
//! AdministratorAccess), credentials from each make AWS name her role in that account,
//! `stint ls` shows the grant as the group; bob revokes it and the membership is gone, with
//! the two roles leaving her portal.
//!
//! Needs the `stint-broker` binary and a Secret Service, as `cli_story` does.

use std::time::Duration;

use serde_json::Value;
use stint_e2e::{Env, stderr, stdout};

/// Whether the simulator holds alice in oncall-admins (its own state, not Stint's word).
fn alice_in_oncall(env: &Env) -> bool {
    env.sim
        .memberships()
        .memberships
        .iter()
        .any(|m| m.group_name == "oncall-admins" && m.user_name == "alice")
}

/// The (account, permission set) pairs alice's portal says she holds now.
fn assigned(ls: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ls["access"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["assigned"] == true)
        .map(|a| {
            (
                a["accountName"].as_str().unwrap_or_default().to_owned(),
                a["permissionSet"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn admin_in(account: &str) -> (String, String) {
    (account.to_owned(), "AdministratorAccess".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_joins_oncall_admins_for_an_hour_and_leaves_it() {
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
    let before = assigned(&alice.json(&["ls", "--json"]).await);
    assert!(!before.contains(&admin_in("prod")), "{before:?}");

    // A group the policy does not make grantable is refused, saying which ones are.
    let out = alice
        .run(&[
            "request",
            "group:sre-leads",
            "--for",
            "1h",
            "--reason",
            "curious",
        ])
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("oncall-admins"), "{}", stderr(&out));

    let asked = alice
        .json(&[
            "request",
            "group:oncall-admins",
            "--for",
            "1h",
            "--reason",
            "INC-77 paged for payments",
            "--json",
        ])
        .await;
    assert_eq!(asked["state"], "pending", "{asked}");
    assert_eq!(asked["group"]["name"], "oncall-admins", "{asked}");
    let id = asked["id"].as_i64().unwrap();
    assert!(!alice_in_oncall(&alice), "added before approval");

    // bob sees it as a group to approve, and approves.
    let out = bob.run(&["ls"]).await;
    let text = stdout(&out);
    let waiting = text
        .split("WAITING FOR YOUR APPROVAL")
        .nth(1)
        .unwrap_or_else(|| panic!("nothing waits for bob: {text}"));
    assert!(waiting.contains("group:oncall-admins"), "{text}");
    let out = bob.run(&["approve", &id.to_string()]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    // Active: Identity Store holds her, and her portal lists the group's two accounts.
    let ls = alice
        .until_ls("the group grant becoming active", |ls| {
            assigned(ls).contains(&admin_in("staging"))
                && ls["grants"]
                    .as_array()
                    .is_some_and(|g| g.iter().any(|g| g["requestId"] == id))
        })
        .await;
    assert!(alice_in_oncall(&alice));
    let held = assigned(&ls);
    assert!(held.contains(&admin_in("prod")), "{held:?}");
    let out = alice.run(&["ls"]).await;
    let text = stdout(&out);
    let grants = text
        .split("ACTIVE GRANTS")
        .nth(1)
        .unwrap_or_else(|| panic!("no ACTIVE GRANTS in {text}"));
    assert!(
        grants.lines().any(|l| l.starts_with(&id.to_string())
            && l.contains(
                "group:oncall-admins (gives prod/AdministratorAccess, staging/AdministratorAccess)"
            )),
        "the grant lists the roles the group gives: {text}"
    );
    // Her roles there are held through the grant, not standing.
    let access = text.split("ACTIVE GRANTS").next().unwrap_or_default();
    for account in ["prod", "staging"] {
        assert!(
            access.lines().any(|l| l.starts_with(account)
                && l.contains("AdministratorAccess")
                && l.contains(&format!("grant {id} (group:oncall-admins)"))),
            "{account}/AdministratorAccess not shown as held through grant {id}: {text}"
        );
    }

    // Credentials work in both accounts, as alice's AdministratorAccess role there.
    for (account, account_id) in [("prod", "333333333333"), ("staging", "444444444444")] {
        let target = format!("{account}/AdministratorAccess");
        let creds = alice.json(&["creds", &target, "--format", "json"]).await;
        assert_eq!(creds["AccountId"], account_id, "{creds}");
        let arn = stint_e2e::caller_arn(
            &alice,
            creds["AccessKeyId"].as_str().unwrap(),
            creds["SecretAccessKey"].as_str().unwrap(),
            creds["SessionToken"].as_str().unwrap(),
        )
        .await;
        assert!(
            arn.starts_with(&format!(
                "arn:aws:sts::{account_id}:assumed-role/AWSReservedSSO_AdministratorAccess_"
            )) && arn.ends_with("/alice"),
            "{arn}"
        );
    }

    // bob revokes it: the membership is gone, and the roles leave her portal.
    let out = bob
        .run(&["revoke", &id.to_string(), "--comment", "incident over"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    // (`ls` reads the portal before the broker: both must have moved on.)
    alice
        .until_ls("the group grant ending and its roles leaving", |ls| {
            let after = assigned(ls);
            ls["requests"]
                .as_array()
                .is_some_and(|a| a.iter().any(|r| r["id"] == id && r["state"] == "ended"))
                && !after.contains(&admin_in("prod"))
                && !after.contains(&admin_in("staging"))
        })
        .await;
    assert!(!alice_in_oncall(&alice), "membership outlived the grant");

    // Her cached credentials came from the group grant: once the broker's grant check
    // (at most every 15 s) says it is over, `creds` says the access ended, naming the grant
    // and suggesting the group be asked for again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let out = alice
            .run(&["creds", "prod/AdministratorAccess", "--format", "json"])
            .await;
        if out.status.code() == Some(5) {
            let err = stderr(&out);
            assert!(err.contains(&format!("{id}")), "names the grant: {err}");
            // What to run next is the group's request, not the role on its own (which
            // alice is not eligible for).
            assert!(
                err.contains("through group:oncall-admins")
                    && err.contains("`stint request group:oncall-admins --for"),
                "suggests asking for the group again: {err}"
            );
            assert!(
                !err.contains("stint request prod/"),
                "suggests the role: {err}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "credentials of the revoked group grant still handed out: {} {}",
            stdout(&out),
            stderr(&out)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
