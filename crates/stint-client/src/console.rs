//! Links into the AWS console: a federation sign-in URL made from role credentials
//! (`getSigninToken`, then `login` with a destination), or the access portal's shortcut
//! link, which signs in through the portal instead.

use serde::Deserialize;
use url::Url;

use crate::credentials::RoleCredentials;
use crate::endpoints::Partition;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// The console page for `service` (its home page when `None`) in `region`, on the
/// partition's console host.
pub fn destination(region: &str, service: Option<&str>) -> Result<Url> {
    let service = service
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("console");
    if !service
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Err(Error::InvalidInput(format!(
            "`{service}` is not a console service name (examples: s3, ec2, cloudwatch)"
        )));
    }
    if region.is_empty()
        || !region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::InvalidInput(format!(
            "`{region}` is not an AWS region"
        )));
    }
    let host = Partition::of_region(region).console_host();
    let mut url = Url::parse(&format!("https://{region}.{host}/{service}/home"))
        .map_err(|e| Error::InvalidInput(format!("console URL: {e}")))?;
    url.query_pairs_mut().append_pair("region", region);
    Ok(url)
}

/// The access portal's link that opens the console as `role_name` in `account_id`:
/// `<start url>/#/console?account_id=..&role_name=..&destination=..`.
pub fn portal_shortcut(
    start_url: &str,
    account_id: &str,
    role_name: &str,
    destination: Option<&Url>,
) -> String {
    let base = start_url.trim().trim_end_matches('#').trim_end_matches('/');
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("account_id", account_id);
    query.append_pair("role_name", role_name);
    if let Some(d) = destination {
        query.append_pair("destination", d.as_str());
    }
    format!("{base}/#/console?{}", query.finish())
}

#[derive(Deserialize)]
struct SigninTokenResponse {
    #[serde(rename = "SigninToken")]
    signin_token: String,
}

/// Exchanges `creds` for a sign-in token at `federation` and returns the `login` URL that
/// opens `destination`. The URL signs whoever holds it in for 15 minutes: a secret.
pub async fn federation_url(
    http: &reqwest::Client,
    federation: &Url,
    creds: &RoleCredentials,
    issuer: &str,
    destination: &Url,
) -> Result<Secret> {
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key.expose(),
        "sessionToken": creds.session_token.expose(),
    })
    .to_string();
    let mut token_url = federation.clone();
    token_url
        .query_pairs_mut()
        .append_pair("Action", "getSigninToken")
        .append_pair("SessionType", "json")
        .append_pair("Session", &session);
    let unreachable = |e: reqwest::Error| Error::Unreachable {
        service: format!(
            "the AWS sign-in endpoint {}",
            federation.origin().ascii_serialization()
        ),
        // reqwest's message would include the URL, and with it the session credentials.
        message: e.without_url().to_string(),
    };
    let response = http
        .get(token_url)
        .timeout(crate::http::CALL_DEADLINE)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(Error::Aws {
            service: "AWS sign-in",
            operation: "getSigninToken",
            code: Some(status.as_u16().to_string()),
            message: first_line(&body),
        });
    }
    let token: SigninTokenResponse = serde_json::from_str(&body)
        .map_err(|e| Error::protocol("AWS sign-in", format!("getSigninToken: {e}")))?;
    Ok(Secret::new(login_url(
        federation,
        issuer,
        destination,
        &token.signin_token,
    )))
}

fn login_url(federation: &Url, issuer: &str, destination: &Url, signin_token: &str) -> String {
    let mut url = federation.clone();
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", issuer)
        .append_pair("Destination", destination.as_str())
        .append_pair("SigninToken", signin_token);
    url.into()
}

fn first_line(body: &str) -> String {
    let line = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no detail");
    line.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str) -> Vec<(String, String)> {
        Url::parse(url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    #[test]
    fn destinations_are_partition_aware() {
        assert_eq!(
            destination("eu-west-1", Some("s3")).unwrap().as_str(),
            "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
        );
        assert_eq!(
            destination("us-gov-west-1", None).unwrap().as_str(),
            "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"
        );
        assert_eq!(
            destination("cn-north-1", Some("ec2")).unwrap().as_str(),
            "https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1"
        );
        assert!(destination("us-east-1", Some("s3/../evil")).is_err());
        assert!(destination("us east", None).is_err());
    }

    #[test]
    fn the_login_url_carries_issuer_destination_and_token() {
        let federation = Url::parse("https://signin.aws.amazon.com/federation").unwrap();
        let dest = destination("us-east-1", Some("s3")).unwrap();
        let url = login_url(
            &federation,
            "https://d-1.awsapps.com/start",
            &dest,
            "tok&en=",
        );
        assert!(url.starts_with("https://signin.aws.amazon.com/federation?Action=login&"));
        assert_eq!(
            query(&url),
            vec![
                ("Action".into(), "login".into()),
                ("Issuer".into(), "https://d-1.awsapps.com/start".into()),
                ("Destination".into(), dest.to_string()),
                ("SigninToken".into(), "tok&en=".into()),
            ]
        );
    }

    #[test]
    fn the_portal_shortcut_follows_the_access_portal_format() {
        let dest = destination("us-east-1", Some("s3")).unwrap();
        let link = portal_shortcut(
            "https://d-1.awsapps.com/start/#",
            "333333333333",
            "Admin",
            Some(&dest),
        );
        assert_eq!(
            link,
            "https://d-1.awsapps.com/start/#/console?account_id=333333333333&role_name=Admin\
             &destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Dus-east-1"
        );
        let bare = portal_shortcut("https://d-1.awsapps.com/start", "1", "R", None);
        assert_eq!(
            bare,
            "https://d-1.awsapps.com/start/#/console?account_id=1&role_name=R"
        );
    }
}
