//! The notifications Stint shows, and their words. Which ones to show is decided by
//! [`crate::Book`]; showing them is the program's (the app's `desktop::notify`, the
//! tray's `notify`).

use chrono::{DateTime, Utc};
use stint_api::AccessRequest;

use crate::labels;
use crate::prefs::NotificationPrefs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeKind {
    Approved,
    Rejected,
    /// Nobody decided in time.
    Expired,
    Active,
    /// Five minutes left.
    Expiring,
    /// The window closed on time.
    Ended,
    /// The window closed early: someone revoked it.
    Revoked,
    /// Identity Center refused the change; the broker retries.
    Failed,
    /// For approvers: a new request to review.
    ToReview,
    /// For approvers and auditors: a grant's credentials were used after it ended.
    UsedAfterWindow,
    /// For approvers: a longer window asked for a grant already approved.
    ExtensionToReview,
    /// The longer window one asked for was approved: the grant ends later.
    ExtensionApproved,
    /// The longer window one asked for was turned down: the end stays.
    ExtensionRejected,
}

/// Where a click on a notification goes: the person's own access, or the requests they
/// may decide on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Access,
    Approvals,
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub request_id: i64,
    pub summary: String,
    pub body: String,
    /// Where a click on it goes.
    pub place: Place,
}

impl NoticeKind {
    /// News about one account of a request set, not the set: a member fails alone, and
    /// each member's credentials are its own.
    pub fn per_account(self) -> bool {
        matches!(self, NoticeKind::Failed | NoticeKind::UsedAfterWindow)
    }

    pub fn enabled(self, prefs: &NotificationPrefs) -> bool {
        match self {
            NoticeKind::Approved | NoticeKind::ExtensionApproved => prefs.approved,
            NoticeKind::Rejected | NoticeKind::Expired | NoticeKind::ExtensionRejected => {
                prefs.rejected
            }
            NoticeKind::Active => prefs.active,
            NoticeKind::Expiring => prefs.expiring,
            NoticeKind::Ended | NoticeKind::Revoked | NoticeKind::Failed => prefs.ended,
            NoticeKind::ToReview | NoticeKind::UsedAfterWindow | NoticeKind::ExtensionToReview => {
                prefs.to_review
            }
        }
    }
}

impl Notice {
    pub fn new(kind: NoticeKind, r: &AccessRequest, now: DateTime<Utc>) -> Self {
        // A request set's members are announced once for all of them (`Book`), by the one
        // whose change came first.
        let target = match r.set_id.filter(|_| !kind.per_account()) {
            Some(set) => format!(
                "{} in {} and the other accounts of request {set}",
                r.permission_set.name, r.account.name
            ),
            None => labels::target(r),
        };
        let by = r
            .decided_by
            .as_ref()
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| "Policy".to_owned());
        let comment = r
            .decision_comment
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| format!(": “{}”", c.trim()))
            .unwrap_or_default();
        let (summary, body, place) = match kind {
            NoticeKind::Approved => {
                let when = if r.start_at > now {
                    format!("; it starts at {}", labels::clock(r.start_at))
                } else {
                    String::new()
                };
                (
                    "Request approved".to_owned(),
                    format!(
                        "{by} approved {target} for {}{when}.",
                        labels::duration(r.duration_secs)
                    ),
                    Place::Access,
                )
            }
            NoticeKind::Rejected => (
                "Request rejected".to_owned(),
                format!("{by} rejected {target}{comment}."),
                Place::Access,
            ),
            NoticeKind::Expired => (
                "Request expired".to_owned(),
                format!("Nobody decided on {target} in time. Ask again if you still need it."),
                Place::Access,
            ),
            NoticeKind::Active => (
                "Access active".to_owned(),
                format!(
                    "{target} is yours until {} ({}).",
                    labels::clock(r.end_at),
                    labels::left_now((r.end_at - now).num_seconds())
                ),
                Place::Access,
            ),
            NoticeKind::Expiring => (
                "5 minutes left".to_owned(),
                format!(
                    "{target} ends at {}. Extend it from the tray if you need more time.",
                    labels::clock(r.end_at)
                ),
                Place::Access,
            ),
            NoticeKind::Ended => (
                "Access ended".to_owned(),
                format!(
                    "Your access to {target} ended at {}.",
                    labels::clock(r.end_at.min(r.updated_at))
                ),
                Place::Access,
            ),
            NoticeKind::Revoked => (
                "Access revoked".to_owned(),
                // Not `comment`: the request's comment is the approver's, not the revoke's
                // (which is in the request's history).
                if r.updated_at < r.start_at {
                    format!(
                        "Your access to {target}, approved from {}, was revoked before it started.",
                        labels::clock(r.start_at)
                    )
                } else {
                    format!(
                        "Your access to {target} was ended early, at {}.",
                        labels::clock(r.updated_at)
                    )
                },
                Place::Access,
            ),
            NoticeKind::Failed => (
                "Access change failed".to_owned(),
                format!(
                    "{target}: {}",
                    r.outcome
                        .as_deref()
                        .unwrap_or("Identity Center refused the change; Stint keeps trying.")
                ),
                Place::Access,
            ),
            NoticeKind::UsedAfterWindow => (
                "Used after the window".to_owned(),
                format!(
                    "{}'s credentials for {target} were used after access ended at {}. See the request's activity.",
                    r.requester.display_name,
                    labels::clock(r.end_at)
                ),
                Place::Approvals,
            ),
            NoticeKind::ToReview => (
                "Request to review".to_owned(),
                format!(
                    "{} asks for {target} for {}: {}",
                    r.requester.display_name,
                    labels::duration(r.duration_secs),
                    r.reason
                ),
                Place::Approvals,
            ),
            NoticeKind::ExtensionToReview => (
                "Extension to review".to_owned(),
                format!(
                    "{} asks to extend {target} {}.",
                    r.requester.display_name,
                    labels::extension(r).unwrap_or_default()
                ),
                Place::Approvals,
            ),
            NoticeKind::ExtensionApproved => (
                "Extension approved".to_owned(),
                format!(
                    "{target} is yours until {} ({}).",
                    labels::clock(r.end_at),
                    labels::left_now((r.end_at - now).num_seconds())
                ),
                Place::Access,
            ),
            NoticeKind::ExtensionRejected => (
                "Extension turned down".to_owned(),
                format!(
                    "An approver turned down the extension: {target} still ends at {}.",
                    labels::clock(r.end_at)
                ),
                Place::Access,
            ),
        };
        Self {
            kind,
            request_id: r.id,
            summary,
            body,
            place,
        }
    }
}
