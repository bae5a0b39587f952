//! The browser sign-in (authorization code with PKCE) against the simulator's authorize
//! page and token endpoint, with a scripted browser.

use std::collections::HashMap;
use std::time::Duration;

use stint_client::Error;
use stint_client::sso::{BrowserOutcome, LoginFlow, LoginHooks, LoginProgress, LoginStatus};

use crate::support::{BrowserVisit, DEV_ACCOUNT, Harness};

fn params(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn browser_sign_in_stores_a_renewable_token_and_never_asks_for_a_device_code() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let since = h.last_call();
    let (token, visit) = h.browser_login(&stint, "alice", false).await;
    let token = token.unwrap();
    assert!(
        token.refresh_token.is_some(),
        "sso:account:access was asked"
    );
    assert!(matches!(
        stint.status().await.unwrap(),
        LoginStatus::LoggedIn {
            renewable: true,
            ..
        }
    ));

    // What the browser was sent to, and what it saw at the end.
    let url = visit.authorize_url();
    assert!(
        url.starts_with(&format!("{}/authorize?", h.sim.url().trim_end_matches('/'))),
        "{url}"
    );
    let p = params(&url);
    let redirect_uri = &p["redirect_uri"];
    assert!(
        redirect_uri.starts_with("http://127.0.0.1:") && redirect_uri.ends_with("/oauth/callback"),
        "{redirect_uri}"
    );
    assert_eq!(p["scopes"], "sso:account:access");
    assert_eq!(p["code_challenge_method"], "S256");
    let (status, page) = visit.final_page().await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("close this tab"), "{page}");

    // The calls a browser sign-in makes, and not the device code's.
    assert_eq!(
        h.count_calls(
            since,
            "RegisterClient",
            Some(("grantTypes", "authorization_code refresh_token"))
        ),
        1
    );
    assert_eq!(
        h.count_calls(
            since,
            "CreateToken",
            Some(("grantType", "authorization_code"))
        ),
        1
    );
    assert_eq!(h.count_calls(since, "StartDeviceAuthorization", None), 0);

    // The portal knows alice, and the AWS CLI cache has the same token.
    let accounts = stint.portal_accounts().await.unwrap();
    assert!(accounts.iter().any(|a| a.id == DEV_ACCOUNT));
    let cache = h
        .paths
        .aws_sso_cache_dir
        .join(stint_client::sso::aws_cache::file_name("stint"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(doc["accessToken"], token.access_token.expose());
    assert_eq!(doc["clientId"], token.client_id);

    // Renewal works with the browser client's refresh grant.
    h.sim.advance_clock(Duration::from_secs(55 * 60));
    let since = h.last_call();
    let renewed = stint.access_token().await.unwrap();
    assert_ne!(renewed.access_token, token.access_token);
    assert_eq!(
        h.count_calls(since, "CreateToken", Some(("grantType", "refresh_token"))),
        1
    );
}

#[tokio::test]
async fn a_second_sign_in_reuses_the_registration_and_its_port() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let (first, visit1) = h.browser_login(&stint, "alice", false).await;
    first.unwrap();
    let since = h.last_call();
    let (second, visit2) = h.browser_login(&stint, "alice", false).await;
    second.unwrap();
    assert_eq!(h.count_calls(since, "RegisterClient", None), 0);
    let (p1, p2) = (
        params(&visit1.authorize_url()),
        params(&visit2.authorize_url()),
    );
    assert_eq!(p1["redirect_uri"], p2["redirect_uri"]);
    assert_eq!(p1["client_id"], p2["client_id"]);
    assert_ne!(p1["state"], p2["state"], "fresh state each time");
    assert_ne!(p1["code_challenge"], p2["code_challenge"], "fresh verifier");
}

#[tokio::test]
async fn a_taken_port_means_a_new_registration_on_another_port() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let (first, visit1) = h.browser_login(&stint, "alice", false).await;
    first.unwrap();
    let old = params(&visit1.authorize_url())["redirect_uri"].clone();
    let port: u16 = url::Url::parse(&old).unwrap().port().unwrap();
    let _squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();

    let since = h.last_call();
    let (second, visit2) = h.browser_login(&stint, "alice", false).await;
    second.unwrap();
    assert_eq!(h.count_calls(since, "RegisterClient", None), 1);
    assert_ne!(params(&visit2.authorize_url())["redirect_uri"], old);
}

#[tokio::test]
async fn a_denied_sign_in_is_a_typed_error_and_stores_nothing() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let (result, visit) = h.browser_login(&stint, "alice", true).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::LoginDenied), "{err:?}");
    assert!(visit.redirect_to().contains("error=access_denied"));
    assert_eq!(stint.status().await.unwrap(), LoginStatus::LoggedOut);
}

#[tokio::test]
async fn when_the_browser_cannot_open_the_person_can_open_the_printed_url() {
    let h = Harness::start().await;
    let stint = h.client().await;
    let open = |_: &str| Err("no browser here".to_owned());
    let visit = BrowserVisit::default();
    let prompts = std::sync::Mutex::new(Vec::new());
    let progress = |event: LoginProgress| {
        if let LoginProgress::BrowserSignIn(p) = event {
            // The person copies the printed URL into a browser on this machine.
            visit.follow(&h.sim, &p.authorize_url, "carol", false);
            prompts.lock().unwrap().push(p);
        }
    };
    let token = stint
        .login(
            LoginFlow::Browser,
            LoginHooks {
                open_browser: Some(&open),
                on_progress: &progress,
            },
        )
        .await
        .unwrap();
    let prompt = prompts.lock().unwrap().pop().unwrap();
    assert_eq!(
        prompt.browser,
        BrowserOutcome::Failed("no browser here".into())
    );
    assert!(prompt.expires_at > h.sim.now());
    assert!(
        !stint.portal_accounts().await.unwrap().is_empty(),
        "carol is signed in with {}",
        token.client_id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opener_that_waits_for_the_browser_does_not_stall_the_listener() {
    let h = Harness::start().await;
    let stint = h.client().await;
    // Like xdg-open starting a browser: it returns only when the browser is done, here
    // once the redirect was delivered and answered.
    let open = |url: &str| {
        let decision = h.sim.approve_authorization(url, "alice").unwrap();
        let page = blocking_get(&decision.redirect_to);
        assert!(page.contains("close this tab"), "{page}");
        Ok(())
    };
    let progress = |_: LoginProgress| {};
    stint
        .login(
            LoginFlow::Browser,
            LoginHooks {
                open_browser: Some(&open),
                on_progress: &progress,
            },
        )
        .await
        .unwrap();
}

/// A plain HTTP/1.1 GET on a blocking socket, as a browser process would make it.
fn blocking_get(url: &str) -> String {
    use std::io::{Read, Write};
    let url = url::Url::parse(url).unwrap();
    let mut stream =
        std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    let target = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    page
}
