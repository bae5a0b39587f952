//! AWS Signature Version 4 verification, written from the AWS specification: canonical
//! request (method, double-encoded URI, sorted query, signed headers, payload hash), string
//! to sign over the credential scope, HMAC-SHA256 signing key, and a constant-time compare.
//! Both the `Authorization` header form and the presigned query-string form are accepted.
//!
//! Tests check this against the AWS SDK's own signer (`aws-sigv4`), so the two
//! implementations keep each other honest.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// How far the signing time may be from the server's clock.
const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// Everything but the unreserved characters of RFC 3986.
const AWS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The parts of a request a signature covers.
pub(crate) struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as sent, still percent-encoded.
    pub raw_path: &'a str,
    pub raw_query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// A parsed signature, before the secret key is known.
#[derive(Debug)]
pub(crate) struct Authorization {
    pub access_key_id: String,
    pub scope_date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    pub signed_at: DateTime<Utc>,
    pub security_token: Option<String>,
    presigned: bool,
    expires_in: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SigV4Error {
    /// No signature at all.
    Missing,
    /// A signature that cannot be parsed.
    Incomplete(String),
    /// The access key id is not one we know (the caller decides).
    UnknownKey,
    /// The session token is missing, wrong, or present for a long-term key.
    BadToken,
    ExpiredToken,
    /// Signing time, credential scope or signature value is wrong.
    Invalid(String),
}

pub(crate) const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn query_pairs(raw_query: Option<&str>) -> Vec<(String, String)> {
    raw_query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Finds and parses the signature, in the `Authorization` header or the query string.
pub(crate) fn parse(req: &SignedRequest<'_>) -> Result<Authorization, SigV4Error> {
    let query = query_pairs(req.raw_query);
    let from_query = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };

    let (credential, signed_headers, signature, amz_date, token, presigned, expires_in) =
        if let Some(auth) = header(req.headers, "authorization") {
            let rest = auth
                .strip_prefix(ALGORITHM)
                .ok_or_else(|| {
                    SigV4Error::Incomplete(format!(
                        "Authorization header requires the {ALGORITHM} algorithm"
                    ))
                })?
                .trim();
            let mut credential = None;
            let mut signed = None;
            let mut signature = None;
            for part in rest.split(',') {
                let part = part.trim();
                if let Some(v) = part.strip_prefix("Credential=") {
                    credential = Some(v.to_owned());
                } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                    signed = Some(v.to_owned());
                } else if let Some(v) = part.strip_prefix("Signature=") {
                    signature = Some(v.to_owned());
                }
            }
            let missing = |what: &str| {
                SigV4Error::Incomplete(format!(
                    "Authorization header requires '{what}' parameter. Authorization={ALGORITHM} ..."
                ))
            };
            let amz_date = header(req.headers, "x-amz-date").ok_or_else(|| {
                SigV4Error::Incomplete(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
                )
            })?;
            (
                credential.ok_or_else(|| missing("Credential"))?,
                signed.ok_or_else(|| missing("SignedHeaders"))?,
                signature.ok_or_else(|| missing("Signature"))?,
                amz_date,
                header(req.headers, "x-amz-security-token"),
                false,
                None,
            )
        } else if from_query("X-Amz-Signature").is_some() {
            let get = |name: &str| {
                from_query(name).ok_or_else(|| {
                    SigV4Error::Incomplete(format!("presigned request is missing {name}"))
                })
            };
            if get("X-Amz-Algorithm")? != ALGORITHM {
                return Err(SigV4Error::Incomplete(format!(
                    "X-Amz-Algorithm must be {ALGORITHM}"
                )));
            }
            let expires = get("X-Amz-Expires")?.parse::<i64>().map_err(|_| {
                SigV4Error::Incomplete("X-Amz-Expires must be a number of seconds".into())
            })?;
            (
                get("X-Amz-Credential")?,
                get("X-Amz-SignedHeaders")?,
                get("X-Amz-Signature")?,
                get("X-Amz-Date")?,
                from_query("X-Amz-Security-Token"),
                true,
                Some(expires),
            )
        } else {
            return Err(SigV4Error::Missing);
        };

    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = parts[..] else {
        return Err(SigV4Error::Incomplete(format!(
            "Credential must have the form <access key>/<date>/<region>/<service>/aws4_request, not '{}'",
            redact_key(&credential)
        )));
    };
    if terminator != "aws4_request" {
        return Err(SigV4Error::Invalid(
            "Credential should be scoped with a valid terminator: 'aws4_request'".into(),
        ));
    }
    let signed_at = NaiveDateTime::parse_from_str(&amz_date, AMZ_DATE_FORMAT)
        .map_err(|_| {
            SigV4Error::Incomplete(format!(
                "X-Amz-Date '{amz_date}' must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'"
            ))
        })?
        .and_utc();
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(SigV4Error::Invalid("'Host' must be a signed header".into()));
    }
    Ok(Authorization {
        access_key_id: access_key_id.to_owned(),
        scope_date: scope_date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers,
        signature,
        amz_date,
        signed_at,
        security_token: token,
        presigned,
        expires_in,
    })
}

/// Shows only the access key id's first four characters, in an error message.
fn redact_key(credential: &str) -> String {
    let key = credential.split('/').next().unwrap_or_default();
    format!("{}...", key.chars().take(4).collect::<String>())
}

