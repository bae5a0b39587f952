//! The client's one error type. Every message is one line a person can act on: what
//! happened, and the command to run next. [`Error::kind`] sorts errors into the few
//! classes a script (or the CLI's exit code) branches on.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use stint_api::{ApiError, ErrorCode, RequestState};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure, for callers that branch (exit codes, the app's UI state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Bad input or missing configuration: fix the command or run `stint configure`.
    Usage,
    /// No login, or the Identity Center session ended: run `stint login`.
    NotLoggedIn,
    /// Not eligible, or forbidden by policy.
    Forbidden,
    /// The access is not active: not approved yet, or its window ended.
    NotActive,
    /// The broker or AWS could not be reached.
    Unreachable,
    /// Anything else.
    Other,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{what} is not configured: run `stint configure`")]
    NotConfigured { what: &'static str },

    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },

    #[error("{0}")]
    InvalidInput(String),

    #[error("cannot find your home directory: set HOME")]
    NoHomeDirectory,

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("not logged in: run `stint login`")]
    NotLoggedIn,

    #[error("your Identity Center session has ended: run `stint login`")]
    LoginExpired,

    #[error(
        "the login code {user_code} expired before anyone approved it: run `stint login` again"
    )]
    DeviceCodeExpired { user_code: String },

    #[error("the login was denied in the browser: run `stint login` to try again")]
    LoginDenied,

    #[error(
        "no answer from the browser within {minutes} minutes (was the tab closed?): run `stint login` again, or `stint login --use-device-code`"
    )]
    BrowserSignInTimedOut { minutes: i64 },

    #[error("the browser sign-in was refused ({error}: {description}): run `stint login` again")]
    BrowserSignInRefused { error: String, description: String },

    #[error(
        "the OS keyring is unavailable ({message}): unlock it, or start a Secret Service such as gnome-keyring"
    )]
    Keyring { message: String },

    #[error("cannot reach {service}: {message}")]
    Unreachable { service: String, message: String },

    #[error("{service} {operation} failed: {message}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Aws {
        service: &'static str,
        operation: &'static str,
        code: Option<String>,
        message: String,
    },

    #[error("unexpected answer from {service}: {message}")]
    Protocol { service: String, message: String },

    #[error(
        "no account `{account}` among those you can see ({}): check the name with `stint ls`",
        list_or_none(known)
    )]
    UnknownAccount { account: String, known: Vec<String> },

    #[error(
        "you have no access to {target} right now: run `stint request {target} --for 1h --reason \"...\"`"
    )]
    NoAccess { target: String },

    #[error(
        "you hold no {role_name} role in account {account_id}, which Stint needs to know who you are: ask your Stint admins to assign it, then run `stint login`"
    )]
    NoBaseline {
        account_id: String,
        role_name: String,
    },

    #[error("you are not eligible for {target}{}", alternatives_hint(alternatives))]
    NotEligible {
        target: String,
        /// What the broker says this person may request instead (`ACCOUNT/PERMISSION_SET`).
        alternatives: Vec<String>,
    },

    #[error(
        "request {request_id} for {target} is {state} and not usable yet: `stint ls` shows its progress"
    )]
    NotApproved {
        request_id: i64,
        target: String,
        state: RequestState,
    },

    #[error("your access to {target} ended at {} (request {request_id}{}): run `stint request {} --for 1h --reason \"...\"` for more", ended_at.format("%Y-%m-%d %H:%M UTC"), through(target, requested), shell_word(requested))]
    AccessEnded {
        request_id: i64,
        /// The role asked for (`prod/AdministratorAccess`).
        target: String,
        /// What the ended request was for (its `target_label`): the role itself, or the
        /// group that gave it (`group:oncall-admins`). Asking for it again is what gives
        /// the role back, so the message suggests it rather than the role.
        requested: String,
        ended_at: DateTime<Utc>,
    },

    #[error("{}", broker_message(.0))]
    Broker(ApiError),

    /// An error another Stint process (the agent) met on this one's behalf, relayed as
    /// its one line and its kind.
    #[error("{message}")]
    Relayed { kind: ErrorKind, message: String },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotConfigured { .. }
            | Error::Config { .. }
            | Error::InvalidInput(_)
            | Error::NoHomeDirectory
            | Error::UnknownAccount { .. } => ErrorKind::Usage,
            Error::NotLoggedIn
            | Error::LoginExpired
            | Error::DeviceCodeExpired { .. }
            | Error::LoginDenied
            | Error::BrowserSignInTimedOut { .. }
            | Error::BrowserSignInRefused { .. } => ErrorKind::NotLoggedIn,
            Error::NoAccess { .. } | Error::NotEligible { .. } | Error::NoBaseline { .. } => {
                ErrorKind::Forbidden
            }
            Error::NotApproved { .. } | Error::AccessEnded { .. } => ErrorKind::NotActive,
            Error::Unreachable { .. } => ErrorKind::Unreachable,
            Error::Relayed { kind, .. } => *kind,
            Error::Broker(api) => match api.code {
                ErrorCode::InvalidInput | ErrorCode::TicketRequired | ErrorCode::TooLarge => {
                    ErrorKind::Usage
                }
                ErrorCode::Unauthenticated | ErrorCode::IdentityRejected => ErrorKind::NotLoggedIn,
                ErrorCode::Forbidden
                | ErrorCode::NotEligible
                | ErrorCode::NoApprover
                | ErrorCode::SelfApproval => ErrorKind::Forbidden,
                ErrorCode::Unavailable
                | ErrorCode::DirectoryUnavailable
                | ErrorCode::ActivityUnavailable
                | ErrorCode::DatabaseReadOnly
                | ErrorCode::RateLimited
                | ErrorCode::TimedOut => ErrorKind::Unreachable,
                ErrorCode::NotFound | ErrorCode::InvalidState | ErrorCode::Internal => {
                    ErrorKind::Other
                }
            },
            Error::Keyring { .. }
            | Error::Io { .. }
            | Error::Aws { .. }
            | Error::Protocol { .. } => ErrorKind::Other,
        }
    }

    /// The broker's error code, when the broker refused.
    pub fn api_code(&self) -> Option<ErrorCode> {
        match self {
            Error::Broker(api) => Some(api.code),
            _ => None,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn protocol(service: &str, message: impl Into<String>) -> Self {
        Error::Protocol {
            service: service.to_owned(),
            message: message.into(),
        }
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn alternatives_hint(alternatives: &[String]) -> String {
    match alternatives.len() {
        0 => ": you may not request anything through Stint; ask your Stint admins".to_owned(),
        1..=6 => format!(
            ": you may request {} (see `stint ls`)",
            alternatives.join(", ")
        ),
        n => format!(
            ": you may request {} and {} more (see `stint ls`)",
            alternatives[..5].join(", "),
            n - 5
        ),
    }
}

/// `, through group:oncall-admins` when the role came with a group, else nothing.
fn through(target: &str, requested: &str) -> String {
    if requested == target {
        String::new()
    } else {
        format!(", through {requested}")
    }
}

/// `text` as one shell word: as it is when it needs no quoting (`group:oncall-admins`,
/// `prod/ReadOnlyAccess`), else in single quotes (a group name may hold spaces).
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:@+=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn broker_message(api: &ApiError) -> String {
    match api.code {
        ErrorCode::Unauthenticated => {
            format!("{}: run `stint login`", api.message.trim_end_matches('.'))
        }
        _ => api.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_line_and_names_the_next_command() {
        let cases = [
            Error::NotConfigured {
                what: "the broker URL",
            },
            Error::NotLoggedIn,
            Error::LoginExpired,
            Error::DeviceCodeExpired {
                user_code: "ABCD-EFGH".into(),
            },
            Error::LoginDenied,
            Error::BrowserSignInTimedOut { minutes: 5 },
            Error::BrowserSignInRefused {
                error: "invalid_grant".into(),
                description: "the code was already used".into(),
            },
            Error::NoAccess {
                target: "prod/AdministratorAccess".into(),
            },
            Error::NotApproved {
                request_id: 7,
                target: "prod/AdministratorAccess".into(),
                state: RequestState::Pending,
            },
            Error::AccessEnded {
                request_id: 7,
                target: "prod/AdministratorAccess".into(),
                requested: "prod/AdministratorAccess".into(),
                ended_at: Utc::now(),
            },
            Error::UnknownAccount {
                account: "prdo".into(),
                known: vec!["prod".into()],
            },
        ];
        for err in cases {
            let text = err.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(text.contains("`stint "), "no next command in: {text}");
        }
    }

    #[test]
    fn ended_access_suggests_asking_again_for_what_was_asked() {
        let ended_at = DateTime::parse_from_rfc3339("2026-03-02T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ended = |requested: &str| Error::AccessEnded {
            request_id: 7,
            target: "prod/AdministratorAccess".into(),
            requested: requested.into(),
            ended_at,
        };
        // A role of its own: ask for the role again.
        assert_eq!(
            ended("prod/AdministratorAccess").to_string(),
            "your access to prod/AdministratorAccess ended at 2026-03-02 09:30 UTC (request 7): \
             run `stint request prod/AdministratorAccess --for 1h --reason \"...\"` for more"
        );
        // A role that came with a group: ask for the group, not the role (the person may
        // not be eligible for the role on its own).
        let group = ended("group:oncall-admins");
        assert_eq!(
            group.to_string(),
            "your access to prod/AdministratorAccess ended at 2026-03-02 09:30 UTC (request 7, \
             through group:oncall-admins): run `stint request group:oncall-admins --for 1h \
             --reason \"...\"` for more"
        );
        assert_eq!(group.kind(), ErrorKind::NotActive);
        // A group name with a space is one shell word in the command to copy.
        let spaced = ended("group:on call's").to_string();
        assert!(
            spaced.contains("`stint request 'group:on call'\\''s' --for 1h"),
            "{spaced}"
        );
    }

    #[test]
    fn not_eligible_lists_what_may_be_requested_instead() {
        let err = Error::NotEligible {
            target: "prod/AdministratorAccess".into(),
            alternatives: vec![
                "staging/PowerUserAccess".into(),
                "dev/ReadOnlyAccess".into(),
            ],
        };
        let text = err.to_string();
        assert!(
            text.contains("staging/PowerUserAccess, dev/ReadOnlyAccess"),
            "{text}"
        );
        assert_eq!(err.kind(), ErrorKind::Forbidden);

        let many = Error::NotEligible {
            target: "x/y".into(),
            alternatives: (0..9).map(|i| format!("a{i}/B")).collect(),
        };
        assert!(many.to_string().contains("and 4 more"), "{many}");
    }

    #[test]
    fn kinds_follow_the_broker_error_codes() {
        let broker = |code| Error::Broker(ApiError::new(code, "m"));
        assert_eq!(
            broker(ErrorCode::Unauthenticated).kind(),
            ErrorKind::NotLoggedIn
        );
        assert_eq!(broker(ErrorCode::NotEligible).kind(), ErrorKind::Forbidden);
        assert_eq!(
            broker(ErrorCode::Unavailable).kind(),
            ErrorKind::Unreachable
        );
        assert_eq!(broker(ErrorCode::InvalidInput).kind(), ErrorKind::Usage);
        assert_eq!(Error::LoginExpired.kind(), ErrorKind::NotLoggedIn);
        assert_eq!(
            Error::Unreachable {
                service: "broker".into(),
                message: "refused".into()
            }
            .kind(),
            ErrorKind::Unreachable
        );
    }
}
