//! The one error shape that crosses to the window: `{code, message}`. The UI branches on
//! `code` (send the person to Sign in, to Settings, mark the ticket field...) and shows
//! `message`, which says what happened and what to do.

use serde::Serialize;
use stint_api::ErrorCode;
use stint_client::{Error, ErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UiErrorCode {
    /// Start URL, region or broker URL missing: open Settings.
    NotConfigured,
    /// No Identity Center login, or it ended: open Sign in.
    NotSignedIn,
    /// The broker or AWS did not answer; trying again later may work.
    Unreachable,
    /// The OS keyring is locked or missing.
    Keyring,
    /// Bad input; `message` names the field.
    InvalidInput,
    /// Policy requires a ticket, or the ticket does not match its pattern.
    TicketRequired,
    /// Not eligible, not an approver, own request, or nobody could approve it.
    Forbidden,
    /// Not approved yet, or the window ended.
    NotActive,
    /// The request is not in a state that allows this.
    InvalidState,
    NotFound,
    /// A sign-in is already running.
    Busy,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message}")]
pub struct CommandError {
    pub code: UiErrorCode,
    /// A sentence for a person: what happened and what to do.
    pub message: String,
    /// The technical cause (transport error, AWS code...), behind a "details" disclosure.
    pub detail: Option<String>,
}

impl CommandError {
    pub fn new(code: UiErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
        }
    }
}

/// What the window says when the broker cannot be reached: the cause goes to details.
pub fn broker_unreachable(service: &str) -> String {
    format!(
        "Can't reach {service}. Retrying; your current access keeps working, and this clears by itself when the broker is back."
    )
}

/// A first capital and a full stop: the client's messages are lower-case clauses.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

pub type CommandResult<T> = Result<T, CommandError>;

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let code = match e.api_code() {
            Some(api) => match api {
                ErrorCode::InvalidInput | ErrorCode::TooLarge => UiErrorCode::InvalidInput,
                ErrorCode::TicketRequired => UiErrorCode::TicketRequired,
                ErrorCode::Unauthenticated | ErrorCode::IdentityRejected => {
                    UiErrorCode::NotSignedIn
                }
                ErrorCode::Forbidden
                | ErrorCode::NotEligible
                | ErrorCode::NoApprover
                | ErrorCode::SelfApproval => UiErrorCode::Forbidden,
                ErrorCode::NotFound => UiErrorCode::NotFound,
                ErrorCode::InvalidState => UiErrorCode::InvalidState,
                ErrorCode::Unavailable
                | ErrorCode::DirectoryUnavailable
                | ErrorCode::ActivityUnavailable
                | ErrorCode::DatabaseReadOnly
                | ErrorCode::RateLimited
                | ErrorCode::TimedOut => UiErrorCode::Unreachable,
                ErrorCode::Internal => UiErrorCode::Internal,
            },
            None => match &e {
                Error::NotConfigured { .. } => UiErrorCode::NotConfigured,
                Error::Keyring { .. } => UiErrorCode::Keyring,
                _ => match e.kind() {
                    ErrorKind::Usage => UiErrorCode::InvalidInput,
                    ErrorKind::NotLoggedIn => UiErrorCode::NotSignedIn,
                    ErrorKind::Forbidden => UiErrorCode::Forbidden,
                    ErrorKind::NotActive => UiErrorCode::NotActive,
                    ErrorKind::Unreachable => UiErrorCode::Unreachable,
                    ErrorKind::Other => UiErrorCode::Internal,
                },
            },
        };
        let (message, detail) = match &e {
            Error::Unreachable { service, message } if service.contains("Stint broker") => {
                (broker_unreachable(service), Some(message.clone()))
            }
            Error::Unreachable { service, message } => (
                format!(
                    "Can't reach {service}. Check your network or VPN, then try again."
                ),
                Some(message.clone()),
            ),
            Error::Keyring { .. } => (
                "Stint can't use the system keyring, where it keeps your login. Unlock it, or start a Secret Service (gnome-keyring or KWallet) in this desktop session, then sign in again.".to_owned(),
                Some(e.to_string()),
            ),
            _ => (sentence(&for_the_window(code, e.to_string())), None),
        };
        Self {
            code,
            message,
            detail,
        }
    }
}

/// The client's messages name the `stint` command to run next; in the window the next
/// step is a button, so that part is replaced by the window's own words.
fn for_the_window(code: UiErrorCode, message: String) -> String {
    let hint = match code {
        UiErrorCode::NotSignedIn => "sign in again",
        UiErrorCode::NotConfigured => "open Settings",
        _ => return message,
    };
    match message.split_once(": run `stint ") {
        Some((what, _)) => format!("{what}: {hint}."),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use stint_api::ApiError;

    use super::*;

    #[test]
    fn broker_codes_reach_the_window_as_ui_codes() {
        let e: CommandError = Error::Broker(ApiError::new(
            ErrorCode::TicketRequired,
            "A ticket is required.",
        ))
        .into();
        assert_eq!(e.code, UiErrorCode::TicketRequired);
        assert_eq!(e.message, "A ticket is required.");
        assert_eq!(e.detail, None);
        let e: CommandError =
            Error::Broker(ApiError::new(ErrorCode::SelfApproval, "Not your own.")).into();
        assert_eq!(e.code, UiErrorCode::Forbidden);
    }

    #[test]
    fn client_errors_point_at_the_window_not_the_cli() {
        let e: CommandError = Error::NotLoggedIn.into();
        assert_eq!(e.code, UiErrorCode::NotSignedIn);
        assert_eq!(e.message, "Not logged in: sign in again.");
        let e: CommandError = Error::NotConfigured {
            what: "the broker URL",
        }
        .into();
        assert_eq!(e.code, UiErrorCode::NotConfigured);
        assert_eq!(
            e.message,
            "The broker URL is not configured: open Settings."
        );
    }

    #[test]
    fn an_unreachable_broker_reads_as_a_sentence_with_the_cause_in_details() {
        let e: CommandError = Error::Unreachable {
            service: "the Stint broker at https://stint.example.com".into(),
            message: "tcp connect error: Connection refused (os error 111)".into(),
        }
        .into();
        assert_eq!(e.code, UiErrorCode::Unreachable);
        assert_eq!(
            e.message,
            "Can't reach the Stint broker at https://stint.example.com. Retrying; your current \
             access keeps working, and this clears by itself when the broker is back."
        );
        assert!(!e.message.contains("os error"), "{}", e.message);
        assert_eq!(
            e.detail.as_deref(),
            Some("tcp connect error: Connection refused (os error 111)")
        );
    }

    #[test]
    fn a_missing_keyring_says_what_to_do() {
        let e: CommandError = Error::Keyring {
            message: "no secret service on the session bus".into(),
        }
        .into();
        assert_eq!(e.code, UiErrorCode::Keyring);
        assert!(
            e.message.starts_with("Stint can't use the system keyring"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("start a Secret Service"),
            "{}",
            e.message
        );
        assert!(e.detail.unwrap().contains("no secret service"));
    }

    #[test]
    fn serializes_as_code_and_message() {
        let e = CommandError::new(UiErrorCode::Busy, "A sign-in is already running.");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "busy", "message": "A sign-in is already running.", "detail": null})
        );
    }
}
