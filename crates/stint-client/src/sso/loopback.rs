//! The one-shot loopback listener of the browser sign-in (RFC 8252 section 7.3): it
//! listens on `127.0.0.1`, takes the one redirect that carries this sign-in's `state`,
//! shows the person a short "you can close this tab" page, and stops.
//!
//! Connections are served concurrently: browsers open speculative connections that
//! never send a request, and one of those must not hold up the real redirect. A request
//! for another path (`/favicon.ico`) or with another `state` (not this sign-in; possibly
//! a forged link) is answered and otherwise ignored.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::secret::Secret;

pub(crate) const CALLBACK_PATH: &str = "/oauth/callback";
/// A request head larger than this is not a redirect from Identity Center.
const MAX_HEAD: usize = 16 * 1024;
/// A connection gets this long to send its request line and headers.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What the redirect said.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Callback {
    Code(Secret),
    /// `error=access_denied`: the person pressed Deny.
    Denied,
    /// Another OAuth error (`invalid_request`, `unauthorized_client`, ...).
    Refused {
        error: String,
        description: String,
    },
}

/// Listening on the loopback interface, not yet answered.
#[derive(Debug)]
pub(crate) struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl Loopback {
    /// Binds `127.0.0.1:port` (`0`: a port the OS picks).
    pub async fn bind(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    #[cfg(test)]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URI registered for this port.
    pub fn redirect_uri(&self) -> String {
        redirect_uri(self.port)
    }

    /// Waits up to `wait` for the redirect carrying `state`; `None` when none came.
    pub async fn receive(self, state: String, wait: Duration) -> Option<Callback> {
        let (found, mut results) = tokio::sync::mpsc::channel::<Callback>(1);
        let mut connections = tokio::task::JoinSet::new();
        let serve = async {
            loop {
                tokio::select! {
                    accepted = self.listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            let found = found.clone();
                            let state = state.clone();
                            connections.spawn(async move {
                                if let Some(callback) = serve_one(stream, &state).await {
                                    let _ = found.send(callback).await;
                                }
                            });
                        }
                        Err(e) => tracing::debug!(error = %e, "loopback accept failed"),
                    },
                    Some(callback) = results.recv() => return callback,
                }
            }
        };
        // Dropping `connections` afterwards aborts whatever is still being served.
        tokio::time::timeout(wait, serve).await.ok()
    }
}

pub(crate) fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// Answers one connection; the callback when it was this sign-in's redirect.
async fn serve_one(mut stream: TcpStream, state: &str) -> Option<Callback> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => return None,
    };
    let (status, page, callback) = route(&head, state);
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
Cache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    if let Err(e) = stream.write_all(response.as_bytes()).await {
        tracing::debug!(error = %e, "could not answer the browser");
    }
    let _ = stream.shutdown().await;
    callback
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

/// The status line, the page, and the callback (if this request was it).
fn route(head: &str, state: &str) -> (&'static str, String, Option<Callback>) {
    let target = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("GET "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        return ("404 Not Found", page("Not found", "Nothing here."), None);
    }
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if params.get("state").map(String::as_str) != Some(state) {
        return (
            "400 Bad Request",
            page(
                "Not this sign-in",
                "This link does not belong to the sign-in Stint is waiting for. Start the sign-in again from Stint.",
            ),
            None,
        );
    }
    let closing = "You can close this tab and return to Stint.";
    if let Some(error) = params.get("error") {
        let description = params.get("error_description").cloned().unwrap_or_default();
        let (title, callback) = if error == "access_denied" {
            ("Sign-in denied", Callback::Denied)
        } else {
            (
                "Sign-in failed",
                Callback::Refused {
                    error: error.clone(),
                    description,
                },
            )
        };
        return ("200 OK", page(title, closing), Some(callback));
    }
    match params.get("code").filter(|c| !c.is_empty()) {
        Some(code) => (
            "200 OK",
            page("Signed in", closing),
            Some(Callback::Code(Secret::new(code.as_str()))),
        ),
        None => (
            "400 Bad Request",
            page(
                "Sign-in failed",
                "The redirect carried neither a code nor an error.",
            ),
            Some(Callback::Refused {
                error: "invalid_request".into(),
                description: "the redirect carried neither a code nor an error".into(),
            }),
        ),
    }
}

/// The text is fixed, never taken from the request: nothing to escape.
fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Stint: {title}</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn takes_the_code_with_our_state_after_ignoring_strays() {
        let loopback = Loopback::bind(0).await.unwrap();
        let port = loopback.port();
        assert_eq!(
            loopback.redirect_uri(),
            format!("http://127.0.0.1:{port}/oauth/callback")
        );
        let waiting = tokio::spawn(loopback.receive("s1".into(), Duration::from_secs(20)));

        // A speculative connection that never speaks must not block the others.
        let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let favicon = get(port, "/favicon.ico").await;
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        let forged = get(port, "/oauth/callback?code=evil&state=other").await;
        assert!(forged.starts_with("HTTP/1.1 400"), "{forged}");
        assert!(forged.contains("does not belong"), "{forged}");
        assert!(!waiting.is_finished(), "strays do not end the wait");

        let ok = get(port, "/oauth/callback?code=abc%2B1&state=s1").await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains("close this tab"), "{ok}");
        assert_eq!(
            waiting.await.unwrap(),
            Some(Callback::Code(Secret::new("abc+1")))
        );
        // One-shot: the port is closed once the redirect came.
        assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    }

    #[tokio::test]
    async fn a_denial_and_other_errors_come_back_as_such() {
        let loopback = Loopback::bind(0).await.unwrap();
        let port = loopback.port();
        let waiting = tokio::spawn(loopback.receive("s".into(), Duration::from_secs(20)));
        get(port, "/oauth/callback?error=access_denied&state=s").await;
        assert_eq!(waiting.await.unwrap(), Some(Callback::Denied));

        let loopback = Loopback::bind(0).await.unwrap();
        let port = loopback.port();
        let waiting = tokio::spawn(loopback.receive("s".into(), Duration::from_secs(20)));
        get(
            port,
            "/oauth/callback?error=invalid_request&error_description=code_challenge+is+required&state=s",
        )
        .await;
        assert_eq!(
            waiting.await.unwrap(),
            Some(Callback::Refused {
                error: "invalid_request".into(),
                description: "code_challenge is required".into()
            })
        );
    }

    #[tokio::test]
    async fn gives_up_after_the_wait_when_the_tab_was_closed() {
        let loopback = Loopback::bind(0).await.unwrap();
        let port = loopback.port();
        let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let outcome = loopback
            .receive("s".into(), Duration::from_millis(300))
            .await;
        assert_eq!(outcome, None);
    }
}
