//! Requests and grants as the API sends them: the model's wire form, and for a group grant
//! what the group gives (its account assignments, named), which the policy in force knows
//! and the request does not. Every response and event of the API goes through here.

use std::sync::Arc;

use stint_api::{AccessRequest, Grant, GroupRef};

use crate::model::Request;
use crate::policy::{ResolvedPolicy, grantable_group_gives};
use crate::workflow::RequestDetails;

use super::caller::Viewer;
use super::state::AppState;

/// Converts requests with one reading of the policy in force (none while the broker waits
/// for Identity Center: a group's `gives` is then empty).
pub struct Wire {
    policy: Option<Arc<ResolvedPolicy>>,
}

impl Wire {
    /// With the policy the caller was authorized under.
    pub fn of(viewer: &Viewer) -> Wire {
        Wire {
            policy: Some(viewer.policy.clone()),
        }
    }

    /// With the policy in force now (the event stream, which outlives reloads).
    pub fn now(state: &AppState) -> Wire {
        Wire {
            policy: state.policy().in_force(),
        }
    }

    pub fn details(&self, details: &RequestDetails) -> AccessRequest {
        let mut out = details.to_api();
        self.fill(&mut out.group);
        out
    }

    pub fn request(&self, request: &Request) -> AccessRequest {
        let mut out = request.to_api();
        self.fill(&mut out.group);
        out
    }

    pub fn grant(&self, request: &Request) -> Grant {
        let mut out = request.to_grant();
        self.fill(&mut out.group);
        out
    }

    fn fill(&self, group: &mut Option<GroupRef>) {
        if let (Some(group), Some(policy)) = (group.as_mut(), self.policy.as_deref()) {
            group.gives = grantable_group_gives(&group.id, policy);
        }
    }
}
