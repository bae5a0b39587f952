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
    pub message: String,
}

impl CommandError {
    pub fn new(code: UiErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
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
        Self {
            code,
            message: for_the_window(code, e.to_string()),
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
        let e: CommandError =
            Error::Broker(ApiError::new(ErrorCode::SelfApproval, "Not your own.")).into();
        assert_eq!(e.code, UiErrorCode::Forbidden);
    }

    #[test]
    fn client_errors_point_at_the_window_not_the_cli() {
        let e: CommandError = Error::NotLoggedIn.into();
        assert_eq!(e.code, UiErrorCode::NotSignedIn);
        assert_eq!(e.message, "not logged in: sign in again.");
        let e: CommandError = Error::NotConfigured {
            what: "the broker URL",
        }
        .into();
        assert_eq!(e.code, UiErrorCode::NotConfigured);
        assert_eq!(
            e.message,
            "the broker URL is not configured: open Settings."
        );
    }

    #[test]
    fn serializes_as_code_and_message() {
        let e = CommandError::new(UiErrorCode::Busy, "A sign-in is already running.");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "busy", "message": "A sign-in is already running."})
        );
    }
}
