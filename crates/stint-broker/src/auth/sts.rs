//! Sending a checked identity request to STS and reading the answer. The HTTP client
//! follows no redirects (a 3xx is an answer, not a new target) and gives up quickly; the
//! answer must be STS's XML, and only `GetCallerIdentityResult/Arn` is read from it.

use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::redirect::Policy;

use super::signed_request::CheckedRequest;

/// Larger than any GetCallerIdentity answer; a bigger one is not STS.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Why STS did not say who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsFailure {
    /// STS refused the request; its error code (`SignatureDoesNotMatch`, `ExpiredToken`...).
    Refused { status: u16, code: String },
    /// STS could not be reached, timed out, was throttling or failed (5xx).
    Unavailable(String),
    /// Something answered, but not as STS answers GetCallerIdentity.
    NotSts(String),
}

/// The HTTP client identity requests go through.
#[derive(Debug, Clone)]
pub struct StsClient {
    http: reqwest::Client,
}

impl StsClient {
    /// A client with the given timeout for the whole call.
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        Self::from_builder(reqwest::Client::builder(), timeout)
    }

    /// From a builder the server prepared (a proxy, extra root certificates); redirects
    /// are turned off and the timeouts set whatever the builder said.
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = builder
            .redirect(Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(Self { http })
    }

    /// Sends exactly the checked request and returns the caller's ARN.
    pub async fn get_caller_identity(&self, req: &CheckedRequest) -> Result<String, StsFailure> {
        let mut builder = self.http.post(req.url.clone()).body(req.body.clone());
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.map_err(|e| {
            StsFailure::Unavailable(if e.is_timeout() {
                format!("{} did not answer in time", req.endpoint)
            } else {
                format!("{} could not be reached", req.endpoint)
            })
        })?;
        let status = response.status();
        let is_xml = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or_default().trim();
                mime.eq_ignore_ascii_case("text/xml")
                    || mime.eq_ignore_ascii_case("application/xml")
            });
        let body = read_limited(response).await.map_err(|e| match e {
            ReadError::TooLarge => {
                StsFailure::NotSts(format!("{} sent an answer larger than STS's", req.endpoint))
            }
            ReadError::Failed => {
                StsFailure::Unavailable(format!("{} broke off its answer", req.endpoint))
            }
        })?;

        if status.is_success() {
            if !is_xml {
                return Err(StsFailure::NotSts(format!(
                    "{} answered without an XML body",
                    req.endpoint
                )));
            }
            return caller_arn(&body)
                .map_err(|e| StsFailure::NotSts(format!("{} answered {e}", req.endpoint)));
        }
        let code = if is_xml { error_code(&body) } else { None };
        if status.is_redirection() {
            return Err(StsFailure::NotSts(format!(
                "{} answered with a redirect, which the broker does not follow",
                req.endpoint
            )));
        }
        match code {
            Some(code) if is_throttling(&code) => Err(StsFailure::Unavailable(format!(
                "STS is throttling ({code})"
            ))),
            _ if status.is_server_error() => Err(StsFailure::Unavailable(format!(
                "STS failed with HTTP {}{}",
                status.as_u16(),
                code.map(|c| format!(" ({c})")).unwrap_or_default()
            ))),
            Some(code) => Err(StsFailure::Refused {
                status: status.as_u16(),
                code,
            }),
            None => Err(StsFailure::NotSts(format!(
                "{} answered HTTP {} without an STS error",
                req.endpoint,
                status.as_u16()
            ))),
        }
    }
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException"
    )
}

