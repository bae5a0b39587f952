//! A second SDK shares Stint's login: boto3/botocore (from the repository's `.venv`),
//! pointed at the simulator with `AWS_ENDPOINT_URL_*`, (a) uses the token Stint wrote to
//! `~/.aws/sso/cache` through an `sso-session` profile, and (b) runs
//! `stint credential-process` through a `credential_process` profile. Each call must get
//! alice's identity from the simulator's STS.

use std::path::PathBuf;

use stint_e2e::{env, stderr, stdout};

const WHOAMI: &str = "import boto3, sys; \
print(boto3.Session(profile_name=sys.argv[1]).client('sts').get_caller_identity()['Arn'])";

fn python() -> Option<PathBuf> {
    let path = std::env::var_os("STINT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                std::env::var("CARGO_MANIFEST_DIR")
                    .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
            )
            .join("../.venv/bin/python")
        });
    if path.exists() {
        Some(path)
    } else {
        // In CI a missing prerequisite is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "no Python with boto3 at {}: scripts/install-python.sh must run before the tests",
            path.display()
        );
        eprintln!(
            "\n*** SKIPPED: no Python with boto3 at {} (run scripts/install-python.sh, or set STINT_PYTHON).\n",
            path.display()
        );
        None
    }
}

async fn boto3_arn(env: &stint_e2e::Env, python: &PathBuf, profile: &str) -> String {
    // The environment `stint` itself runs with (credential_process inherits it).
    let probe = env.stint(&[]);
    let mut cmd = tokio::process::Command::new(python);
    cmd.args(["-c", WHOAMI, profile]);
    for (k, v) in probe.as_std().get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().await.unwrap();
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_uses_the_shared_sso_token_and_credential_process() {
    let Some(python) = python() else { return };
    let Some(env) = env().await else { return };
    assert!(env.login("alice").await.status.success());

    // (a) sso-session profiles: botocore reads ~/.aws/sso/cache/<sha1(session)>.json.
    let out = env.run(&["setup", "profiles", "--style", "sso"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let since = env.sim.calls_since(0).last_seq;
    let arn = boto3_arn(&env, &python, "dev-ReadOnlyAccess").await;
    assert!(
        arn.starts_with("arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_ReadOnlyAccess_")
            && arn.ends_with("/alice"),
        "{arn}"
    );
    let calls = env.sim.calls_since(since).calls;
    assert!(
        calls.iter().any(|c| c.operation == "GetRoleCredentials"),
        "botocore fetched its own role credentials"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.operation == "StartDeviceAuthorization" || c.operation == "CreateToken"),
        "no second login: {calls:?}"
    );

    // (b) credential_process profiles run `stint credential-process`.
    let out = env.run(&["setup", "profiles", "--style", "process"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let arn = boto3_arn(&env, &python, "dev-ReadOnlyAccess").await;
    assert!(
        arn.ends_with("/alice") && arn.contains("AWSReservedSSO_ReadOnlyAccess_"),
        "{arn}"
    );
    let arn = boto3_arn(&env, &python, "identity-StintBaseline").await;
    assert!(
        arn.starts_with("arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_"),
        "{arn}"
    );
}

/// botocore's SSO token provider refreshes a token within 15 minutes of expiry with the
/// refresh token, client id and secret from the cache file, and writes the new one back.
const BOTOCORE_REFRESH: &str = "import boto3, sys; \
s = boto3.Session(profile_name=sys.argv[1]); \
print(s.client('sts').get_caller_identity()['Arn'])";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_refreshes_the_token_stint_wrote_after_a_browser_sign_in() {
    let Some(python) = python() else { return };
    // Tokens live 5 minutes: inside botocore's 15-minute refresh window from the start.
    let mut world = stint_sim::World::demo();
    let mut timing = world.timing().clone();
    timing.access_token_ttl = std::time::Duration::from_secs(300);
    world.set_timing(timing);
    let Some(env) = stint_e2e::env_in(world).await else {
        return;
    };
    let out = env.login("alice").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        env.opened_urls()[0].contains("/authorize?"),
        "a browser sign-in: {:?}",
        env.opened_urls()
    );
    let out = env.run(&["setup", "profiles", "--style", "sso"]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let read_cache = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(env.aws_cache_file()).unwrap()).unwrap()
    };
    let written = read_cache();
    let since = env.sim.calls_since(0).last_seq;
    let probe = env.stint(&[]);
    let mut cmd = tokio::process::Command::new(&python);
    cmd.args(["-c", BOTOCORE_REFRESH, "dev-ReadOnlyAccess"]);
    for (k, v) in probe.as_std().get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().await.unwrap();
    assert!(out.status.success(), "botocore failed: {}", stderr(&out));
    assert!(stdout(&out).trim().ends_with("/alice"), "{}", stdout(&out));

    let calls = env.sim.calls_since(since).calls;
    let refreshes = calls
        .iter()
        .filter(|c| c.operation == "CreateToken" && c.outcome == "ok")
        .filter(|c| c.fields.get("grantType").map(String::as_str) == Some("refresh_token"))
        .count();
    assert_eq!(refreshes, 1, "botocore refreshed once: {calls:?}");
    let refreshed = read_cache();
    assert_ne!(refreshed["accessToken"], written["accessToken"]);
    assert_eq!(
        refreshed["clientId"], written["clientId"],
        "with Stint's client"
    );
    assert!(
        refreshed["expiresAt"].as_str() >= written["expiresAt"].as_str(),
        "{refreshed} vs {written}"
    );

    // Stint carries on with the token botocore renewed (its refresh token rotated).
    let out = env
        .run(&["creds", "dev/ReadOnlyAccess", "--format", "json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
}
