//! Words for time and targets, shared by the tray menu and the notifications. The
//! window's own formatting (`ui/src/lib/time.ts`) says the same things the same way:
//! both are held to `time_left_cases.json`.

use chrono::{DateTime, Local, Utc};
use stint_api::AccessRequest;

/// `prod / AdministratorAccess`, or `group oncall-admins` for a group-membership grant.
pub fn target(request: &AccessRequest) -> String {
    match &request.group {
        Some(group) => format!("group {}", group.name),
        None => format!("{} / {}", request.account.name, request.permission_set.name),
    }
}

/// What a request set asks for, one item for all its members: `ReadOnlyAccess in 3
/// accounts: dev, staging, prod` (the accounts in member order); a lone request reads as
/// [`target`].
pub fn set_target(members: &[&AccessRequest]) -> String {
    match members {
        [] => String::new(),
        [one] => target(one),
        [first, ..] => format!(
            "{} in {} accounts: {}",
            first.permission_set.name,
            members.len(),
            members
                .iter()
                .map(|m| m.account.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Time left in words, in the whole minutes the window's countdown shows (at 41:07 both
/// say 41): `41 min left`, `1 h 5 min left`, `less than a minute left`, `ended`. The
/// tray redraws on the end's minute boundaries (`Model::next_wakeup`), where it changes.
pub fn left(seconds: i64) -> String {
    if seconds <= 0 {
        return "ended".to_owned();
    }
    if seconds < 60 {
        return "less than a minute left".to_owned();
    }
    let minutes = seconds / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min left"),
        (h, 0) => format!("{h} h left"),
        (h, m) => format!("{h} h {m} min left"),
    }
}

/// How long a window that just opened (or was just extended) lasts, for a notification
/// said once rather than counted down: to the nearest minute, so a one-hour grant reads
/// `1 h left` although a few milliseconds of it have passed.
pub fn left_now(seconds: i64) -> String {
    left((seconds + 30) / 60 * 60)
}

/// A length of time: `1 h 30 min`, `45 min`, `90 s`.
pub fn duration(seconds: u32) -> String {
    if seconds < 120 && seconds % 60 != 0 {
        return format!("{seconds} s");
    }
    let minutes = (seconds + 30) / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// What an extension waiting for an approver asks: `by 30 min, to 15:42`.
pub fn extension(request: &AccessRequest) -> Option<String> {
    let asked = request.pending_end_at?;
    let by = u32::try_from((asked - request.end_at).num_seconds().max(0)).unwrap_or(u32::MAX);
    Some(format!("by {}, to {}", duration(by), clock(asked)))
}

/// `14:32` in the person's time zone.
pub fn clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%H:%M").to_string()
}

/// The tray's line for an active grant: `prod / AdministratorAccess — 42 min left`.
pub fn grant_line(request: &AccessRequest, now: DateTime<Utc>) -> String {
    format!(
        "{} — {}",
        target(request),
        left((request.end_at - now).num_seconds())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Cases {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        seconds: i64,
        left: String,
    }

    /// The same cases as the window's `formatLeft` (ui/tests/time.test.ts).
    #[test]
    fn time_left_reads_as_the_window_says_it() {
        let cases: Cases = serde_json::from_str(include_str!("time_left_cases.json")).unwrap();
        assert!(cases.cases.len() > 10);
        for case in cases.cases {
            assert_eq!(left(case.seconds), case.left, "{} s", case.seconds);
        }
    }

    #[test]
    fn a_notification_says_the_length_just_begun() {
        assert_eq!(left_now(3599), "1 h left");
        assert_eq!(left_now(3600), "1 h left");
        assert_eq!(left_now(29 * 60 + 31), "30 min left");
        assert_eq!(left_now(20), "ended");
    }

    #[test]
    fn a_group_grant_is_named_by_its_group() {
        let mut r = crate::testing::req(7, stint_api::RequestState::Active, 0);
        assert_eq!(target(&r), "prod / AdministratorAccess");
        r.group = Some(stint_api::GroupRef {
            id: "g-1".into(),
            name: "oncall-admins".into(),
            gives: Vec::new(),
        });
        assert_eq!(target(&r), "group oncall-admins");
    }

    #[test]
    fn a_request_set_names_every_account_once() {
        let mut dev = crate::testing::req(7, stint_api::RequestState::Pending, 0);
        dev.account.name = "dev".into();
        dev.permission_set.name = "ReadOnlyAccess".into();
        let mut staging = dev.clone();
        staging.account.name = "staging".into();
        let mut prod = dev.clone();
        prod.account.name = "prod".into();
        assert_eq!(
            set_target(&[&dev, &staging, &prod]),
            "ReadOnlyAccess in 3 accounts: dev, staging, prod"
        );
        assert_eq!(set_target(&[&dev]), "dev / ReadOnlyAccess");
    }

    #[test]
    fn durations_read_like_the_window() {
        assert_eq!(duration(5400), "1 h 30 min");
        assert_eq!(duration(3600), "1 h");
        assert_eq!(duration(2700), "45 min");
        assert_eq!(duration(90), "90 s");
        assert_eq!(duration(120), "2 min");
    }
}
