//! The checks a signed identity request must pass before the broker sends it anywhere:
//! method, target (the STS allow-list), shape (exactly GetCallerIdentity), signature
//! coverage (host, date and audience signed), audience and signing time. The traps are the
//! ones HashiCorp Vault's `iam` login learned about: a URL pointing elsewhere (SSRF), a body
//! asking STS for something other than GetCallerIdentity, headers that change how the
//! request is framed or routed, and a signature made for another server.

use chrono::{DateTime, NaiveDateTime, Utc};
use http::{HeaderName, HeaderValue};
use stint_api::{AUDIENCE_HEADER, AuthAwsRequest};
use url::Url;

use super::authorization::{SigV4Authorization, short};
use super::settings::AuthSettings;
use crate::policy::human_duration;

const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const EXPECTED_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
/// More than any SDK sends for GetCallerIdentity; refuses padding used to hide things.
const MAX_HEADERS: usize = 32;
/// Session tokens are the longest header values (a few KiB at most).
const MAX_HEADER_VALUE: usize = 8 * 1024;

/// Headers that frame or route a request rather than describe it. The broker sets framing
/// itself; a client may not choose it (request smuggling, proxy tricks).
const REFUSED_HEADERS: &[&str] = &[
    "connection",
    "expect",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A request that passed every check the broker can make without STS.
pub struct CheckedRequest {
    pub url: Url,
    /// What to forward, as given: the signed headers, `authorization` and `content-type`,
    /// less `host` and `content-length` (which the HTTP client derives from the URL and
    /// body, and which were checked to agree). Unsigned headers are dropped.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: String,
    pub signed_at: DateTime<Utc>,
    /// Identifies the signature for the replay guard without being it.
    pub replay_key: String,
    /// `scheme://host:port`, for messages and logs.
    pub endpoint: String,
}

impl std::fmt::Debug for CheckedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedRequest")
            .field("endpoint", &self.endpoint)
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

/// Runs every check in order and says, for the first that fails, what was wrong and what
/// to do. Nothing here contacts anything.
pub fn check(
    req: &AuthAwsRequest,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<CheckedRequest, String> {
    if req.method != "POST" {
        return Err(format!(
            "the identity request must be a POST, not \"{}\"; sign sts:GetCallerIdentity as a POST with a form body",
            short(&req.method)
        ));
    }

    // The URL is never echoed: a presigned one carries a session token in its query.
    let url = Url::parse(&req.url).map_err(|e| {
        format!("the identity request's URL is not a valid URL ({e}); send the STS endpoint URL the request was signed for")
    })?;
    let endpoint = match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        _ => {
            return Err(
                "the identity request's URL has no host; send the STS endpoint URL the request was signed for"
                    .to_owned(),
            );
        }
    };
    if !settings.sts_endpoints.iter().any(|e| e.allows(&url)) {
        let allowed: Vec<String> = settings
            .sts_endpoints
            .iter()
            .map(ToString::to_string)
            .collect();
        return Err(format!(
            "{endpoint} is not an STS endpoint this broker may call (allowed: {}); sign the request for one of those",
            allowed.join(", ")
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the identity request's URL must not carry a user name or password".to_owned());
    }

    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the identity request must be sts:GetCallerIdentity sent to {endpoint}/ with no query string (presigned URLs are not accepted)"
        ));
    }
    check_body(&req.body)?;
    let headers = check_headers(req, &url)?;

    let authorization = single(req, "authorization")?.ok_or_else(|| {
        "the identity request has no Authorization header; sign it with SigV4 before sending it"
            .to_owned()
    })?;
    let auth = SigV4Authorization::parse(authorization)?;
    if auth.scope_service != "sts" {
        return Err(format!(
            "the identity request is signed for the service \"{}\", not \"sts\"",
            short(&auth.scope_service)
        ));
    }
    for required in ["host", "x-amz-date"] {
        if !auth.signs(required) {
            return Err(format!(
                "the identity request's signature does not cover the {required} header; sign it with SigV4 including {required}"
            ));
        }
    }
    let audience = single(req, AUDIENCE_HEADER)?.ok_or_else(|| {
        format!(
            "the identity request has no {AUDIENCE_HEADER} header; sign it with {AUDIENCE_HEADER}: {} (see GET /v1/auth/config)",
            settings.audience
        )
    })?;
    if !auth.signs(AUDIENCE_HEADER) {
        return Err(format!(
            "the identity request's {AUDIENCE_HEADER} header is not signed; include it in the SigV4 signature"
        ));
    }
    if audience != settings.audience {
        return Err(format!(
            "the identity request was signed for the broker \"{}\", not this one (\"{}\"); sign a new one for {}",
            short(audience),
            settings.audience,
            settings.audience
        ));
    }
    for signed in &auth.signed_headers {
        if signed != "host" && single(req, signed)?.is_none() {
            return Err(format!(
                "the identity request signs the header {} but does not send it",
                short(signed)
            ));
        }
    }

    let date = single(req, "x-amz-date")?
        .ok_or_else(|| "the identity request has no X-Amz-Date header".to_owned())?;
    let signed_at = NaiveDateTime::parse_from_str(date, AMZ_DATE_FORMAT)
        .map(|t| t.and_utc())
        .map_err(|_| {
            format!(
                "the identity request's X-Amz-Date \"{}\" is not a time like 20260302T090000Z",
                short(date)
            )
        })?;
    check_signing_time(signed_at, now, settings.max_signing_skew)?;

    // Only what the signature covers reaches STS, plus the signature itself and the
    // body's type (framing): an unsigned header could change how STS answers (and so how
    // a refusal is classified) without the signer having said it.
    let headers = headers
        .into_iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            name == "authorization" || name == "content-type" || auth.signs(name)
        })
        .collect();

    Ok(CheckedRequest {
        url,
        headers,
        body: req.body.clone(),
        signed_at,
        replay_key: auth.replay_key(),
        endpoint,
    })
}

