//! Which trail events belong to a grant, and which were made after its window.
//!
//! An event belongs to a grant when it was made by the grant's role session — the
//! `AWSReservedSSO_<permission set>_<suffix>` role in the grant's account, session named
//! after the requester — with credentials issued during the window. The issue time is
//! CloudTrail's `sessionContext.attributes.creationDate`; it is what keeps a later grant
//! of the same access, or a standing assignment of the same permission set used outside
//! the window, out of this grant's activity.

use super::window::GrantWindow;
use super::{RoleSession, TrailEvent};

/// An event of the grant, flagged when made after the window ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub event: TrailEvent,
    pub after_window: bool,
}

/// Whether `arn` is the session's: `arn:<partition>:sts::<account>:assumed-role/
/// AWSReservedSSO_<permission set>_<suffix>/<user>`, the suffix being Identity Center's
/// hex id. Exact on every other part, so `Admin` does not match `Admin_RO`.
pub fn matches_session(arn: &str, session: &RoleSession) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    let Some((partition, rest)) = rest.split_once(':') else {
        return false;
    };
    if !partition.starts_with("aws") {
        return false;
    }
    let Some(rest) = rest.strip_prefix("sts::") else {
        return false;
    };
    let Some(rest) = rest
        .strip_prefix(session.account_id.as_str())
        .and_then(|r| r.strip_prefix(":assumed-role/AWSReservedSSO_"))
        .and_then(|r| r.strip_prefix(session.permission_set.as_str()))
        .and_then(|r| r.strip_prefix('_'))
    else {
        return false;
    };
    let Some((suffix, user)) = rest.split_once('/') else {
        return false;
    };
    !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit()) && user == session.user_name
}

