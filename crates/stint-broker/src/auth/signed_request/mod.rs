//! The checks a signed identity request must pass before the broker sends it anywhere:
//! method, target (the STS allow-list), shape (exactly GetCallerIdentity), signature
//! coverage (host, date and audience signed), audience and signing time. The traps are the
//! ones HashiCorp Vault's `iam` login learned about: a URL pointing elsewhere (SSRF), a body
//! asking STS for something other than GetCallerIdentity, headers that change how the
//! request is framed or routed, and a signature made for another server.
//!
//! Its unit tests, one per trap, are in `tests.rs`.

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
mod tests;
