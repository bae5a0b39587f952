//! `stint-broker doctor` as a process against `stint-sim`: the demo world passes every
//! check; broken worlds — the baseline missing, the baseline granting permissions, policy
//! groups without the baseline, a policy naming a group Identity Center lacks or one an
//! external IdP provisions — and a broken setup — unknown AWS keys, an STS allow-list
//! entry nothing answers on — are each named on their own line with what to fix.

use std::process::Output;
use std::time::Duration;

use stint_sim::{RunningSim, World};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_stint-broker");
const DEMO_POLICY: &str = include_str!("../../demo/policies.toml");

struct Setup {
    sim: RunningSim,
    dir: tempfile::TempDir,
}

async fn setup(edit_world: impl FnOnce(&str) -> String, extra_sts: Option<&str>) -> Setup {
    let world = World::from_toml_str(&edit_world(stint_sim::DEMO_WORLD_TOML), "doctor.toml")
        .expect("the edited world is valid");
    let sim = stint_sim::spawn(world).await.expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let sts = match extra_sts {
        Some(extra) => format!("\"{}\", \"{extra}\"", sim.url()),
        None => format!("\"{}\"", sim.url()),
    };
    let config = format!(
        r#"
database_url = "sqlite://{db}"
policy_file = "policies.toml"

[identity_center]
region = "{region}"
instance_arn = "{instance}"
baseline_account = "222222222222"
sts_hosts = [{sts}]

[activity]
log_group = "{log_group}"
"#,
        log_group = sim.world().cloudtrail().log_group,
        db = dir.path().join("stint.db").display(),
        region = sim.region(),
        instance = sim.instance_arn(),
    );
    std::fs::write(dir.path().join("broker.toml"), config).unwrap();
    std::fs::write(dir.path().join("policies.toml"), DEMO_POLICY).unwrap();
    Setup { sim, dir }
}

