//! Several accounts in one request: a *request set*. One create call names the same
//! permission set in several accounts (or an OU's accounts); the broker records one request
//! per account, approved, rejected, cancelled, extended and revoked together, each with its
//! own assignment. The set's state is derived from its members here, once, for the broker
//! and every client.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::request::{AccessRequest, AccountRef, RequestState};

/// `POST /v1/request-sets`: one permission set in several accounts, approved once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct CreateRequestSet {
    /// Account ids or names. Give these or `ou`, not both.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// An organizational unit's name or id: every account below it, at any depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ou: Option<String>,
    /// The permission set's name, as in `CreateRequest`.
    pub permission_set: String,
    // The next four are `CreateRequest`'s fields, read and checked the same way (see
    // their docs there); the descriptions say so instead of copying them. The schema
    // bounds must be literals for utoipa, so they are repeated, and a test below holds
    // them equal to `CreateRequest`'s.
    /// As `CreateRequest.durationSecs`; every account's window has this length.
    #[serde(with = "crate::whole::u32")]
    #[cfg_attr(feature = "ts", ts(as = "u32"))]
    #[schema(minimum = 60, maximum = 2592000)]
    pub duration_secs: u32,
    /// As `CreateRequest.startAt`; every account's window opens then.
    #[serde(default, with = "crate::blank::optional_time")]
    #[cfg_attr(feature = "ts", ts(as = "Option<DateTime<Utc>>"))]
    pub start_at: Option<DateTime<Utc>>,
    /// As `CreateRequest.reason`, given once for every account.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub reason: String,
    /// As `CreateRequest.ticket`, given once for every account.
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub ticket: Option<String>,
}

/// A member of a set that failed: which account, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct FailedTarget {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub request_id: i64,
    pub account: AccountRef,
    /// What went wrong, in a sentence (the request's outcome).
    pub detail: Option<String>,
}

/// `GET /v1/request-sets/{id}`: the set's members and the state derived from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct RequestSet {
    /// The set's id: the id of its first member.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The least advanced state of the members that did not fail (`active` only when every
    /// one of them is), or `failed` when all did.
    pub state: RequestState,
    /// Members that failed, by account. A failed member does not hold the others back.
    pub failed: Vec<FailedTarget>,
    /// One request per account, in id order.
    pub members: Vec<AccessRequest>,
}

/// How far along the lifecycle a state is, for "the least advanced member". Final states
/// other than `failed` rank last: a set is only `ended` (or rejected...) when all are.
fn progress(state: RequestState) -> u8 {
    match state {
        RequestState::Pending => 0,
        RequestState::Approved => 1,
        RequestState::Activating => 2,
        RequestState::Active => 3,
        RequestState::Ending => 4,
        RequestState::Ended
        | RequestState::Rejected
        | RequestState::Cancelled
        | RequestState::Expired
        | RequestState::Failed => 5,
    }
}

impl RequestSet {
    /// The set of `members` (one set's requests, in any order).
    pub fn from_members(id: i64, mut members: Vec<AccessRequest>) -> RequestSet {
        members.sort_by_key(|m| m.id);
        let failed = members
            .iter()
            .filter(|m| m.state == RequestState::Failed)
            .map(|m| FailedTarget {
                request_id: m.id,
                account: m.account.clone(),
                detail: m.outcome.clone(),
            })
            .collect();
        let state = members
            .iter()
            .map(|m| m.state)
            .filter(|s| *s != RequestState::Failed)
            .min_by_key(|s| progress(*s))
            .unwrap_or(RequestState::Failed);
        RequestSet {
            id,
            state,
            failed,
            members,
        }
    }

    /// The accounts of the set, by name, in member order: `dev, staging, prod`.
    pub fn account_names(&self) -> Vec<&str> {
        self.members
            .iter()
            .map(|m| m.account.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PermissionSetRef, UserRef};

    fn member(id: i64, account: &str, state: RequestState) -> AccessRequest {
        let t = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        AccessRequest {
            id,
            requester: UserRef {
                user_id: "u".into(),
                user_name: "alice".into(),
                display_name: "Alice".into(),
            },
            account: AccountRef {
                id: format!("id-{account}"),
                name: account.into(),
            },
            permission_set: PermissionSetRef {
                name: "ReadOnlyAccess".into(),
                arn: "arn".into(),
                description: None,
                session_duration_secs: 3600,
            },
            set_id: Some(1),
            group: None,
            state,
            reason: "r".into(),
            ticket: None,
            duration_secs: 3600,
            start_at: t,
            end_at: t,
            pending_end_at: None,
            approval_required: true,
            approval_deadline: None,
            decided_by: None,
            decision_comment: None,
            outcome: (state == RequestState::Failed).then(|| "no such account".to_string()),
            created_at: t,
            updated_at: t,
            history: None,
        }
    }

    /// A property of a type's OpenAPI schema, without its description.
    fn property<T: utoipa::PartialSchema>(name: &str) -> serde_json::Value {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let mut property = schema["properties"][name].clone();
        assert!(property.is_object(), "no {name} in {schema}");
        property.as_object_mut().unwrap().remove("description");
        property
    }

    #[test]
    fn a_sets_shared_fields_are_bounded_as_a_single_requests() {
        use crate::CreateRequest;
        for name in ["durationSecs", "startAt", "reason", "ticket"] {
            assert_eq!(
                property::<CreateRequestSet>(name),
                property::<CreateRequest>(name),
                "{name}"
            );
        }
    }

    #[test]
    fn active_only_when_every_member_that_did_not_fail_is() {
        use RequestState::*;
        let set = RequestSet::from_members(
            1,
            vec![member(2, "staging", Active), member(1, "dev", Activating)],
        );
        assert_eq!(set.state, Activating);
        assert_eq!(set.account_names(), ["dev", "staging"]);

        let set = RequestSet::from_members(
            1,
            vec![
                member(1, "dev", Active),
                member(2, "staging", Failed),
                member(3, "prod", Active),
            ],
        );
        assert_eq!(set.state, Active);
        assert_eq!(set.failed.len(), 1);
        assert_eq!(set.failed[0].account.name, "staging");
        assert_eq!(set.failed[0].detail.as_deref(), Some("no such account"));

        let set = RequestSet::from_members(1, vec![member(1, "dev", Failed)]);
        assert_eq!(set.state, Failed);
        let set =
            RequestSet::from_members(1, vec![member(1, "dev", Ended), member(2, "prod", Ending)]);
        assert_eq!(set.state, Ending);
    }
}