/// The events of `events` that belong to the grant, in the order given, flagged.
pub fn select(events: Vec<TrailEvent>, window: &GrantWindow) -> Vec<Matched> {
    events
        .into_iter()
        .filter(|e| {
            e.identity_type == "AssumedRole"
                && e.account_id == window.session.account_id
                && matches_session(&e.arn, &window.session)
                // A record without the issue time is judged by when it was made.
                && (window.start..=window.issued_until)
                    .contains(&e.session_issued_at.unwrap_or(e.event_time))
                && (window.start..=window.watched_until).contains(&e.event_time)
        })
        .map(|event| Matched {
            after_window: event.event_time > window.end,
            event,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;

    const ACCOUNT: &str = "111111111111";

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    fn session(user: &str, account: &str, ps: &str) -> RoleSession {
        RoleSession {
            account_id: account.into(),
            permission_set: ps.into(),
            user_name: user.into(),
        }
    }

    /// The grant: alice, AdministratorAccess in 111111111111, minutes 0 to 60, one-hour
    /// sessions.
    fn window() -> GrantWindow {
        GrantWindow {
            session: session("alice", ACCOUNT, "AdministratorAccess"),
            start: t(0),
            end: t(60),
            issued_until: t(62),
            watched_until: t(122),
        }
    }

    fn event(id: &str, arn_of: &RoleSession, suffix: &str, issued: i64, at: i64) -> TrailEvent {
        TrailEvent {
            event_id: id.into(),
            event_time: t(at),
            event_source: "s3.amazonaws.com".into(),
            event_name: "ListBuckets".into(),
            event_type: "AwsApiCall".into(),
            aws_region: "us-east-1".into(),
            source_ip_address: Some("192.0.2.1".into()),
            user_agent: None,
            read_only: Some(true),
            error_code: None,
            arn: format!(
                "arn:aws:sts::{}:assumed-role/AWSReservedSSO_{}_{suffix}/{}",
                arn_of.account_id, arn_of.permission_set, arn_of.user_name
            ),
            account_id: arn_of.account_id.clone(),
            identity_type: "AssumedRole".into(),
            session_issued_at: Some(t(issued)),
            request_parameters: None,
        }
    }

    fn ids(matched: &[Matched]) -> Vec<&str> {
        matched.iter().map(|m| m.event.event_id.as_str()).collect()
    }

    #[test]
    fn the_grants_own_calls_are_kept_in_order_and_late_ones_flagged() {
        let own = window().session;
        let events = vec![
            event("during", &own, "0123abcd", 5, 10),
            event("at-end", &own, "0123abcd", 5, 60),
            event("after", &own, "0123abcd", 55, 90),
            event("issued-while-deleting", &own, "0123abcd", 61, 70),
        ];
        let matched = select(events, &window());
        assert_eq!(
            ids(&matched),
            ["during", "at-end", "after", "issued-while-deleting"]
        );
        let flags: Vec<bool> = matched.iter().map(|m| m.after_window).collect();
        assert_eq!(flags, [false, false, true, true]);
    }

    #[test]
    fn other_users_accounts_and_permission_sets_are_not_the_grants() {
        let w = window();
        let events = vec![
            event(
                "bob",
                &session("bob", ACCOUNT, "AdministratorAccess"),
                "0123abcd",
                5,
                10,
            ),
            // A user whose name starts with the requester's.
            event(
                "alice2",
                &session("alice2", ACCOUNT, "AdministratorAccess"),
                "0123abcd",
                5,
                10,
            ),
            event(
                "other-account",
                &session("alice", "222222222222", "AdministratorAccess"),
                "0123abcd",
                5,
                10,
            ),
            event(
                "other-set",
                &session("alice", ACCOUNT, "ReadOnly"),
                "0123abcd",
                5,
                10,
            ),
            // A permission set whose name starts with the grant's.
            event(
                "longer-set",
                &session("alice", ACCOUNT, "AdministratorAccess_Break"),
                "0123abcd",
                5,
                10,
            ),
        ];
        assert_eq!(ids(&select(events, &w)), Vec::<&str>::new());
    }

    #[test]
    fn the_same_users_standing_role_and_other_grants_are_not_mixed_in() {
        let w = window();
        let own = w.session.clone();
        let events = vec![
            // Standing ReadOnly in the same account, used during the window.
            event(
                "standing",
                &session("alice", ACCOUNT, "ReadOnly"),
                "99aa",
                5,
                10,
            ),
            // The same permission set, credentials issued before this window (a previous
            // grant, or a standing assignment), used during it.
            event("earlier-creds", &own, "0123abcd", -30, 10),
            // A later grant of the same access: credentials issued after this one ended.
            event("later-grant", &own, "0123abcd", 100, 105),
            event("mine", &own, "0123abcd", 1, 2),
        ];
        assert_eq!(ids(&select(events, &w)), ["mine"]);
    }

    #[test]
    fn a_record_forged_across_accounts_or_without_a_role_is_refused() {
        let w = window();
        let own = w.session.clone();
        let mut wrong_account = event("acct-mismatch", &own, "0123abcd", 5, 10);
        wrong_account.account_id = "222222222222".into();
        let mut not_a_role = event("iam-user", &own, "0123abcd", 5, 10);
        not_a_role.identity_type = "IAMUser".into();
        let mut past_watch = event("too-late", &own, "0123abcd", 59, 123);
        past_watch.event_name = "GetObject".into();
        let mut no_issue_time = event("no-creation-date", &own, "0123abcd", 0, 30);
        no_issue_time.session_issued_at = None;
        let matched = select(
            vec![wrong_account, not_a_role, past_watch, no_issue_time],
            &w,
        );
        assert_eq!(ids(&matched), ["no-creation-date"]);
    }

    #[test]
    fn session_arns_are_matched_part_by_part() {
        let s = session("alice@example.com", ACCOUNT, "Admin");
        let ok = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b2c3d4e5f6789/alice@example.com";
        assert!(matches_session(ok, &s));
        assert!(matches_session(
            &ok.replace("arn:aws:", "arn:aws-us-gov:"),
            &s
        ));
        for bad in [
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_/alice@example.com",
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_xyz/alice@example.com",
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_Plus_0a1b/alice@example.com",
            "arn:aws:sts::111111111111:assumed-role/Admin_0a1b/alice@example.com",
            "arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_0a1b/alice@example.com",
            "arn:aws:sts::1111111111112:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com",
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.co",
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com/x",
            "xarn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com",
        ] {
            assert!(!matches_session(bad, &s), "{bad}");
        }
    }
}
