//! A grant's role session and time range, from its request.
//!
//! Role credentials issued while the assignment exists stay valid until their own expiry,
//! up to the permission set's session duration, and AWS cannot end them. So a grant's
//! activity is every event of its role session made with credentials issued in the window,
//! up to the window's end plus the session duration.

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::RoleSession;
use crate::model::{Request, State};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantWindow {
    pub session: RoleSession,
    /// When access began (the activation time once active).
    pub start: DateTime<Utc>,
    /// When the grant ends or ended: events after it are use after the window.
    pub end: DateTime<Utc>,
    /// Credentials issued up to here were issued while the assignment could exist: the
    /// end, or later while Identity Center was still deleting the assignment.
    pub issued_until: DateTime<Utc>,
    /// The last moment such credentials can be used.
    pub watched_until: DateTime<Utc>,
}

/// The window of a request that was (or may have been) given access; `None` for one that
/// never was (pending, approved, rejected, cancelled, expired, or failed before access),
/// and for a group-membership grant: its role sessions are those of every (account,
/// permission set) the group is assigned, which one role session pattern cannot name, so
/// its activity is not read (a known limit).
pub fn window_of(request: &Request, now: DateTime<Utc>) -> Option<GrantWindow> {
    if request.group.is_some() {
        return None;
    }
    let issued_until = match request.state {
        State::Pending | State::Approved | State::Rejected | State::Cancelled | State::Expired => {
            return None;
        }
        State::Failed if request.failed_from != Some(State::Ending) => return None,
        // The assignment may still exist: credentials may still be issued.
        State::Activating | State::Active | State::Ending | State::Failed => {
            request.end_at.max(now)
        }
        // The request was last written when the assignment was found gone.
        State::Ended => request.end_at.max(request.updated_at),
    };
    let session = Duration::seconds(i64::from(request.permission_set.session_duration_secs));
    Some(GrantWindow {
        session: RoleSession {
            account_id: request.account.id.clone(),
            permission_set: request.permission_set.name.clone(),
            user_name: request.requester.user_name.clone(),
        },
        // CloudTrail writes times to the second: credentials issued in the window's
        // first second carry a creation date before its exact start.
        start: whole_second(request.start_at),
        end: request.end_at,
        issued_until,
        watched_until: issued_until + session,
    })
}

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::seconds(1)).unwrap_or(t)
}
