//! The checks of `signed_request`, one trap at a time, and that no refusal echoes a
//! signature or session token.

use std::time::Duration;

use stint_api::SignedHeader;

use super::*;
use crate::config::StsEndpoint;

const SIG: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

fn settings() -> AuthSettings {
    AuthSettings {
        audience: "https://stint.example.com".into(),
        sts_endpoints: vec![
            StsEndpoint::parse("sts.us-east-1.amazonaws.com").unwrap(),
            StsEndpoint::parse("http://127.0.0.1:8701").unwrap(),
        ],
        partition: "aws".into(),
        baseline_account: "222222222222".into(),
        baseline_permission_set: "StintBaseline".into(),
        max_signing_skew: Duration::from_secs(300),
        session_ttl: Duration::from_secs(3600),
        sts_timeout: Duration::from_secs(5),
        sign_in_limits: crate::config::SignInLimits::default(),
        start_url: "https://d-1.awsapps.com/start".into(),
        sso_region: "us-east-1".into(),
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn request() -> AuthAwsRequest {
    let h = |n: &str, v: &str| SignedHeader {
        name: n.into(),
        value: v.into(),
    };
    AuthAwsRequest {
        method: "POST".into(),
        url: "https://sts.us-east-1.amazonaws.com/".into(),
        headers: vec![
            h("host", "sts.us-east-1.amazonaws.com"),
            h(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            h("x-stint-broker", "https://stint.example.com"),
            h("x-amz-date", "20260302T085900Z"),
            h("x-amz-security-token", TOKEN),
            h(
                "authorization",
                &format!(
                    "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260302/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-stint-broker, Signature={SIG}"
                ),
            ),
        ],
        body: EXPECTED_BODY.into(),
    }
}

fn refused(edit: impl FnOnce(&mut AuthAwsRequest)) -> String {
    let mut req = request();
    edit(&mut req);
    let err = check(&req, &settings(), now()).unwrap_err();
    assert!(!err.contains(SIG) && !err.contains(TOKEN), "{err}");
    err
}

fn set(req: &mut AuthAwsRequest, name: &str, value: &str) {
    req.headers
        .iter_mut()
        .find(|h| h.name == name)
        .unwrap()
        .value = value.into();
}

#[test]
fn a_well_formed_request_passes_and_keeps_what_to_forward() {
    let ok = check(&request(), &settings(), now()).unwrap();
    assert_eq!(ok.endpoint, "https://sts.us-east-1.amazonaws.com:443");
    let names: Vec<&str> = ok.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "x-stint-broker",
            "x-amz-date",
            "x-amz-security-token",
            "authorization"
        ]
    );
    assert_eq!(ok.signed_at, now() - chrono::Duration::minutes(1));

    // A header outside the signature is dropped, not forwarded.
    let mut extra = request();
    extra.headers.push(SignedHeader {
        name: "x-amz-user-agent".into(),
        value: "unsigned".into(),
    });
    let ok = check(&extra, &settings(), now()).unwrap();
    assert!(ok.headers.iter().all(|(n, _)| n != "x-amz-user-agent"));
    assert_eq!(ok.headers.len(), 5);
    // The body may list its two parameters in either order.
    let mut req = request();
    req.body = "Version=2011-06-15&Action=GetCallerIdentity".into();
    assert!(check(&req, &settings(), now()).is_ok());
}

#[test]
fn the_method_must_be_post() {
    assert!(refused(|r| r.method = "GET".into()).contains("must be a POST"));
}

#[test]
fn only_allow_listed_endpoints_and_never_the_url_itself_in_messages() {
    for (url, says) in [
        (
            "https://evil.example.com/",
            "https://evil.example.com:443 is not an STS endpoint",
        ),
        (
            "https://sts.us-east-1.amazonaws.com:8443/",
            ":8443 is not an STS endpoint",
        ),
        (
            "http://sts.us-east-1.amazonaws.com/",
            "http://sts.us-east-1.amazonaws.com:80 is not",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254:80 is not",
        ),
        ("http://127.0.0.1:8702/", "http://127.0.0.1:8702 is not"),
        ("not a url", "not a valid URL"),
        (
            "https://sts.us-east-1.amazonaws.com/?X-Amz-Security-Token=IQoJsecret",
            "no query string",
        ),
        (
            "https://sts.us-east-1.amazonaws.com/other",
            "no query string",
        ),
        (
            "https://user:pw@sts.us-east-1.amazonaws.com/",
            "user name or password",
        ),
    ] {
        let err = refused(|r| r.url = url.into());
        assert!(err.contains(says), "{url}: {err}");
        assert!(!err.contains("IQoJsecret") && !err.contains("pw@"), "{err}");
    }
}

#[test]
fn the_body_must_be_exactly_get_caller_identity() {
    for body in [
        "",
        "Action=AssumeRole&Version=2011-06-15",
        "Action=GetCallerIdentity",
        "Action=GetCallerIdentity&Version=2011-06-15&RoleArn=x",
        "Action=GetCallerIdentity&Action=GetCallerIdentity&Version=2011-06-15",
        "Action=GetCallerIdentity&Version=2010-01-01",
    ] {
        let err = refused(|r| r.body = body.into());
        assert!(err.contains("must be exactly"), "{body}: {err}");
    }
}

#[test]
fn framing_and_duplicate_headers_are_refused() {
    let err = refused(|r| {
        r.headers.push(SignedHeader {
            name: "Transfer-Encoding".into(),
            value: "chunked".into(),
        })
    });
    assert!(err.contains("may not set the transfer-encoding"), "{err}");
    let err = refused(|r| {
        r.headers.push(SignedHeader {
            name: "X-Stint-Broker".into(),
            value: "https://stint.example.com".into(),
        })
    });
    assert!(err.contains("twice"), "{err}");
    let err = refused(|r| set(r, "host", "evil.example.com"));
    assert!(err.contains("does not match its URL"), "{err}");
    let err = refused(|r| {
        r.headers.push(SignedHeader {
            name: "content-length".into(),
            value: "9999".into(),
        })
    });
    assert!(err.contains("Content-Length"), "{err}");
    let err = refused(|r| set(r, "x-amz-security-token", "bad\nvalue"));
    assert!(err.contains("invalid value"), "{err}");
}

#[test]
fn the_signature_must_cover_host_date_and_audience() {
    let err = refused(|r| r.headers.retain(|h| h.name != "authorization"));
    assert!(err.contains("no Authorization header"), "{err}");
    let auth = |signed: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260302/us-east-1/sts/aws4_request, SignedHeaders={signed}, Signature={SIG}"
        )
    };
    let err = refused(|r| set(r, "authorization", &auth("x-amz-date;x-stint-broker")));
    assert!(err.contains("does not cover the host header"), "{err}");
    let err = refused(|r| set(r, "authorization", &auth("host;x-stint-broker")));
    assert!(
        err.contains("does not cover the x-amz-date header"),
        "{err}"
    );
    let err = refused(|r| set(r, "authorization", &auth("host;x-amz-date")));
    assert!(err.contains("x-stint-broker header is not signed"), "{err}");
    let err = refused(|r| {
        set(
            r,
            "authorization",
            &auth("host;x-amz-date;x-stint-broker;x-extra"),
        )
    });
    assert!(
        err.contains("signs the header x-extra but does not send it"),
        "{err}"
    );
    let err = refused(|r| {
        set(
            r,
            "authorization",
            &auth("host;x-amz-date;x-stint-broker").replace("/sts/", "/s3/"),
        )
    });
    assert!(err.contains("not \"sts\""), "{err}");
}

#[test]
fn the_audience_must_be_this_broker() {
    let err = refused(|r| r.headers.retain(|h| h.name != "x-stint-broker"));
    assert!(err.contains("no x-stint-broker header"), "{err}");
    let err = refused(|r| set(r, "x-stint-broker", "https://other.example.com"));
    assert!(
        err.contains("signed for the broker \"https://other.example.com\", not this one"),
        "{err}"
    );
}

#[test]
fn the_signing_time_must_be_within_the_skew_either_way() {
    let err = refused(|r| set(r, "x-amz-date", "20260302T085400Z"));
    assert!(err.contains("6m before the broker's clock"), "{err}");
    let err = refused(|r| set(r, "x-amz-date", "20260302T090600Z"));
    assert!(err.contains("6m after the broker's clock"), "{err}");
    let err = refused(|r| set(r, "x-amz-date", "yesterday"));
    assert!(err.contains("is not a time"), "{err}");
    // Exactly at the limit is still accepted.
    let mut req = request();
    set(&mut req, "x-amz-date", "20260302T085500Z");
    assert!(check(&req, &settings(), now()).is_ok());
    set(&mut req, "x-amz-date", "20260302T090500Z");
    assert!(check(&req, &settings(), now()).is_ok());
}
