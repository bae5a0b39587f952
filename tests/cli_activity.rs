//! Session activity end to end (issue 15): simulator + `stint-broker serve` reading the
//! simulator's organization trail through Logs Insights + the `stint` binary. alice gets a
//! grant, calls AWS with the credentials `stint creds` exported (the AWS SDK) and opens the
//! console; after the trail's delivery delay `stint activity` lists both, in order, with
//! their fields. The grant ends; her credentials still work, and the call she makes with
//! them is flagged, and dave, an auditor following `stint watch`, is told.
//!
//! Needs the `stint-broker` binary and a Secret Service, like `cli_story`.

use std::time::Duration;

use serde_json::Value;
use stint_e2e::{Env, stderr, stdout};

const LOG_GROUP: &str = "aws-cloudtrail-logs-stint-demo-org-trail";

/// Polls `stint activity ID --json` until it lists `count` events (60 s at most): the
/// trail delivers late.
async fn activity_with(env: &Env, id: &str, count: usize) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let page = env.json(&["activity", id, "--json"]).await;
        if page["items"].as_array().is_some_and(|i| i.len() >= count) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the trail never showed {count} events: {page}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn names(page: &Value) -> Vec<(String, bool)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["eventName"].as_str().unwrap().to_owned(),
                e["afterWindow"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_console_sign_ins_are_listed_and_use_after_the_window_reaches_an_auditor() {
    let Some(bin) = stint_e2e::broker::broker_bin() else {
        return;
    };
    let world = stint_sim::World::from_toml_str(
        &stint_sim::DEMO_WORLD_TOML.replace("delivery_delay = \"30s\"", "delivery_delay = \"2s\""),
        "demo-quick-trail.toml",
    )
    .expect("the edited demo world");
    let Some(alice) = stint_e2e::env_in(world).await else {
        return;
    };
    let broker = stint_e2e::broker::start_broker_with(
        &bin,
        &alice.sim,
        &format!(
            "[activity]\nlog_group = \"{LOG_GROUP}\"\ndelivery_lag = \"2s\"\nwatch_interval = \"10s\"\nquery_timeout = \"20s\"\n"
        ),
    )
    .await;
    let alice = alice.without_overrides();
    let dave = Env::sharing(&alice, "dave");
    for (who, name) in [(&alice, "alice"), (&dave, "dave")] {
        let out = who.run(&["configure", "--broker", &broker.url]).await;
        assert!(out.status.success(), "configure: {}", stderr(&out));
        let out = who.login(name).await;
        assert!(out.status.success(), "login: {}", stderr(&out));
    }
    // dave (security-auditors) follows the event stream.
    let watch_log = dave.home().join("watch.jsonl");
    let watch_err = dave.home().join("watch.stderr");
    let _watch = dave
        .stint(&["watch", "--json"])
        .stdout(std::fs::File::create(&watch_log).unwrap())
        .stderr(std::fs::File::create(&watch_err).unwrap())
        .spawn()
        .unwrap();
    stint_e2e::wait_for(|| {
        let text = std::fs::read_to_string(&watch_err).ok()?;
        text.contains("Watching for changes").then_some(())
    })
    .await;

    // dev/PowerUserAccess needs no approval for engineers.
    let grant = alice
        .json(&[
            "request",
            "dev/PowerUserAccess",
            "--for",
            "30m",
            "--reason",
            "check the deploy",
            "--wait",
            "--json",
        ])
        .await;
    assert_eq!(grant["state"], "active", "{grant}");
    let id = grant["id"].to_string();
    let account = grant["account"]["id"].as_str().unwrap().to_owned();

    // A call with the exported credentials, then a console sign-in, a second apart
    // (CloudTrail's times are whole seconds).
    let creds = alice
        .json(&["creds", "dev/PowerUserAccess", "--format", "json"])
        .await;
    let key = creds["AccessKeyId"].as_str().unwrap().to_owned();
    let secret = creds["SecretAccessKey"].as_str().unwrap().to_owned();
    let token = creds["SessionToken"].as_str().unwrap().to_owned();
    let arn = stint_e2e::caller_arn(&alice, &key, &secret, &token).await;
    assert!(arn.ends_with("/alice"), "{arn}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = alice
        .run(&["console", "dev/PowerUserAccess", "--print"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let landed = reqwest::Client::new()
        .get(stdout(&out).trim())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(landed.status().is_success(), "{}", landed.status());

    let page = activity_with(&alice, &id, 2).await;
    assert_eq!(
        names(&page),
        [
            ("GetCallerIdentity".to_owned(), false),
            ("ConsoleLogin".to_owned(), false)
        ],
        "{page}"
    );
    let first = &page["items"][0];
    assert_eq!(first["eventSource"], "sts.amazonaws.com");
    assert_eq!(first["arn"], arn.as_str());
    assert!(
        arn.starts_with(&format!(
            "arn:aws:sts::{account}:assumed-role/AWSReservedSSO_PowerUserAccess_"
        )),
        "{arn}"
    );
    assert_eq!(page["items"][1]["eventType"], "AwsConsoleSignIn");
    assert_eq!(page["deliveryLagSecs"], 2);
    // The text says when the trail was read and that it is late.
    let out = alice.run(&["activity", &id]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("GetCallerIdentity") && text.contains("ConsoleLogin"),
        "{text}"
    );
    assert!(text.contains("As of ") && text.contains("late"), "{text}");
    assert!(!text.contains("AFTER WINDOW"), "{text}");

    // The grant ends early; the credentials stay valid to their own expiry and are used.
    let out = alice.run(&["revoke", &id, "--comment", "done"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while alice.json(&["ls", "--json"]).await["requests"]
        .as_array()
        .is_none_or(|a| {
            !a.iter()
                .any(|r| r["id"] == grant["id"] && r["state"] == "ended")
        })
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the grant never ended"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    stint_e2e::caller_arn(&alice, &key, &secret, &token).await;

    let page = activity_with(&alice, &id, 3).await;
    assert_eq!(
        names(&page)[2],
        ("GetCallerIdentity".to_owned(), true),
        "{page}"
    );
    assert_eq!(page["afterWindowCount"], 1);
    let out = alice.run(&["activity", &id]).await;
    let text = stdout(&out);
    assert!(text.contains("AFTER WINDOW"), "{text}");
    assert!(text.contains("1 event after the window ended"), "{text}");

    // The broker's watch finds it and the auditor is told on his event stream.
    let told = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let found = std::fs::read_to_string(&watch_log)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|e| e["kind"] == "used_after_window" && e["request"]["id"] == grant["id"]);
            if let Some(event) = found {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
    .await
    .expect("dave's watch was told of the use after the window");
    assert_eq!(told["request"]["requester"]["userName"], "alice");
}
