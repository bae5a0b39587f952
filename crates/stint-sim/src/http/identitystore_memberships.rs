//! Identity Store's group membership writes and lookups: CreateGroupMembership,
//! DeleteGroupMembership, GetGroupMembershipId, DescribeGroupMembership, with the errors
//! AWS gives (ConflictException with its `Reason`, ResourceNotFoundException with
//! `ResourceType` and `ResourceId`). Fault injection's `conflict_rate` makes writes meet
//! a concurrent modification, as they may in AWS; its `write_answer_delay_ms` holds the
//! answer to a write that was made (in `aws.rs`, after the call log).

use serde_json::{Value, json};

use super::error::AwsError;
use super::identitystore::{member_user_id, membership_json, not_found};
use super::input::Input;
use crate::faults::Api;
use crate::sim::Sim;
use crate::state::memberships::MembershipError;

fn conflict(reason: &'static str, message: String) -> AwsError {
    AwsError::bad_request("ConflictException", message).with("Reason", reason)
}

/// An injected conflict, checked before a write changes anything.
fn maybe_conflict(sim: &Sim) -> Result<(), AwsError> {
    if sim.state().faults.roll_conflict(Api::IdentityStore) {
        tracing::info!("fault injected: identitystore ConflictException");
        return Err(conflict(
            "CONCURRENT_MODIFICATION",
            "The request could not be completed because of a concurrent modification; retry (injected by stint-sim)".into(),
        ));
    }
    Ok(())
}

pub(super) fn create(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let world = &sim.world;
    let group_id = input.str("GroupId")?;
    let user_id = member_user_id(input)?;
    if world.group_by_id(group_id).is_none() {
        return Err(not_found("GROUP", group_id));
    }
    if world.user_by_id(user_id).is_none() {
        return Err(not_found("USER", user_id));
    }
    maybe_conflict(sim)?;
    let mut state = sim.state();
    match state.memberships.create(group_id, user_id) {
        Ok(m) => {
            tracing::info!(group_id, user_id, membership_id = %m.membership_id, "group membership created");
            Ok(json!({
                "MembershipId": m.membership_id,
                "IdentityStoreId": world.instance().identity_store_id,
            }))
        }
        Err(MembershipError::Exists(id)) => Err(conflict(
            "UNIQUENESS_CONSTRAINT_VIOLATION",
            format!("Member and Group relationship already exists (membership {id})"),
        )),
        Err(MembershipError::NotFound) => Err(not_found("GROUP", group_id)),
    }
}

pub(super) fn delete(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let membership_id = input.str("MembershipId")?;
    if sim.state().memberships.by_id(membership_id).is_none() {
        return Err(not_found("GROUP_MEMBERSHIP", membership_id));
    }
    maybe_conflict(sim)?;
    match sim.state().memberships.delete(membership_id) {
        Ok(m) => {
            tracing::info!(group_id = %m.group_id, user_id = %m.user_id, membership_id, "group membership deleted");
            Ok(json!({}))
        }
        Err(_) => Err(not_found("GROUP_MEMBERSHIP", membership_id)),
    }
}

pub(super) fn get_id(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let group_id = input.str("GroupId")?;
    let user_id = member_user_id(input)?;
    if sim.world.group_by_id(group_id).is_none() {
        return Err(not_found("GROUP", group_id));
    }
    let state = sim.state();
    let m = state.memberships.get(group_id, user_id).ok_or_else(|| {
        AwsError::bad_request(
            "ResourceNotFoundException",
            format!("User {user_id} is not a member of group {group_id}"),
        )
        .with("ResourceType", "GROUP_MEMBERSHIP")
    })?;
    Ok(json!({
        "MembershipId": m.membership_id,
        "IdentityStoreId": sim.world.instance().identity_store_id,
    }))
}

pub(super) fn describe(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let membership_id = input.str("MembershipId")?;
    let state = sim.state();
    let m = state
        .memberships
        .by_id(membership_id)
        .ok_or_else(|| not_found("GROUP_MEMBERSHIP", membership_id))?;
    Ok(membership_json(&sim.world, m))
}
