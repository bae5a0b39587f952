//! The client core against the simulator, over real HTTP with the real AWS SDK clients:
//! device login, silent renewal, one login and one renewal per machine, role credentials
//! and their cache, the signed identity request, and console links.

mod support;

use std::time::Duration;

use stint_client::sso::{LoginHooks, LoginProgress, LoginStatus};
use stint_client::store::SecretStore;
use stint_client::{ConsoleRequest, Error, ProfileStyle, Target};
use support::{BASELINE_ACCOUNT, DEV_ACCOUNT, Harness};

fn target(s: &str) -> Target {
    s.parse().unwrap()
}

#[tokio::test]
async fn device_login_stores_a_renewable_token_and_shares_it_with_the_aws_cli() {
    let h = Harness::start().await;
    let stint = h.client().await;
    assert_eq!(stint.status().await.unwrap(), LoginStatus::LoggedOut);
    assert!(matches!(
        stint.access_token().await,
        Err(Error::NotLoggedIn)
    ));

    let token = h.login(&stint, "alice").await.unwrap();
    assert!(
        token.refresh_token.is_some(),
        "the sso:account:access scope brings a refresh token"
    );
    assert!(matches!(
        stint.status().await.unwrap(),
        LoginStatus::LoggedIn {
            renewable: true,
            ..
        }
    ));

    // The same token, in the AWS CLI's cache, with botocore's fields.
    let cache = h
        .paths
        .aws_sso_cache_dir
        .join(stint_client::sso::aws_cache::file_name("stint"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(doc["accessToken"], token.access_token.expose());
    assert_eq!(doc["startUrl"], h.sim.start_url());
    assert_eq!(doc["region"], h.sim.region());
    assert_eq!(doc["clientId"], token.client_id);
    for field in [
        "expiresAt",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(doc[field].is_string(), "{field} missing from {doc}");
    }

    // The portal accepts it.
    let accounts = stint.portal_accounts().await.unwrap();
    let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert!(
        ids.contains(&BASELINE_ACCOUNT) && ids.contains(&DEV_ACCOUNT),
        "{ids:?}"
    );
}

#[tokio::test]
async fn a_second_login_reuses_the_client_registration() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let since = h.last_call();
    h.login(&stint, "alice").await.unwrap();
    assert_eq!(h.count_calls(since, "RegisterClient", None), 0);
    assert_eq!(h.count_calls(since, "StartDeviceAuthorization", None), 1);
}

#[tokio::test]
async fn a_denied_login_is_a_typed_error() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let progress = |event: LoginProgress| {
        if let LoginProgress::Prompt(p) = event {
            h.sim.deny_device(&p.user_code, "alice").unwrap();
        }
    };
    let err = stint
        .login(LoginHooks {
            open_browser: None,
            on_progress: &progress,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LoginDenied), "{err:?}");
    assert_eq!(err.kind(), stint_client::ErrorKind::NotLoggedIn);
}

#[tokio::test]
async fn an_expired_device_code_is_a_typed_error() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let progress = |event: LoginProgress| {
        if let LoginProgress::Prompt(p) = event {
            assert!(p.browser == stint_client::sso::BrowserOutcome::NotRequested);
            // Nobody approves; ten minutes and a second pass on the simulator's clock.
            h.sim.advance_clock(Duration::from_secs(601));
        }
    };
    let err = stint
        .login(LoginHooks {
            open_browser: None,
            on_progress: &progress,
        })
        .await
        .unwrap_err();
    let Error::DeviceCodeExpired { user_code } = &err else {
        panic!("{err:?}")
    };
    assert!(err.to_string().contains(user_code.as_str()));
}