enum ReadError {
    TooLarge,
    Failed,
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| ReadError::Failed)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The text of every element at `path` (local names from the root), or an error if the
/// document is not well-formed or its root is not `path[0]`.
fn texts_at(xml: &[u8], path: &[&str]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(xml).map_err(|_| "a body that is not UTF-8".to_owned())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    let mut saw_root = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if saw_root || name != path[0] {
                        return Err(format!("XML whose root is <{name}>, not <{}>", path[0]));
                    }
                    saw_root = true;
                }
                stack.push(name);
                if stack == path {
                    current = Some(String::new());
                }
            }
            Ok(Event::End(_)) => {
                if stack == path {
                    found.extend(current.take());
                }
                stack.pop();
            }
            Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    return Err(format!("XML whose root is <{name}/>, not <{}>", path[0]));
                }
                stack.push(name);
                if stack == path {
                    found.push(String::new());
                }
                stack.pop();
            }
            Ok(Event::Text(t)) => {
                if let Some(current) = current.as_mut() {
                    let t = t.unescape().map_err(|e| format!("malformed XML ({e})"))?;
                    current.push_str(&t);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(current) = current.as_mut() {
                    current.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Ok(Event::DocType(_)) => return Err("XML with a DOCTYPE, which STS never sends".into()),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("malformed XML ({e})")),
        }
    }
    if !saw_root || !stack.is_empty() {
        return Err("an incomplete XML document".to_owned());
    }
    Ok(found)
}

fn caller_arn(body: &[u8]) -> Result<String, String> {
    let mut arns = texts_at(
        body,
        &[
            "GetCallerIdentityResponse",
            "GetCallerIdentityResult",
            "Arn",
        ],
    )?;
    match (arns.pop(), arns.is_empty()) {
        (Some(arn), true) if !arn.is_empty() => Ok(arn),
        (Some(_), false) => Err("a GetCallerIdentityResult with more than one Arn".to_owned()),
        _ => Err("a GetCallerIdentityResult without an Arn".to_owned()),
    }
}

/// `ErrorResponse/Error/Code`, when the body is STS's error document.
fn error_code(body: &[u8]) -> Option<String> {
    let codes = texts_at(body, &["ErrorResponse", "Error", "Code"]).ok()?;
    match codes.as_slice() {
        [code] if !code.is_empty() && code.len() <= 64 => Some(
            code.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef/alice</Arn>
    <UserId>AROAEXAMPLE:alice</UserId>
    <Account>222222222222</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

    #[test]
    fn reads_the_arn_of_a_real_answer() {
        assert_eq!(
            caller_arn(OK.as_bytes()).unwrap(),
            "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef/alice"
        );
        let escaped = OK.replace("/alice<", "/a&amp;b<");
        assert!(caller_arn(escaped.as_bytes()).unwrap().ends_with("/a&b"));
    }

    #[test]
    fn refuses_answers_that_are_not_get_caller_identity() {
        for (body, says) in [
            (
                "<Other><GetCallerIdentityResult><Arn>x</Arn></GetCallerIdentityResult></Other>",
                "root is <Other>",
            ),
            (
                "<GetCallerIdentityResponse><Arn>arn:x</Arn></GetCallerIdentityResponse>",
                "without an Arn",
            ),
            (
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn><Arn>b</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>",
                "more than one Arn",
            ),
            (
                "<GetCallerIdentityResponse><GetCallerIdentityResult>",
                "incomplete",
            ),
            (
                "<!DOCTYPE x [<!ENTITY e \"arn\">]><GetCallerIdentityResponse/>",
                "DOCTYPE",
            ),
            (
                "<GetCallerIdentityResponse></GetCallerIdentityResponse><GetCallerIdentityResponse><GetCallerIdentityResult><Arn>x</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>",
                "root is",
            ),
            ("{\"Arn\": \"x\"}", "incomplete"),
        ] {
            let err = caller_arn(body.as_bytes()).unwrap_err();
            assert!(err.contains(says), "{body}: {err}");
        }
    }

    #[test]
    fn reads_the_code_of_an_error() {
        let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>
  <RequestId>1</RequestId>
</ErrorResponse>"#;
        assert_eq!(
            error_code(body.as_bytes()).as_deref(),
            Some("SignatureDoesNotMatch")
        );
        assert_eq!(error_code(OK.as_bytes()), None);
        assert_eq!(
            error_code(b"<ErrorResponse><Error><Code>A<b/>&lt;x</Code></Error></ErrorResponse>")
                .as_deref(),
            Some("Ax")
        );
    }
}
