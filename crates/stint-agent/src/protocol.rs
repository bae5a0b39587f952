//! The agent's wire protocol, typed in one place. A frame is a 4-byte big-endian length
//! and that many bytes of JSON. The client sends an [`Envelope`], the agent answers one
//! [`Response`]; a connection may carry several exchanges in turn.
//!
//! Compatibility: the agent refuses an envelope of another [`VERSION`] with
//! [`Response::WrongVersion`] (the CLI then does the work itself), so a CLI and an agent
//! from different releases never misread each other. Bump it on any change to these types.

use serde::{Deserialize, Serialize};
use stint_client::{ErrorKind, Overview, RoleCredentials, Secret};

use crate::overview::Standing;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The protocol version; see the module documentation.
pub const VERSION: u32 = 2;

/// Frames above this are refused: the largest real one (credentials) is a few KiB.
pub const MAX_FRAME: u32 = 256 * 1024;

/// Which login an agent serves: a CLI configured otherwise (another sso-session or
/// broker, say through `--broker-url`) must not be answered with its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Serving {
    pub sso_session: String,
    pub start_url: String,
    pub broker_url: Option<String>,
}

impl Serving {
    pub fn of(stint: &stint_client::Stint) -> Self {
        Self {
            sso_session: stint.sso_settings().session_name.clone(),
            start_url: stint.sso_settings().start_url.clone(),
            broker_url: stint.config().broker_url.as_ref().map(|u| u.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub version: u32,
    /// What the client expects the agent to serve.
    pub serving: Serving,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// How the agent is doing (`stint agent status`).
    Status,
    /// Role credentials for `ACCOUNT/PERMISSION_SET` (`credential-process`, `creds`).
    Credentials { target: String },
    /// A URL that opens the console as the target (`stint console`).
    Console {
        target: String,
        service: Option<String>,
        region: Option<String>,
        portal: bool,
    },
    /// Everything `stint ls` shows.
    Overview,
    /// Drop every credential held in memory (`stint login` and `logout` send it: the
    /// person may have changed).
    Forget,
    /// Stop serving (`stint agent stop`).
    Stop,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Response {
    Status(Status),
    Credentials {
        credentials: RoleCredentials,
    },
    Console {
        url: Secret,
    },
    Overview {
        overview: Box<Overview>,
    },
    Forgotten,
    Stopping,
    /// What the request met, as the client core would have said it.
    Error(Failure),
    /// The agent serves another login: do the work yourself.
    WrongLogin {
        agent: Serving,
    },
    /// The agent speaks another protocol version: do the work yourself.
    WrongVersion {
        agent: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub pid: u32,
    pub version: String,
    pub serving: Serving,
    /// Whether the broker's event stream is connected now (`None` without a broker).
    pub event_stream: Option<bool>,
    /// Active grants the agent knows of.
    pub grants: usize,
    /// Targets whose credentials are held in memory.
    pub cached_credentials: usize,
    /// Where the picture `stint ls` shows stands (`held`: answered from memory).
    pub overview: Standing,
    /// Requests answered from memory, without network or keyring, since the start.
    pub served_from_memory: u64,
    /// Requests that needed the client core (network or keyring).
    pub served_by_core: u64,
}

/// An error crossing the socket: its one line and its kind (the CLI's exit code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
}

/// [`ErrorKind`] on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Usage,
    NotLoggedIn,
    Forbidden,
    NotActive,
    Unreachable,
    Other,
}

impl From<ErrorKind> for Kind {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Usage => Kind::Usage,
            ErrorKind::NotLoggedIn => Kind::NotLoggedIn,
            ErrorKind::Forbidden => Kind::Forbidden,
            ErrorKind::NotActive => Kind::NotActive,
            ErrorKind::Unreachable => Kind::Unreachable,
            ErrorKind::Other => Kind::Other,
        }
    }
}

impl From<Kind> for ErrorKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Usage => ErrorKind::Usage,
            Kind::NotLoggedIn => ErrorKind::NotLoggedIn,
            Kind::Forbidden => ErrorKind::Forbidden,
            Kind::NotActive => ErrorKind::NotActive,
            Kind::Unreachable => ErrorKind::Unreachable,
            Kind::Other => ErrorKind::Other,
        }
    }
}

impl From<&stint_client::Error> for Failure {
    fn from(e: &stint_client::Error) -> Self {
        Self {
            kind: e.kind().into(),
            message: e.to_string(),
        }
    }
}

impl From<Failure> for stint_client::Error {
    fn from(f: Failure) -> Self {
        stint_client::Error::Relayed {
            kind: f.kind.into(),
            message: f.message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the connection closed")]
    Closed,
    #[error("a frame of {0} bytes is over the {MAX_FRAME}-byte limit")]
    TooLarge(u32),
    #[error("unreadable frame: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads one frame; [`FrameError::Closed`] when the peer closed between frames.
pub async fn read_frame<T, R>(reader: &mut R) -> Result<T, FrameError>
where
    T: serde::de::DeserializeOwned,
    R: AsyncRead + Unpin,
{
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len);
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    let mut body = vec![0u8; len as usize];
    reader.read_exact(&mut body).await?;
    Ok(serde_json::from_slice(&body)?)
}

pub async fn write_frame<T, W>(writer: &mut W, value: &T) -> Result<(), FrameError>
where
    T: Serialize,
    W: AsyncWrite + Unpin,
{
    let body = serde_json::to_vec(value)?;
    let len = u32::try_from(body.len())
        .ok()
        .filter(|l| *l <= MAX_FRAME)
        .ok_or(FrameError::TooLarge(u32::MAX))?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&body);
    writer.write_all(&frame).await?;
    writer.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serving() -> Serving {
        Serving {
            sso_session: "stint".into(),
            start_url: "https://d-1.awsapps.com/start".into(),
            broker_url: Some("https://stint.example.com/".into()),
        }
    }

    #[tokio::test]
    async fn an_envelope_survives_the_round_trip_through_a_frame() {
        let sent = Envelope {
            version: VERSION,
            serving: serving(),
            request: Request::Console {
                target: "prod/ReadOnlyAccess".into(),
                service: Some("s3".into()),
                region: None,
                portal: false,
            },
        };
        let (mut a, mut b) = tokio::io::duplex(1024);
        write_frame(&mut a, &sent).await.unwrap();
        let got: Envelope = read_frame(&mut b).await.unwrap();
        assert_eq!(got, sent);
        drop(a);
        assert!(matches!(
            read_frame::<Envelope, _>(&mut b).await,
            Err(FrameError::Closed)
        ));
    }

    #[tokio::test]
    async fn an_oversized_length_is_refused_before_anything_is_allocated() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&(MAX_FRAME + 1).to_be_bytes()).await.unwrap();
        assert!(matches!(
            read_frame::<Envelope, _>(&mut b).await,
            Err(FrameError::TooLarge(n)) if n == MAX_FRAME + 1
        ));
    }

    #[test]
    fn the_wire_names_are_stable() {
        let json = serde_json::to_value(Request::Credentials {
            target: "a/b".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"op": "credentials", "target": "a/b"})
        );
        let json = serde_json::to_value(Response::Error(Failure {
            kind: Kind::NotActive,
            message: "ended".into(),
        }))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"result": "error", "kind": "not_active", "message": "ended"})
        );
    }

    #[test]
    fn a_relayed_error_keeps_its_kind_and_line() {
        let e = stint_client::Error::LoginExpired;
        let back: stint_client::Error = Failure::from(&e).into();
        assert_eq!(back.kind(), ErrorKind::NotLoggedIn);
        assert_eq!(back.to_string(), e.to_string());
    }
}