#[tokio::test]
async fn the_browser_opens_the_complete_verification_uri() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let opened = std::sync::Mutex::new(None::<String>);
    let open = |url: &str| {
        *opened.lock().unwrap() = Some(url.to_owned());
        Ok(())
    };
    let prompts = std::sync::Mutex::new(Vec::new());
    let progress = |event: LoginProgress| {
        if let LoginProgress::Prompt(p) = event {
            h.sim.approve_device(&p.user_code, "carol").unwrap();
            prompts.lock().unwrap().push(p);
        }
    };
    stint
        .login(LoginHooks {
            open_browser: Some(&open),
            on_progress: &progress,
        })
        .await
        .unwrap();
    let prompt = prompts.lock().unwrap().pop().unwrap();
    assert_eq!(prompt.browser, stint_client::sso::BrowserOutcome::Opened);
    assert_eq!(
        opened.lock().unwrap().as_deref(),
        Some(prompt.verification_uri_complete.as_str())
    );
    assert!(
        prompt
            .verification_uri_complete
            .contains(&prompt.user_code.replace('-', ""))
            || prompt.verification_uri_complete.contains(&prompt.user_code)
    );
}

#[tokio::test]
async fn the_token_renews_silently_with_the_refresh_token() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let first = h.login(&stint, "alice").await.unwrap();
    let since = h.last_call();

    // 55 minutes on: five minutes left on a one-hour token, inside the renewal window.
    h.sim.advance_clock(Duration::from_secs(55 * 60));
    let renewed = stint.access_token().await.unwrap();
    assert_ne!(renewed.access_token, first.access_token);
    assert_ne!(
        renewed.refresh_token, first.refresh_token,
        "refresh tokens rotate"
    );
    assert_eq!(renewed.logged_in_at, first.logged_in_at);
    assert_eq!(
        h.count_calls(since, "CreateToken", Some(("grantType", "refresh_token"))),
        1
    );
    assert_eq!(h.count_calls(since, "StartDeviceAuthorization", None), 0);
    // And the AWS CLI's copy follows.
    let cache = h
        .paths
        .aws_sso_cache_dir
        .join(stint_client::sso::aws_cache::file_name("stint"));
    assert!(
        std::fs::read_to_string(cache)
            .unwrap()
            .contains(renewed.access_token.expose())
    );

    // Hours later, still no prompt: each renewal carries the session on.
    for _ in 0..5 {
        h.sim.advance_clock(Duration::from_secs(55 * 60));
        stint.portal_accounts().await.unwrap();
    }
    assert_eq!(h.count_calls(since, "StartDeviceAuthorization", None), 0);
}

#[tokio::test]
async fn a_token_aws_rejects_is_renewed_once_and_the_call_retried() {
    let h = Harness::start().await;
    // This client's clock stands still: it believes its token is fresh when AWS does not
    // (a skewed laptop clock, say).
    let frozen = stint_client::clock::ManualClock::new(h.sim.now());
    let stint = h
        .client_with_clock(h.store.clone(), std::sync::Arc::new(frozen))
        .await;
    let first = h.login(&stint, "alice").await.unwrap();
    h.sim.advance_clock(Duration::from_secs(61 * 60));
    let since = h.last_call();

    let accounts = stint.portal_accounts().await.unwrap();
    assert!(!accounts.is_empty());
    assert_eq!(
        h.count_calls(since, "CreateToken", Some(("grantType", "refresh_token"))),
        1
    );
    assert_ne!(
        stint.access_token().await.unwrap().access_token,
        first.access_token
    );
}

#[tokio::test]
async fn after_the_identity_center_session_ends_the_error_says_log_in() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    h.sim.advance_clock(Duration::from_secs(9 * 3600));
    let err = stint.access_token().await.unwrap_err();
    assert!(matches!(err, Error::LoginExpired), "{err:?}");
    assert!(err.to_string().contains("stint login"));
    assert!(matches!(
        stint.status().await.unwrap(),
        LoginStatus::LoggedIn { .. } | LoginStatus::Expired { .. }
    ));
}

#[tokio::test]
async fn many_clients_renewing_at_once_refresh_exactly_once() {
    let h = Harness::start().await;
    let first = h.client().await;
    h.login(&first, "alice").await.unwrap();
    h.sim.advance_clock(Duration::from_secs(56 * 60));
    let since = h.last_call();

    let mut clients = Vec::new();
    for _ in 0..12 {
        clients.push(h.client().await);
    }
    let tokens = futures::future::join_all(clients.iter().map(|c| c.access_token())).await;
    let tokens: Vec<_> = tokens.into_iter().map(Result::unwrap).collect();
    assert!(
        tokens
            .iter()
            .all(|t| t.access_token == tokens[0].access_token)
    );
    assert_eq!(h.count_calls(since, "CreateToken", None), 1);
    assert_eq!(h.count_calls(since, "StartDeviceAuthorization", None), 0);
}