impl Setup {
    async fn doctor(&self, key_id: &str, secret: &str) -> (Output, String) {
        let out = tokio::time::timeout(
            Duration::from_secs(120),
            Command::new(BIN)
                .args(["doctor", "--config"])
                .arg(self.dir.path().join("broker.toml"))
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", self.dir.path())
                .env("AWS_ENDPOINT_URL", self.sim.url())
                .env("AWS_ACCESS_KEY_ID", key_id)
                .env("AWS_SECRET_ACCESS_KEY", secret)
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .output(),
        )
        .await
        .expect("doctor finishes within two minutes")
        .expect("doctor runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out, stdout)
    }

    async fn doctor_as_operator(&self) -> (Output, String) {
        let op = self.sim.operator_credentials();
        self.doctor(&op.access_key_id, op.secret_access_key.expose())
            .await
    }
}

/// The line of check `name`, which must be there exactly once.
fn line<'a>(report: &'a str, name: &str) -> &'a str {
    let found: Vec<&str> = report
        .lines()
        .filter(|l| {
            l.get(5..)
                .is_some_and(|rest| rest.starts_with(&format!("{name}: ")))
        })
        .collect();
    assert_eq!(found.len(), 1, "one `{name}` line in:\n{report}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_world_passes_every_check() {
    let setup = setup(str::to_owned, None).await;
    // A database `serve` has already set up.
    let url = format!("sqlite://{}", setup.dir.path().join("stint.db").display());
    drop(stint_broker::store::open(&url).await.unwrap());

    let assignments_before = setup.sim.assignments().assignments;

    let (out, report) = setup.doctor_as_operator().await;
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "instance",
        "baseline",
        "baseline-grants",
        "baseline-assigned",
        "policy",
        "permissions",
        "sts",
        "clock",
        "database",
        "activity",
    ] {
        assert!(line(&report, name).starts_with("ok   "), "{report}");
    }
    assert_eq!(report.lines().count(), 10, "one line per check:\n{report}");
    assert!(
        line(&report, "policy")
            .contains("6 eligibility and 2 approval rule(s), 1 grantable group(s)"),
        "{report}"
    );
    assert!(
        line(&report, "baseline-assigned").contains("all 6 people"),
        "{report}"
    );
    let permissions = line(&report, "permissions");
    let policy_calls = stint_broker::doctor::policy_actions().len();
    assert!(
        permissions.contains(&format!("all {policy_calls} calls")),
        "{report}"
    );
    assert!(
        line(&report, "database").contains("schema current"),
        "{report}"
    );

    // Tried harmlessly: the create and delete named nobody, and nothing changed.
    let writes: Vec<_> = setup
        .sim
        .calls_since(0)
        .calls
        .into_iter()
        .filter(|c| c.operation.ends_with("AccountAssignment"))
        .collect();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(
        writes
            .iter()
            .all(|c| c.outcome == "ResourceNotFoundException"),
        "{writes:?}"
    );
    let after = setup.sim.assignments();
    assert_eq!(after.assignments, assignments_before);
    assert!(after.operations.is_empty(), "{:?}", after.operations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_with_permissions_and_groups_without_it_are_each_named() {
    let setup = setup(
        |world| {
            world
                .replace(
                    "inline_policy = '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}'",
                    "managed_policies = [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]\ninline_policy = '{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}'",
                )
                .replace(
                    "permission_set = \"StintBaseline\"\ngroup = \"everyone\"",
                    "permission_set = \"StintBaseline\"\ngroup = \"engineers\"",
                )
        },
        Some("http://127.0.0.1:9"),
    )
    .await;
    let (out, report) = setup.doctor_as_operator().await;
    assert_eq!(out.status.code(), Some(1), "{report}");

    let grants = line(&report, "baseline-grants");
    assert!(grants.starts_with("FAIL"), "{report}");
    assert!(
        grants.contains("managed policy arn:aws:iam::aws:policy/ReadOnlyAccess"),
        "{grants}"
    );
    assert!(
        grants.contains("inline policy with 1 Allow statement"),
        "{grants}"
    );
    assert!(grants.contains("fix: "), "{grants}");

    let assigned = line(&report, "baseline-assigned");
    assert!(assigned.starts_with("FAIL"), "{report}");
    for expected in [
        "group sre-leads: bob, grace without it",
        "group security-auditors: dave without it",
        "group stint-admins: erin without it",
    ] {
        assert!(assigned.contains(expected), "{expected} in {assigned}");
    }
    assert!(!assigned.contains("group engineers"), "{assigned}");
    assert!(
        assigned.contains("fix: assign StintBaseline in 222222222222"),
        "{assigned}"
    );

    let sts = line(&report, "sts");
    assert!(
        sts.starts_with("FAIL") && sts.contains("http://127.0.0.1:9"),
        "{sts}"
    );
    // What works still says so.
    assert!(line(&report, "instance").starts_with("ok"), "{report}");
    assert!(line(&report, "permissions").starts_with("ok"), "{report}");
    // A database not created yet is only a warning.
    assert!(line(&report, "database").starts_with("WARN"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_baseline_is_named_and_what_needs_it_is_skipped() {
    let setup = setup(
        |world| world.replace("\"StintBaseline\"", "\"LegacyBaseline\""),
        None,
    )
    .await;
    let (out, report) = setup.doctor_as_operator().await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let baseline = line(&report, "baseline");
    assert!(baseline.starts_with("FAIL"), "{report}");
    assert!(
        baseline.contains("no permission set named StintBaseline"),
        "{baseline}"
    );
    assert!(baseline.contains("LegacyBaseline"), "{baseline}");
    assert!(baseline.contains("fix: create StintBaseline"), "{baseline}");
    for name in ["baseline-grants", "baseline-assigned", "permissions"] {
        assert!(line(&report, name).starts_with("skip"), "{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_identity_center_does_not_know_are_refused_and_said_so() {
    let setup = setup(str::to_owned, None).await;
    let (out, report) = setup
        .doctor(
            "AKIASTINTNOBODY00000",
            "not-a-key-the-simulator-knows-0000000000",
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "{report}");
    let instance = line(&report, "instance");
    assert!(instance.starts_with("FAIL"), "{report}");
    assert!(instance.contains("denied"), "{instance}");
    assert!(
        instance.contains("fix: check the broker's AWS credentials"),
        "{instance}"
    );
    // The secret key is never printed.
    assert!(!report.contains("not-a-key"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_is_resolved_live_and_an_external_idp_group_is_a_warning() {
    let setup = setup(str::to_owned, None).await;
    let policy = setup.dir.path().join("policies.toml");
    // prod-readers carries an Okta external id in the demo world.
    std::fs::write(
        &policy,
        DEMO_POLICY.replace(
            "grantable_groups = [\"oncall-admins\"]  #",
            "grantable_groups = [\"oncall-admins\", \"prod-readers\"]  #",
        ),
    )
    .unwrap();
    let (out, report) = setup.doctor_as_operator().await;
    let found = line(&report, "policy");
    assert!(found.starts_with("WARN "), "{report}");
    assert!(
        found.contains("\"prod-readers\" is provisioned from an external identity provider (https://example.okta.com)"),
        "{report}"
    );
    assert!(
        out.status.success(),
        "a warning is not a failure:\n{report}"
    );

    // A group Identity Center does not have: serve would refuse to start, so doctor fails.
    std::fs::write(
        &policy,
        DEMO_POLICY.replace(
            "grantable_groups = [\"oncall-admins\"]  #",
            "grantable_groups = [\"oncall-admin\"]  #",
        ),
    )
    .unwrap();
    let (out, report) = setup.doctor_as_operator().await;
    let found = line(&report, "policy");
    assert!(found.starts_with("FAIL "), "{report}");
    assert!(
        found.contains("grantable group \"oncall-admin\", which Identity Center does not have; did you mean \"oncall-admins\"?"),
        "{report}"
    );
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_group_that_is_not_the_trails_fails_the_activity_check() {
    let setup = setup(str::to_owned, None).await;
    let path = setup.dir.path().join("broker.toml");
    let config = std::fs::read_to_string(&path).unwrap().replace(
        &setup.sim.world().cloudtrail().log_group,
        "aws-cloudtrail-logs-not-this-one",
    );
    std::fs::write(&path, config).unwrap();
    let (out, report) = setup.doctor_as_operator().await;
    assert!(!out.status.success(), "{report}");
    let activity = line(&report, "activity");
    assert!(
        activity.starts_with("FAIL") && activity.contains("aws-cloudtrail-logs-not-this-one"),
        "{report}"
    );
    assert!(
        report.contains("[activity]"),
        "the fix names the table: {report}"
    );
}
