//! The `stint` binary end to end against the simulator (no broker): login through the
//! browser hook (the browser sign-in; the device code in `cli_login.rs`), credentials that AWS accepts, console links, errors and exit codes,
//! and no secret in any file or log Stint did not promise to write.

use stint_e2e::{env, files_containing, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_credentials_console_and_logout() {
    let Some(env) = env().await else { return };

    let out = env.run(&["creds", "dev/ReadOnlyAccess"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: not logged in: run `stint login`"),
        "{}",
        stderr(&out)
    );

    let out = env.login("alice").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Opened your browser"),
        "{}",
        stderr(&out)
    );
    let url = &env.opened_urls()[0];
    assert!(
        url.starts_with(&format!("{}/authorize?response_type=code&", env.sim.url())),
        "the browser sign-in is the default: {url}"
    );
    let calls = env.sim.calls_since(0).calls;
    assert!(
        !calls
            .iter()
            .any(|c| c.operation == "StartDeviceAuthorization"),
        "{calls:?}"
    );

    // Credentials in bash syntax that AWS accepts, for the right role and person.
    let out = env
        .run(&["creds", "dev/ReadOnlyAccess", "--format", "env"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let exports = parse_exports(&stdout(&out));
    let arn = stint_e2e::caller_arn(
        &env,
        &exports["AWS_ACCESS_KEY_ID"],
        &exports["AWS_SECRET_ACCESS_KEY"],
        &exports["AWS_SESSION_TOKEN"],
    )
    .await;
    assert!(
        arn.starts_with("arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_ReadOnlyAccess_")
            && arn.ends_with("/alice"),
        "{arn}"
    );

    // credential_process output, served from the cache (same keys).
    let out = env
        .run(&["credential-process", "555555555555/ReadOnlyAccess"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert_eq!(doc["AccessKeyId"], exports["AWS_ACCESS_KEY_ID"].as_str());
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));

    // A console link that lands on the console page for the right account and role.
    let out = env
        .run(&[
            "console",
            "dev/ReadOnlyAccess",
            "--service",
            "s3",
            "--print",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let link = stdout(&out).trim().to_owned();
    let page: serde_json::Value = reqwest::Client::new()
        .get(&link)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["accountId"], "555555555555");
    assert_eq!(page["roleName"], "ReadOnlyAccess");
    assert_eq!(page["userName"], "alice");

    // A role alice does not hold: exit 4, one line, the next command.
    let out = env
        .run(&["creds", "333333333333/AdministratorAccess"])
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let last = stderr(&out).lines().last().unwrap_or_default().to_owned();
    assert!(
        last.starts_with("error: you have no access to 333333333333/AdministratorAccess"),
        "{last}"
    );
    // Without a broker only the portal's accounts have names: prod is not among them.
    let out = env.run(&["creds", "prod/AdministratorAccess"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let last = stderr(&out).lines().last().unwrap_or_default().to_owned();
    assert!(
        last.contains("no account `prod`") && last.contains("dev, identity"),
        "{last}"
    );

    // What alice holds, as a table and as JSON.
    let out = env.run(&["ls"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("ACCESS\nACCOUNT"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("dev")
            && l.contains("555555555555")
            && l.contains("ReadOnlyAccess")
            && l.contains("assigned now")),
        "{table}"
    );
    let out = env.run(&["ls", "--json"]).await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["access"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["accountId"] == "222222222222" && a["permissionSet"] == "StintBaseline"),
        "{doc}"
    );

    // whoami without a broker asks STS who the baseline role belongs to.
    let out = env.run(&["whoami"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("AWSReservedSSO_StintBaseline_"),
        "{}",
        stdout(&out)
    );

    // No secret outside the files Stint promised to write, nor in any log line.
    let cache: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.aws_cache_file()).unwrap()).unwrap();
    let secrets = [
        cache["accessToken"].as_str().unwrap().to_owned(),
        cache["refreshToken"].as_str().unwrap().to_owned(),
        cache["clientSecret"].as_str().unwrap().to_owned(),
        exports["AWS_SECRET_ACCESS_KEY"].clone(),
        exports["AWS_SESSION_TOKEN"].clone(),
    ];
    for secret in &secrets {
        let holders: Vec<_> = files_containing(env.home(), secret)
            .into_iter()
            .filter(|p| p != &env.aws_cache_file())
            .collect();
        assert!(holders.is_empty(), "a secret leaked into {holders:?}");
        let logs = std::fs::read_to_string(env.stderr_log()).unwrap();
        if let Some(at) = logs.find(secret.as_str()) {
            let line_start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
            panic!(
                "a secret leaked into the logs: {}",
                logs[line_start..line_end].replace(secret.as_str(), "<SECRET>")
            );
        }
    }

    let out = env.run(&["logout"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.aws_cache_file().exists());
    let out = env.run(&["creds", "dev/ReadOnlyAccess"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_write_and_setup_profiles_leave_the_users_entries_alone() {
    let Some(env) = env().await else { return };
    assert!(env.login("carol").await.status.success());
    let aws = env.home().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    // No final newline: removing the block must not add one.
    let user_config = "# mine\n[default]\nregion = eu-west-1";
    let user_creds = "[default]\naws_access_key_id = AKIAMINE\naws_secret_access_key = mine\n";
    std::fs::write(aws.join("config"), user_config).unwrap();
    std::fs::write(aws.join("credentials"), user_creds).unwrap();

    let out = env
        .run(&["profile", "write", "dev-ro", "dev/ReadOnlyAccess"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let creds = std::fs::read_to_string(aws.join("credentials")).unwrap();
    assert!(
        creds.starts_with(user_creds) && creds.contains("[dev-ro]\naws_access_key_id = ASIA"),
        "{creds}"
    );

    let out = env.run(&["setup", "profiles", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["written"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "profile dev-ReadOnlyAccess"),
        "{report}"
    );
    let config = std::fs::read_to_string(aws.join("config")).unwrap();
    assert!(config.starts_with(user_config), "{config}");
    assert!(
        config.contains(&format!(
            "credential_process = {} credential-process 555555555555/ReadOnlyAccess",
            stint_e2e::BIN.display()
        )),
        "{config}"
    );

    let out = env.run(&["setup", "profiles", "--remove"]).await;
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(aws.join("config")).unwrap(),
        user_config.as_bytes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configure_without_a_broker_checks_identity_center_and_saves() {
    let Some(env) = env().await else { return };
    let out = env.run(&["configure", "--export-format", "fish"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let saved = std::fs::read_to_string(env.home().join(".config/stint/config.toml")).unwrap();
    assert!(
        saved.contains(&format!("start_url = \"{}\"", env.sim.start_url())),
        "{saved}"
    );
    assert!(saved.contains("export_format = \"fish\""), "{saved}");
    // The check registered the OIDC client the first login will reuse.
    assert_eq!(
        env.sim
            .calls_since(0)
            .calls
            .iter()
            .filter(|c| c.operation == "RegisterClient")
            .count(),
        1
    );

    let out = env
        .run(&["configure", "--broker", "http://127.0.0.1:9"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(6),
        "an unreachable broker: {}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_documents_exit_codes_and_completions_print() {
    let Some(env) = env().await else { return };
    let out = env.run(&["--help"]).await;
    assert!(stdout(&out).contains("Exit codes:"));
    let out = env.run(&["completions", "bash"]).await;
    assert!(out.status.success());
    assert!(stdout(&out).contains("credential-process"));
    let out = env.run(&["creds", "not-a-target"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

fn parse_exports(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

/// Twenty `stint creds` processes at once, while the SSO token needs renewing (AWS
/// already considers it expired): exactly one refresh, no device login, one
/// GetRoleCredentials, and every process prints the same credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_processes_at_once_refresh_the_token_exactly_once() {
    let Some(env) = env().await else { return };
    assert!(env.login("alice").await.status.success());
    env.sim
        .advance_clock(std::time::Duration::from_secs(61 * 60));
    let since = env.sim.calls_since(0).last_seq;

    let runs = (0..20).map(|_| env.run(&["creds", "dev/ReadOnlyAccess", "--format", "json"]));
    let outputs = futures::future::join_all(runs).await;
    let mut keys = std::collections::BTreeSet::new();
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        keys.insert(doc["AccessKeyId"].as_str().unwrap().to_owned());
    }
    assert_eq!(keys.len(), 1, "every process got the same credentials");

    let calls = env.sim.calls_since(since).calls;
    let count = |op: &str, grant: Option<&str>| {
        calls
            .iter()
            .filter(|c| c.operation == op && c.outcome == "ok")
            .filter(|c| {
                grant.is_none_or(|g| c.fields.get("grantType").map(String::as_str) == Some(g))
            })
            .count()
    };
    assert_eq!(count("CreateToken", Some("refresh_token")), 1, "{calls:?}");
    assert_eq!(count("StartDeviceAuthorization", None), 0);
    assert_eq!(count("GetRoleCredentials", None), 1);
}