#[tokio::test]
async fn many_clients_logging_in_at_once_prompt_once() {
    let h = Harness::start().await;
    let mut clients = Vec::new();
    for _ in 0..5 {
        clients.push(h.client().await);
    }
    let since = h.last_call();
    let waited = std::sync::atomic::AtomicUsize::new(0);
    let logins = clients.iter().map(|c| async {
        let progress = |event: LoginProgress| match event {
            LoginProgress::Prompt(p) => {
                h.sim.approve_device(&p.user_code, "alice").unwrap();
            }
            LoginProgress::WaitingForAnotherLogin => {
                waited.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            LoginProgress::Approved => {}
        };
        c.login(LoginHooks {
            open_browser: None,
            on_progress: &progress,
        })
        .await
    });
    let tokens: Vec<_> = futures::future::join_all(logins)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        h.count_calls(since, "StartDeviceAuthorization", None),
        1,
        "one browser tab, not five"
    );
    assert!(
        tokens
            .iter()
            .all(|t| t.access_token == tokens[0].access_token)
    );
    assert_eq!(waited.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test]
async fn role_credentials_are_cached_until_five_minutes_before_expiry() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let since = h.last_call();
    let dev = target("dev/ReadOnlyAccess");
    let creds = stint.credentials(&dev).await.unwrap();
    assert_eq!(
        creds.account_id, DEV_ACCOUNT,
        "the account name resolved through the portal"
    );
    assert_eq!(creds.role_name, "ReadOnlyAccess");
    let again = stint
        .credentials(&target("555555555555/ReadOnlyAccess"))
        .await
        .unwrap();
    assert_eq!(again, creds);
    assert_eq!(h.count_calls(since, "GetRoleCredentials", None), 1);

    // A separate process (another client on the same store) is served from the cache too.
    let other = h.client().await;
    assert_eq!(
        other
            .credentials(&target("555555555555/ReadOnlyAccess"))
            .await
            .unwrap(),
        creds
    );
    assert_eq!(h.count_calls(since, "GetRoleCredentials", None), 1);

    let left = creds.expiration - h.sim.now();
    h.sim
        .advance_clock((left - chrono::Duration::minutes(4)).to_std().unwrap());
    let fresh = stint.credentials(&dev).await.unwrap();
    assert_ne!(fresh.access_key_id, creds.access_key_id);
    assert_eq!(h.count_calls(since, "GetRoleCredentials", None), 2);
}

#[tokio::test]
async fn a_role_not_held_is_no_access_and_an_unknown_account_lists_the_known_ones() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let err = stint
        .credentials(&target("333333333333/AdministratorAccess"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoAccess { .. }), "{err:?}");
    assert_eq!(err.kind(), stint_client::ErrorKind::Forbidden);
    assert!(err.to_string().contains("stint request"), "{err}");

    let err = stint
        .credentials(&target("prdo/AdministratorAccess"))
        .await
        .unwrap_err();
    let Error::UnknownAccount { known, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(known.contains(&"dev".to_owned()), "{known:?}");
}

#[tokio::test]
async fn the_signed_identity_request_is_accepted_by_sts_and_names_the_person() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let signed = stint.signed_identity("stint-test").await.unwrap();
    assert!(
        signed
            .headers
            .iter()
            .any(|h| h.name == "x-stint-broker" && h.value == "stint-test")
    );
    let auth = &signed
        .headers
        .iter()
        .find(|h| h.name == "authorization")
        .unwrap()
        .value;
    assert!(
        auth.contains("x-stint-broker"),
        "the audience is signed: {auth}"
    );

    let identity = stint.caller_identity().await.unwrap();
    assert_eq!(identity.account, BASELINE_ACCOUNT);
    assert!(
        identity
            .arn
            .starts_with("arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_")
            && identity.arn.ends_with("/alice"),
        "{}",
        identity.arn
    );

    // A signature over a tampered audience is refused by STS.
    let mut tampered = signed.clone();
    for header in &mut tampered.headers {
        if header.name == "x-stint-broker" {
            header.value = "another-broker".into();
        }
    }
    let err = stint_client::identity::send_to_sts(&reqwest::Client::new(), &tampered)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Aws { .. }), "{err:?}");
}

