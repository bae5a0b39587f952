//! Console sign-in: the federation endpoint and the access portal's shortcut links land
//! on a console page naming account, role, user and destination.

use std::time::Duration;

use serde_json::Value;
use stint_sim::RunningSim;

use crate::support::*;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn role_credentials(sim: &RunningSim) -> (String, String, String) {
    let login = device_login(sim, "alice", &[]).await;
    let out = portal(sim)
        .await
        .get_role_credentials()
        .access_token(&login.access_token)
        .account_id("555555555555")
        .role_name("ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let c = out.role_credentials().unwrap();
    (
        c.access_key_id().unwrap().to_owned(),
        c.secret_access_key().unwrap().to_owned(),
        c.session_token().unwrap().to_owned(),
    )
}

async fn signin_token(sim: &RunningSim, creds: &(String, String, String)) -> reqwest::Response {
    let session = serde_json::json!({
        "sessionId": creds.0, "sessionKey": creds.1, "sessionToken": creds.2,
    })
    .to_string();
    no_redirects()
        .get(format!("{}/federation", sim.url()))
        .query(&[("Action", "getSigninToken"), ("Session", session.as_str())])
        .send()
        .await
        .unwrap()
}

async fn login(sim: &RunningSim, token: &str, destination: &str) -> reqwest::Response {
    no_redirects()
        .get(format!("{}/federation", sim.url()))
        .query(&[
            ("Action", "login"),
            ("Issuer", "https://stint.example.com"),
            ("Destination", destination),
            ("SigninToken", token),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn federation_lands_on_the_console_once() {
    let sim = demo().await;
    let creds = role_credentials(&sim).await;
    let response = signin_token(&sim, &creds).await;
    assert_eq!(response.status(), 200);
    let token = response.json::<Value>().await.unwrap()["SigninToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let destination = "https://console.aws.amazon.com/ec2/home?region=us-east-1";
    let response = login(&sim, &token, destination).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/console/"), "{location}");
    assert!(
        location.ends_with("/ec2/home?region=us-east-1"),
        "{location}"
    );

    let page_url = format!("{}{location}", sim.url());
    let json: Value = no_redirects()
        .get(&page_url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["accountId"], "555555555555");
    assert_eq!(json["accountName"], "dev");
    assert_eq!(json["roleName"], "ReadOnlyAccess");
    assert_eq!(json["userName"], "alice");
    assert_eq!(json["destination"], destination);
    assert_eq!(json["issuer"], "https://stint.example.com");

    let html = no_redirects()
        .get(&page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-account-id=\"555555555555\""), "{html}");
    assert!(html.contains("data-role-name=\"ReadOnlyAccess\""));
    assert!(html.contains("data-user-name=\"alice\""));
    assert!(html.contains("data-account-name=\"dev\""));

    // Sign-in tokens are single use.
    let again = login(&sim, &token, destination).await;
    assert_eq!(again.status(), 400);
}

#[tokio::test]
async fn tokens_expire_and_bad_inputs_are_refused() {
    let sim = demo().await;
    let creds = role_credentials(&sim).await;
    let token = signin_token(&sim, &creds)
        .await
        .json::<Value>()
        .await
        .unwrap()["SigninToken"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.advance_clock(Duration::from_secs(15 * 60));
    assert_eq!(
        login(&sim, &token, "https://console.aws.amazon.com/")
            .await
            .status(),
        400
    );

    let fresh = signin_token(&sim, &creds)
        .await
        .json::<Value>()
        .await
        .unwrap()["SigninToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        login(&sim, &fresh, "https://evil.example.com/")
            .await
            .status(),
        400
    );

    let wrong = (creds.0.clone(), "wrong".to_owned(), creds.2.clone());
    assert_eq!(signin_token(&sim, &wrong).await.status(), 400);
    sim.advance_clock(Duration::from_secs(8 * 3600));
    assert_eq!(
        signin_token(&sim, &creds).await.status(),
        400,
        "expired credentials"
    );
}

#[tokio::test]
async fn portal_shortcut_links_reach_the_console() {
    let sim = demo().await;
    let client = no_redirects();
    // The portal page carries the script that turns `#/console?...` into a request.
    let start = client
        .get(sim.start_url())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        start.contains("#/console?") && start.contains("/start/console?"),
        "{start}"
    );

    // Not signed in: a sign-in form that comes back to the same link.
    let link = format!(
        "{}/start/console?account_id=555555555555&role_name=ReadOnlyAccess&destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2F",
        sim.url()
    );
    let form = client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("action=\"/start/signin\""), "{form}");

    let signed_in = client
        .post(format!("{}/start/signin", sim.url()))
        .form(&[
            ("user_name", "carol"),
            (
                "next",
                "/start/console?account_id=555555555555&role_name=ReadOnlyAccess&destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2F",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let next = signed_in.headers()["location"].to_str().unwrap().to_owned();

    let landing = client
        .get(format!("{}{next}", sim.url()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(landing.status(), 302);
    let console = landing.headers()["location"].to_str().unwrap().to_owned();
    let json: Value = client
        .get(format!("{}{console}", sim.url()))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["userName"], "carol");
    assert_eq!(json["roleName"], "ReadOnlyAccess");
    assert_eq!(json["destination"], "https://console.aws.amazon.com/s3/");

    // A role carol does not hold.
    let denied = client
        .get(format!(
            "{}/start/console?account_id=333333333333&role_name=AdministratorAccess",
            sim.url()
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);

    // Signed in, the portal lists her accounts with console links.
    let portal_page = client
        .get(sim.start_url())
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(portal_page.contains("Signed in as <b>carol</b>"));
    assert!(portal_page.contains("role_name=ReadOnlyAccess"));
}
