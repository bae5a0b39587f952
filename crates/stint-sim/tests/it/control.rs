//! The `/_sim` control API and the device verification page, over HTTP.

use serde_json::{Value, json};
use stint_sim::{CallPage, ClockState};

use crate::support::*;

async fn start_device(sim: &stint_sim::RunningSim) -> (Registration, String, String) {
    let oidc = oidc(sim).await;
    let reg = register(&oidc, &[]).await;
    let out = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .unwrap();
    (
        reg,
        out.device_code().unwrap().to_owned(),
        out.user_code().unwrap().to_owned(),
    )
}

async fn redeem(
    sim: &stint_sim::RunningSim,
    reg: &Registration,
    device_code: &str,
) -> Result<(), String> {
    oidc(sim)
        .await
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code(device_code)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| code(&e))
}

#[tokio::test]
async fn approve_by_user_code_or_device_code_over_http() {
    let sim = demo().await;
    let http = reqwest::Client::new();
    let url = format!("{}/_sim/device/approve", sim.url());

    let (reg, device_code, user_code) = start_device(&sim).await;
    let response = http
        .post(&url)
        .json(&json!({ "userCode": user_code, "userName": "erin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "approved");
    assert_eq!(body["userName"], "erin");
    redeem(&sim, &reg, &device_code).await.unwrap();

    let (reg, device_code, _) = start_device(&sim).await;
    let response = http
        .post(&url)
        .json(&json!({ "deviceCode": device_code, "userName": "erin", "deny": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        redeem(&sim, &reg, &device_code).await.unwrap_err(),
        "AccessDeniedException"
    );

    // Again: already decided. Unknown code, unknown user, bad JSON.
    let again = http
        .post(&url)
        .json(&json!({ "deviceCode": device_code, "userName": "erin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let unknown = http
        .post(&url)
        .json(&json!({ "userCode": "ZZZZ-ZZZZ", "userName": "erin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let (_, _, user_code) = start_device(&sim).await;
    let nobody = http
        .post(&url)
        .json(&json!({ "userCode": user_code, "userName": "zed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 400);
    assert!(
        nobody.text().await.unwrap().contains("alice"),
        "lists the users"
    );
    let garbage = http.post(&url).body("{").send().await.unwrap();
    assert_eq!(garbage.status(), 400);
}

#[tokio::test]
async fn the_device_page_approves_with_a_plain_form() {
    let sim = demo().await;
    let (reg, device_code, user_code) = start_device(&sim).await;
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/device?user_code={user_code}", sim.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("value=\"{user_code}\"")),
        "the code is filled in"
    );
    assert!(page.contains("<datalist id=\"users\">") && page.contains("value=\"alice\""));
    assert!(page.contains("value=\"approve\"") && page.contains("value=\"deny\""));
    assert!(!page.contains("No sign-in is waiting"));

    let done = http
        .post(format!("{}/device", sim.url()))
        .form(&[
            ("user_code", user_code.as_str()),
            ("user_name", "grace"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(
        done.headers().get("set-cookie").is_some(),
        "signed in to the portal too"
    );
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Signed in as <b>grace</b>")
    );
    redeem(&sim, &reg, &device_code).await.unwrap();

    let stale = http
        .get(format!("{}/device?user_code={user_code}", sim.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(stale.contains("No sign-in is waiting"));
    let twice = http
        .post(format!("{}/device", sim.url()))
        .form(&[
            ("user_code", user_code.as_str()),
            ("user_name", "grace"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 409);
}

#[tokio::test]
async fn clock_faults_assignments_calls_and_world() {
    let sim = demo().await;
    let http = reqwest::Client::new();
    let base = format!("{}/_sim", sim.url());

    let before: ClockState = http
        .get(format!("{base}/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after: ClockState = http
        .post(format!("{base}/clock/advance"))
        .json(&json!({ "seconds": 7200 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after.offset_seconds >= 7200.0);
    assert!(after.now - before.now >= chrono::Duration::hours(2));
    let backwards = http
        .post(format!("{base}/clock/advance"))
        .json(&json!({ "seconds": -1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(backwards.status(), 400);

    let put = http
        .put(format!("{base}/faults"))
        .json(&json!({ "seed": 9, "sso_admin": { "throttle_rate": 0.25, "force_failed": 2, "provisioning_delay": "5s" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let faults: Value = http
        .get(format!("{base}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["sso_admin"]["throttle_rate"], 0.25);
    assert_eq!(faults["sso_admin"]["force_failed"], 2);
    assert_eq!(faults["sso_admin"]["provisioning_delay"], "5s");
    let bad = http
        .put(format!("{base}/faults"))
        .json(&json!({ "sts": { "error_rate": 3 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("error_rate"));
    let unknown = http
        .put(format!("{base}/faults"))
        .json(&json!({ "s3": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);

    let assignments: Value = http
        .get(format!("{base}/assignments"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let standing = assignments["assignments"].as_array().unwrap();
    assert_eq!(standing.len(), 6);
    assert!(standing.iter().any(|a| a["principalName"] == "engineers"
        && a["accountName"] == "dev"
        && a["permissionSetName"] == "ReadOnlyAccess"
        && a["origin"] == "world"));

    let world: Value = http
        .get(format!("{base}/world"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(world["instance"]["instanceArn"], sim.instance_arn());
    assert!(
        world["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["UserId"] == user_id(&sim, "alice"))
    );

    // The call log: register and start are logged with wall-clock arrival in microseconds.
    let wall_before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    start_device(&sim).await;
    let page: CallPage = http
        .get(format!("{base}/calls?since=0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ops: Vec<&str> = page.calls.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(ops, ["RegisterClient", "StartDeviceAuthorization"]);
    assert_eq!(page.last_seq, 2);
    assert!(page.calls.iter().all(|c| c.wall_time_micros >= wall_before));
    assert!(page.calls[0].wall_time_micros <= page.calls[1].wall_time_micros);
    assert!(page.calls[1].fields.contains_key("userCode"));
    let later: CallPage = http
        .get(format!("{base}/calls?since=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(later.calls.len(), 1);
    assert_eq!(later.calls[0].seq, 2);
    let bad_since = http
        .get(format!("{base}/calls?since=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_since.status(), 400);
}

#[tokio::test]
async fn responses_carry_the_sim_clock_and_pages_are_served() {
    let sim = demo().await;
    sim.advance_clock(std::time::Duration::from_secs(10 * 24 * 3600));
    let http = reqwest::Client::new();
    let index = http.get(sim.url()).send().await.unwrap();
    let date = index.headers()["date"].to_str().unwrap().to_owned();
    let date = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000")).unwrap();
    assert!(date.with_timezone(&chrono::Utc) - chrono::Utc::now() > chrono::Duration::days(9));
    assert!(index.headers().contains_key("x-amzn-requestid"));
    assert!(index.text().await.unwrap().contains(sim.instance_arn()));
    let missing = http
        .get(format!("{}/nope", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