/// Checks signing time, scope and signature against the secret key.
pub(crate) fn verify(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    secret_access_key: &str,
    expected_service: &str,
    expected_region: &str,
    now: DateTime<Utc>,
) -> Result<(), SigV4Error> {
    let fmt = |t: DateTime<Utc>| t.format(AMZ_DATE_FORMAT).to_string();
    if auth.presigned {
        let expires = chrono::Duration::seconds(auth.expires_in.unwrap_or(0));
        if now > auth.signed_at + expires {
            return Err(SigV4Error::Invalid(format!(
                "Signature expired: {} is now earlier than {} ({} - {} sec.)",
                fmt(auth.signed_at + expires),
                fmt(now),
                fmt(now),
                expires.num_seconds()
            )));
        }
    } else if auth.signed_at < now - MAX_SKEW {
        return Err(SigV4Error::Invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            auth.amz_date,
            fmt(now - MAX_SKEW),
            fmt(now)
        )));
    }
    if auth.signed_at > now + MAX_SKEW {
        return Err(SigV4Error::Invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            auth.amz_date,
            fmt(now + MAX_SKEW),
            fmt(now)
        )));
    }
    if auth.scope_date != auth.amz_date[..8] {
        return Err(SigV4Error::Invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            auth.scope_date,
            &auth.amz_date[..8],
            auth.amz_date
        )));
    }
    if auth.region != expected_region {
        return Err(SigV4Error::Invalid(format!(
            "Credential should be scoped to a valid region, not '{}'. This endpoint serves '{expected_region}'.",
            auth.region
        )));
    }
    if auth.service != expected_service {
        return Err(SigV4Error::Invalid(format!(
            "Credential should be scoped to correct service: '{expected_service}'. "
        )));
    }

    let canonical = canonical_request(req, auth);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.scope_date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        auth.amz_date,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        auth.scope_date.as_bytes(),
    );
    for part in [auth.region.as_str(), auth.service.as_str(), "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let expected =
        hex::decode(&auth.signature).map_err(|_| SigV4Error::Invalid(MISMATCH.into()))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SigV4Error::Invalid(MISMATCH.into()))?;
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&expected)
        .map_err(|_| SigV4Error::Invalid(MISMATCH.into()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub(crate) fn canonical_request(req: &SignedRequest<'_>, auth: &Authorization) -> String {
    let path = if req.raw_path.is_empty() {
        "/"
    } else {
        req.raw_path
    };
    // Every service but S3 encodes the already-encoded path a second time.
    let uri: Vec<String> = path
        .split('/')
        .map(|segment| utf8_percent_encode(segment, AWS_ENCODE).to_string())
        .collect();
    let uri = uri.join("/");

    let mut query: Vec<(String, String)> = query_pairs(req.raw_query)
        .into_iter()
        .filter(|(k, _)| !(auth.presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| {
            (
                utf8_percent_encode(&k, AWS_ENCODE).to_string(),
                utf8_percent_encode(&v, AWS_ENCODE).to_string(),
            )
        })
        .collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();

    let mut headers = String::new();
    for name in &auth.signed_headers {
        let values: Vec<String> = req
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }

    let payload = header(req.headers, "x-amz-content-sha256")
        .unwrap_or_else(|| hex::encode(Sha256::digest(req.body)));

    format!(
        "{}\n{uri}\n{}\n{headers}\n{}\n{payload}",
        req.method,
        query.join("&"),
        auth.signed_headers.join(";")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "get-vanilla" example of the AWS SigV4 test suite.
    #[test]
    fn matches_the_aws_test_suite_vanilla_get() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                .parse()
                .unwrap(),
        );
        let req = SignedRequest {
            method: "GET",
            raw_path: "/",
            raw_query: None,
            headers: &headers,
            body: b"",
        };
        let auth = parse(&req).unwrap();
        assert_eq!(auth.access_key_id, "AKIDEXAMPLE");
        let now = auth.signed_at;
        verify(
            &req,
            &auth,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "service",
            "us-east-1",
            now,
        )
        .unwrap();
        let wrong = verify(&req, &auth, "not-the-key", "service", "us-east-1", now);
        assert_eq!(wrong, Err(SigV4Error::Invalid(MISMATCH.into())));
        let late = verify(
            &req,
            &auth,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "service",
            "us-east-1",
            now + chrono::Duration::minutes(16),
        );
        assert!(matches!(late, Err(SigV4Error::Invalid(m)) if m.starts_with("Signature expired")));
        let other_region = verify(
            &req,
            &auth,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "service",
            "eu-west-1",
            now,
        );
        assert!(matches!(other_region, Err(SigV4Error::Invalid(m)) if m.contains("region")));
    }

    #[test]
    fn no_signature_is_missing_and_garbage_is_incomplete() {
        let headers = HeaderMap::new();
        let req = SignedRequest {
            method: "POST",
            raw_path: "/",
            raw_query: None,
            headers: &headers,
            body: b"",
        };
        assert_eq!(parse(&req).unwrap_err(), SigV4Error::Missing);

        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=x".parse().unwrap(),
        );
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let req = SignedRequest {
            headers: &headers,
            ..req
        };
        assert!(matches!(parse(&req), Err(SigV4Error::Incomplete(_))));
    }
}
