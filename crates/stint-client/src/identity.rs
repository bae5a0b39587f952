//! How the broker learns who is asking without ever seeing credentials: a SigV4-signed
//! `sts:GetCallerIdentity` request, made with the baseline role's credentials, that also
//! signs the `x-stint-broker` header naming the broker it is meant for. The broker sends
//! it to STS itself and reads the caller's ARN (the pattern of Vault's AWS auth method).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde::Serialize;
use stint_api::{AUDIENCE_HEADER, AuthAwsRequest, SignedHeader};
use url::Url;

use crate::credentials::RoleCredentials;
use crate::error::{Error, Result};

pub const GET_CALLER_IDENTITY_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Signs `GetCallerIdentity` for `sts_url` in `region` with `creds`, at `time`, binding
/// `audience` into the signature.
pub fn sign_get_caller_identity(
    creds: &RoleCredentials,
    sts_url: &Url,
    region: &str,
    audience: &str,
    time: SystemTime,
) -> Result<AuthAwsRequest> {
    let host = host_header(sts_url)?;
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host),
        ("content-type".into(), CONTENT_TYPE.into()),
        (AUDIENCE_HEADER.into(), audience.into()),
    ];
    let identity: Identity = Credentials::new(
        &creds.access_key_id,
        creds.secret_access_key.expose(),
        Some(creds.session_token.expose().to_owned()),
        None,
        "stint",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot sign the identity request: {e}")))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        sts_url.as_str(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(GET_CALLER_IDENTITY_BODY.as_bytes()),
    )
    .map_err(|e| Error::InvalidInput(format!("cannot sign the identity request: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| Error::InvalidInput(format!("cannot sign the identity request: {e}")))?
        .into_parts();
    let (added, _query) = instructions.into_parts();
    headers.extend(
        added
            .into_iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned())),
    );
    Ok(AuthAwsRequest {
        method: "POST".into(),
        url: sts_url.to_string(),
        headers: headers
            .into_iter()
            .map(|(name, value)| SignedHeader { name, value })
            .collect(),
        body: GET_CALLER_IDENTITY_BODY.into(),
    })
}

fn host_header(url: &Url) -> Result<String> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::InvalidInput(format!("STS endpoint `{url}` has no host")))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// What STS says about the signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    pub arn: String,
    pub account: String,
    pub user_id: String,
}

/// Sends a signed request to STS (as the broker does) and reads the caller identity.
/// Useful to check a signature, and for `stint whoami` before the broker is involved.
pub async fn send_to_sts(
    http: &reqwest::Client,
    signed: &AuthAwsRequest,
) -> Result<CallerIdentity> {
    let mut request = http
        .post(&signed.url)
        .timeout(crate::http::CALL_DEADLINE)
        .body(signed.body.clone());
    for h in &signed.headers {
        // reqwest sets Host from the URL; sending it twice would break the signature.
        if !h.name.eq_ignore_ascii_case("host") {
            request = request.header(&h.name, &h.value);
        }
    }
    let unreachable = |e: reqwest::Error| Error::Unreachable {
        service: "STS".into(),
        message: e.to_string(),
    };
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(Error::Aws {
            service: "STS",
            operation: "GetCallerIdentity",
            code: xml_text(&body, "Code"),
            message: xml_text(&body, "Message").unwrap_or_else(|| format!("HTTP {status}")),
        });
    }
    let field = |tag: &str| {
        xml_text(&body, tag).ok_or_else(|| {
            Error::protocol("STS", format!("GetCallerIdentity answer has no <{tag}>"))
        })
    };
    Ok(CallerIdentity {
        arn: field("Arn")?,
        account: field("Account")?,
        user_id: field("UserId")?,
    })
}

/// The text of the first `<tag>` element. STS's answers are small and flat; this avoids
/// a full XML parser for three fields.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&close)?;
    Some(unescape(body[start..end].trim()))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::secret::Secret;

    fn creds() -> RoleCredentials {
        RoleCredentials {
            account_id: "222222222222".into(),
            role_name: "StintBaseline".into(),
            access_key_id: "ASIAEXAMPLEEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new("session-token"),
            expiration: Utc::now(),
        }
    }

    #[test]
    fn the_signature_covers_the_audience_header_and_carries_no_secret_key() {
        let url = Url::parse("https://sts.us-east-1.amazonaws.com/").unwrap();
        let time = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap().into();
        let signed =
            sign_get_caller_identity(&creds(), &url, "us-east-1", "stint-prod", time).unwrap();
        let header = |name: &str| {
            signed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value.clone())
        };
        assert_eq!(signed.method, "POST");
        assert_eq!(signed.body, GET_CALLER_IDENTITY_BODY);
        assert_eq!(header("x-stint-broker").as_deref(), Some("stint-prod"));
        assert_eq!(
            header("host").as_deref(),
            Some("sts.us-east-1.amazonaws.com")
        );
        assert_eq!(header("x-amz-date").as_deref(), Some("20260101T000000Z"));
        assert_eq!(
            header("x-amz-security-token").as_deref(),
            Some("session-token")
        );
        let auth = header("authorization").unwrap();
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE/20260101/us-east-1/sts/aws4_request"
            ),
            "{auth}"
        );
        let signed_headers = auth
            .split("SignedHeaders=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        assert!(
            signed_headers.split(';').any(|h| h == "x-stint-broker"),
            "{auth}"
        );
        assert!(signed_headers.split(';').any(|h| h == "host"), "{auth}");
        let everything = format!("{:?}{}", signed.headers, signed.body);
        assert!(
            !everything.contains("wJalrXUtnFEMI"),
            "the secret key must never leave"
        );
    }

    #[test]
    fn a_different_audience_gives_a_different_signature() {
        let url = Url::parse("http://127.0.0.1:4566/").unwrap();
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let a = sign_get_caller_identity(&creds(), &url, "us-east-1", "a", time).unwrap();
        let b = sign_get_caller_identity(&creds(), &url, "us-east-1", "b", time).unwrap();
        let auth = |r: &AuthAwsRequest| {
            r.headers
                .iter()
                .find(|h| h.name == "authorization")
                .unwrap()
                .value
                .clone()
        };
        assert_ne!(auth(&a), auth(&b));
        assert!(
            a.headers
                .iter()
                .any(|h| h.name == "host" && h.value == "127.0.0.1:4566")
        );
    }

    #[test]
    fn reads_sts_xml() {
        let body = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef/alice</Arn>
    <UserId>AROAEXAMPLE:alice</UserId>
    <Account>222222222222</Account>
  </GetCallerIdentityResult>
</GetCallerIdentityResponse>"#;
        assert_eq!(
            xml_text(body, "Arn").unwrap(),
            "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef/alice"
        );
        assert_eq!(xml_text("<a>x &amp; y</a>", "a").unwrap(), "x & y");
        assert_eq!(xml_text(body, "Missing"), None);
    }
}
