//! Device login, silent renewal, and one login and one renewal per machine.

use std::time::Duration;

use stint_client::Error;
use stint_client::sso::{LoginFlow, LoginHooks, LoginProgress, LoginStatus};

use crate::support::{BASELINE_ACCOUNT, DEV_ACCOUNT, Harness};

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
        .login(
            LoginFlow::DeviceCode,
            LoginHooks {
                open_browser: None,
                on_progress: &progress,
            },
        )
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
        .login(
            LoginFlow::DeviceCode,
            LoginHooks {
                open_browser: None,
                on_progress: &progress,
            },
        )
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
        .login(
            LoginFlow::DeviceCode,
            LoginHooks {
                open_browser: Some(&open),
                on_progress: &progress,
            },
        )
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
            LoginProgress::Approved | LoginProgress::BrowserSignIn(_) => {}
        };
        c.login(
            LoginFlow::DeviceCode,
            LoginHooks {
                open_browser: None,
                on_progress: &progress,
            },
        )
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