fn check_body(body: &str) -> Result<(), String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let is_exact = pairs.len() == 2
        && pairs
            .iter()
            .any(|(k, v)| k == "Action" && v == "GetCallerIdentity")
        && pairs
            .iter()
            .any(|(k, v)| k == "Version" && v == "2011-06-15");
    if is_exact {
        return Ok(());
    }
    let names: Vec<String> = pairs.iter().take(8).map(|(k, _)| short(k)).collect();
    Err(format!(
        "the identity request's body must be exactly `{EXPECTED_BODY}` (found the parameters: {}); only sts:GetCallerIdentity is accepted",
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    ))
}

/// Validates every header and returns those to forward.
fn check_headers(
    req: &AuthAwsRequest,
    url: &Url,
) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    if req.headers.len() > MAX_HEADERS {
        return Err(format!(
            "the identity request has {} headers; at most {MAX_HEADERS} are accepted",
            req.headers.len()
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for h in &req.headers {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| format!("\"{}\" is not a valid HTTP header name", short(&h.name)))?;
        let lower = name.as_str().to_owned();
        if h.value.len() > MAX_HEADER_VALUE {
            return Err(format!(
                "the identity request's {lower} header is longer than {MAX_HEADER_VALUE} bytes"
            ));
        }
        // Never echo a value here: this may be the session token or the signature.
        let value = HeaderValue::from_str(&h.value)
            .map_err(|_| format!("the identity request's {lower} header has an invalid value"))?;
        if seen.contains(&lower) {
            return Err(format!(
                "the identity request sends the {lower} header twice; send each header once"
            ));
        }
        seen.push(lower.clone());
        if REFUSED_HEADERS.contains(&lower.as_str()) {
            return Err(format!(
                "the identity request may not set the {lower} header; the broker frames the request itself"
            ));
        }
        match lower.as_str() {
            "host" => {
                let expected = match url.port() {
                    Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                    None => url.host_str().unwrap_or_default().to_owned(),
                };
                if !h.value.eq_ignore_ascii_case(&expected) {
                    return Err(format!(
                        "the identity request's Host header \"{}\" does not match its URL ({expected})",
                        short(&h.value)
                    ));
                }
            }
            "content-length" => {
                if h.value.trim() != req.body.len().to_string() {
                    return Err(
                        "the identity request's Content-Length does not match its body".to_owned(),
                    );
                }
            }
            _ => out.push((name, value)),
        }
    }
    Ok(out)
}

/// The value of a header sent once (names compare case-insensitively).
fn single<'r>(req: &'r AuthAwsRequest, name: &str) -> Result<Option<&'r str>, String> {
    let mut found = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name));
    let first = found.next();
    if found.next().is_some() {
        return Err(format!(
            "the identity request sends the {name} header twice; send each header once"
        ));
    }
    Ok(first.map(|h| h.value.as_str()))
}

fn check_signing_time(
    signed_at: DateTime<Utc>,
    now: DateTime<Utc>,
    skew: std::time::Duration,
) -> Result<(), String> {
    let allowed = chrono::Duration::from_std(skew).unwrap_or(chrono::Duration::MAX);
    let behind = now - signed_at;
    let (gap, direction) = if behind > allowed {
        (behind, "before")
    } else if -behind > allowed {
        (-behind, "after")
    } else {
        return Ok(());
    };
    let gap = gap.to_std().unwrap_or_default();
    Err(format!(
        "the identity request was signed at {}, {} {direction} the broker's clock (at most {} either way is accepted); sign a new request, and check this computer's clock",
        signed_at.format("%Y-%m-%dT%H:%M:%SZ"),
        human_duration(gap),
        human_duration(skew)
    ))
}

#[cfg(test)]
mod tests {
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
}
