//! Session activity: what was done with each grant, read from the organization trail.
//!
//! [`ActivitySource`] is the port: "the trail's events of this role session, in this time
//! range, after this cursor". [`insights::LogsInsightsActivity`] is its one production
//! adapter (CloudWatch Logs Insights over the trail's log group). [`matching`] decides which
//! of the events a source returns belong to a grant, and which were made after its window;
//! [`window`] derives a grant's role session and time range from the request; [`watch`]
//! looks at grants that ended and records use after the window once (an audit event, which
//! the webhook and the event stream carry to people).

pub mod insights;
pub mod matching;
pub mod watch;
pub mod window;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use insights::{LogsCall, LogsInsightsActivity};
pub use matching::{Matched, matches_session, select};
pub use window::{GrantWindow, window_of};

/// A grant's role session: Identity Center names the role `AWSReservedSSO_<permission
/// set>_<suffix>` in the account, and the session after the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSession {
    pub account_id: String,
    pub permission_set: String,
    pub user_name: String,
}

impl RoleSession {
    /// How the API shows it: the session ARN with the role's random suffix as `*`.
    pub fn pattern(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/AWSReservedSSO_{}_*/{}",
            self.account_id, self.permission_set, self.user_name
        )
    }
}

/// One CloudTrail record, with the fields Stint reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailEvent {
    pub event_id: String,
    pub event_time: DateTime<Utc>,
    pub event_source: String,
    pub event_name: String,
    pub event_type: String,
    pub aws_region: String,
    pub source_ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub read_only: Option<bool>,
    pub error_code: Option<String>,
    /// `userIdentity.arn`.
    pub arn: String,
    /// `userIdentity.accountId`.
    pub account_id: String,
    /// `userIdentity.type`.
    pub identity_type: String,
    /// `userIdentity.sessionContext.attributes.creationDate`.
    pub session_issued_at: Option<DateTime<Utc>>,
    /// `requestParameters` as compact JSON, when not null.
    pub request_parameters: Option<String>,
}

/// Where a page starts: after this event in (event time, event id) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub event_time: DateTime<Utc>,
    pub event_id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.event_time.timestamp(), self.event_id)
    }

    /// `None` for anything [`Cursor::encode`] did not write.
    pub fn decode(text: &str) -> Option<Cursor> {
        let (secs, id) = text.split_once('.')?;
        let secs: i64 = secs.parse().ok()?;
        let valid_id = !id.is_empty()
            && id.len() <= 128
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        valid_id.then_some(())?;
        Some(Cursor {
            event_time: DateTime::from_timestamp(secs, 0)?,
            event_id: id.to_owned(),
        })
    }

    /// Whether `event` comes after the cursor.
    pub fn is_before(&self, event: &TrailEvent) -> bool {
        (event.event_time, event.event_id.as_str()) > (self.event_time, self.event_id.as_str())
    }
}

/// What to read: one role session's events with event times in `[from, to]`, oldest first,
/// after `after`, at most `limit` of them.
#[derive(Debug, Clone)]
pub struct TrailQuery {
    pub session: RoleSession,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub after: Option<Cursor>,
    pub limit: u32,
}

/// What a source found: events in (event time, event id) order, and whether it stopped at
/// the limit (so more may follow the last).
#[derive(Debug, Clone, Default)]
pub struct TrailBatch {
    pub events: Vec<TrailEvent>,
    pub more: bool,
}

/// Why the trail could not be read. Each means "unknown", never "nothing happened".
#[derive(Debug, Clone, thiserror::Error)]
pub enum ActivityError {
    #[error(
        "session activity is not configured on this broker: set [activity] log_group to the organization trail's CloudWatch Logs log group"
    )]
    NotConfigured,
    #[error(
        "CloudWatch Logs refused the broker ({0}): allow it the logs actions in docs/iam-policy.json"
    )]
    AccessDenied(String),
    #[error(
        "the organization trail's log group was not found ({0}): check [activity] log_group and region"
    )]
    LogGroupNotFound(String),
    #[error("reading the organization trail took longer than {0:?}; try again")]
    TimedOut(Duration),
    #[error("the organization trail could not be read: {0}")]
    Unavailable(String),
}

/// The port: the broker reads the trail only through this.
#[async_trait]
pub trait ActivitySource: Send + Sync + 'static {
    /// Events of `query.session`; may return events of other sessions, which the caller
    /// filters out with [`select`]. Bounded by the source's own total deadline.
    async fn events(&self, query: &TrailQuery) -> Result<TrailBatch, ActivityError>;

    /// How late the trail may deliver an event.
    fn delivery_lag(&self) -> Duration;
}

/// The source when `[activity] log_group` is unset: every reading is a clear refusal.
#[derive(Debug, Clone, Default)]
pub struct NoActivity;

#[async_trait]
impl ActivitySource for NoActivity {
    async fn events(&self, _: &TrailQuery) -> Result<TrailBatch, ActivityError> {
        Err(ActivityError::NotConfigured)
    }

    fn delivery_lag(&self) -> Duration {
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_write() {
        let c = Cursor {
            event_time: DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            event_id: "0f9e-ab".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "12", "x.abc", "12.", "12.a b", "12.a\"b"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