#[tokio::test]
async fn the_console_link_lands_on_the_console_for_the_right_account_and_role() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let request = ConsoleRequest {
        service: Some("s3".into()),
        region: Some("eu-west-1".into()),
        portal: false,
    };
    let url = stint
        .console_url(&target("dev/ReadOnlyAccess"), &request)
        .await
        .unwrap();
    assert!(
        url.expose()
            .starts_with(&format!("{}/federation?Action=login&", h.sim.url())),
        "{}",
        url.expose()
    );

    let page: serde_json::Value = reqwest::Client::new()
        .get(url.expose())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["accountId"], DEV_ACCOUNT);
    assert_eq!(page["roleName"], "ReadOnlyAccess");
    assert_eq!(page["userName"], "alice");
    assert_eq!(
        page["destination"],
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    );
    assert_eq!(page["issuer"], h.sim.start_url());

    let portal = ConsoleRequest {
        portal: true,
        ..request
    };
    let link = stint
        .console_url(&target("dev/ReadOnlyAccess"), &portal)
        .await
        .unwrap();
    assert!(
        link.expose().starts_with(&format!(
            "{}/#/console?account_id=555555555555&role_name=ReadOnlyAccess&destination=",
            h.sim.start_url().trim_end_matches('/')
        )),
        "{}",
        link.expose()
    );
}

#[tokio::test]
async fn logout_forgets_the_token_credentials_and_the_aws_cli_copy() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    stint
        .credentials(&target("dev/ReadOnlyAccess"))
        .await
        .unwrap();
    let cache = h
        .paths
        .aws_sso_cache_dir
        .join(stint_client::sso::aws_cache::file_name("stint"));
    assert!(cache.exists());

    stint.logout().await.unwrap();
    assert_eq!(stint.status().await.unwrap(), LoginStatus::LoggedOut);
    assert!(!cache.exists());
    assert_eq!(
        h.store.keys(),
        vec!["sso-registration:stint".to_owned()],
        "only the client registration stays"
    );
    assert!(h.store.get("sso-token:stint").unwrap().is_none());
}

#[tokio::test]
async fn profiles_are_written_into_the_aws_files() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    std::fs::create_dir_all(h.paths.aws_config_file.parent().unwrap()).unwrap();
    std::fs::write(&h.paths.aws_config_file, "[default]\nregion = eu-west-1\n").unwrap();

    let creds = stint
        .write_credentials_profile("dev-ro", &target("dev/ReadOnlyAccess"))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&h.paths.aws_credentials_file).unwrap();
    assert!(
        text.contains(&format!(
            "[dev-ro]\naws_access_key_id = {}\n",
            creds.access_key_id
        )),
        "{text}"
    );

    let report = stint
        .setup_profiles(ProfileStyle::Sso, "", "stint")
        .await
        .unwrap();
    assert!(
        report
            .written
            .contains(&"profile dev-ReadOnlyAccess".to_owned()),
        "{report:?}"
    );
    assert!(
        report
            .written
            .contains(&"profile identity-StintBaseline".to_owned()),
        "{report:?}"
    );
    let config = std::fs::read_to_string(&h.paths.aws_config_file).unwrap();
    assert!(
        config.starts_with("[default]\nregion = eu-west-1\n"),
        "{config}"
    );
    assert!(config.contains("[profile dev-ReadOnlyAccess]\nsso_session = stint\nsso_account_id = 555555555555\nsso_role_name = ReadOnlyAccess\n"), "{config}");
    assert!(
        config.contains(&format!(
            "[sso-session stint]\nsso_start_url = {}\n",
            h.sim.start_url()
        )),
        "{config}"
    );
}
