//! Fixtures for unit tests: requests as the broker would send them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use stint_api::{
    AccessRequest, AccountRef, GroupAccessRef, GroupRef, PermissionSetRef, RequestState, UserRef,
};

pub fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap() + Duration::minutes(min)
}

pub fn user(name: &str, display: &str) -> UserRef {
    UserRef {
        user_id: format!("id-{name}"),
        user_name: name.into(),
        display_name: display.into(),
    }
}

/// Request `id` by alice for prod/AdministratorAccess, a 60-minute window from minute 0.
pub fn req(id: i64, state: RequestState, updated: i64) -> AccessRequest {
    AccessRequest {
        id,
        requester: user("alice", "Alice Adams"),
        account: AccountRef {
            id: "333333333333".into(),
            name: "prod".into(),
        },
        permission_set: PermissionSetRef {
            name: "AdministratorAccess".into(),
            arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
            description: None,
            session_duration_secs: 3600,
        },
        set_id: None,
        group: None,
        state,
        reason: "Investigating INC-42".into(),
        ticket: None,
        duration_secs: 3600,
        start_at: t(0),
        end_at: t(60),
        pending_end_at: None,
        approval_required: true,
        approval_deadline: None,
        decided_by: (state != RequestState::Pending).then(|| user("bob", "Bob Baker")),
        decision_comment: None,
        outcome: None,
        created_at: t(-5),
        updated_at: t(updated),
        history: None,
    }
}

/// Request `id` by alice for group oncall-admins, which gives AdministratorAccess in prod
/// (333333333333) and staging (444444444444); a group request has no account or
/// permission set of its own.
pub fn group_req(id: i64, state: RequestState, updated: i64) -> AccessRequest {
    let mut r = req(id, state, updated);
    r.account = AccountRef {
        id: String::new(),
        name: String::new(),
    };
    r.permission_set = PermissionSetRef {
        name: String::new(),
        arn: String::new(),
        description: None,
        session_duration_secs: 0,
    };
    let gives = [("333333333333", "prod"), ("444444444444", "staging")];
    r.group = Some(GroupRef {
        id: "g-1".into(),
        name: "oncall-admins".into(),
        gives: gives
            .iter()
            .map(|(id, name)| GroupAccessRef {
                account: AccountRef {
                    id: (*id).into(),
                    name: (*name).into(),
                },
                permission_set: "AdministratorAccess".into(),
            })
            .collect(),
    });
    r
}
