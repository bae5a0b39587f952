//! SSO Admin (`SWBExternalService`, JSON 1.1): the instance, permission sets, and account
//! assignments with AWS's asynchronous create and delete.
//!
//! Choices where AWS's behaviour is not obvious (documented in the crate docs too):
//! - creating an assignment that already exists is accepted and SUCCEEDS without a
//!   duplicate (AWS does not refuse duplicates; Terraform and CloudFormation check first);
//! - deleting an assignment that does not exist is refused at once with
//!   ResourceNotFoundException (what Terraform's provider treats as "already gone");
//! - a second create or delete on the same account and permission set while one is
//!   IN_PROGRESS gets ConflictException, whatever the principal.

use serde_json::{Value, json};

use super::error::AwsError;
use super::input::Input;
use super::paging;
use super::timestamp;
use crate::sim::Sim;
use crate::state::assignments::{OpKind, Operation};
use crate::world::{Assignment, PrincipalType};

const INVALID: &str = "ValidationException";

pub(super) fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::bad_request("ResourceNotFoundException", message)
}

pub(super) fn max_results(input: &Input<'_>) -> Result<usize, AwsError> {
    match input.opt_u64("MaxResults")? {
        None => Ok(100),
        Some(n @ 1..=100) => Ok(n as usize),
        Some(n) => Err(input.error(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
        ))),
    }
}

fn bad_token(input: &Input<'_>) -> AwsError {
    input.error("The NextToken is not valid for this request")
}

pub(crate) fn handle(sim: &Sim, op: &str, body: &Value) -> Result<Value, AwsError> {
    let input = Input::new(body, INVALID);
    if op != "ListInstances" {
        check_instance(sim, &input)?;
    }
    match op {
        "ListInstances" => list_instances(sim, &input),
        "ListPermissionSets" => list_permission_sets(sim, &input),
        "DescribePermissionSet" => describe_permission_set(sim, &input),
        "CreateAccountAssignment" => start(sim, &input, OpKind::Create),
        "DeleteAccountAssignment" => start(sim, &input, OpKind::Delete),
        "DescribeAccountAssignmentCreationStatus" => describe_status(sim, &input, OpKind::Create),
        "DescribeAccountAssignmentDeletionStatus" => describe_status(sim, &input, OpKind::Delete),
        "ListAccountAssignments" => list_account_assignments(sim, &input),
        "ListAccountAssignmentsForPrincipal" => list_for_principal(sim, &input),
        "ListManagedPoliciesInPermissionSet"
        | "ListCustomerManagedPolicyReferencesInPermissionSet"
        | "GetInlinePolicyForPermissionSet"
        | "GetPermissionsBoundaryForPermissionSet" => {
            super::sso_admin_policies::handle(sim, op, &input)
        }
        _ => Err(super::unknown_operation("SWBExternalService", op)),
    }
}

fn check_instance(sim: &Sim, input: &Input<'_>) -> Result<(), AwsError> {
    let arn = input.str("InstanceArn")?;
    if arn != sim.world.instance().instance_arn {
        return Err(not_found(format!(
            "Instance {arn} does not exist (this simulator serves {})",
            sim.world.instance().instance_arn
        )));
    }
    Ok(())
}

fn list_instances(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let instance = sim.world.instance();
    let items = vec![json!({
        "InstanceArn": instance.instance_arn,
        "IdentityStoreId": instance.identity_store_id,
        "OwnerAccountId": instance.owner_account_id,
        "Status": "ACTIVE",
        "CreatedDate": 1_704_067_200,
    })];
    let (page, next) = paging::page(
        items,
        input.opt_str("NextToken")?,
        max_results(input)?,
        "ListInstances",
    )
    .ok_or_else(|| bad_token(input))?;
    Ok(json!({ "Instances": page, "NextToken": next }))
}

fn list_permission_sets(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let arns: Vec<String> = sim
        .world
        .permission_sets()
        .iter()
        .map(|p| p.arn.clone())
        .collect();
    let (page, next) = paging::page(
        arns,
        input.opt_str("NextToken")?,
        max_results(input)?,
        "ListPermissionSets",
    )
    .ok_or_else(|| bad_token(input))?;
    Ok(json!({ "PermissionSets": page, "NextToken": next }))
}

/// ISO 8601 duration, as AWS writes session durations: `PT1H`, `PT4H30M`.
pub(crate) fn iso8601(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || secs == 0 {
        out.push_str(&format!("{s}S"));
    }
    out
}

fn describe_permission_set(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let arn = input.str("PermissionSetArn")?;
    let ps = sim
        .world
        .permission_set_by_arn(arn)
        .ok_or_else(|| not_found(format!("PermissionSet {arn} does not exist")))?;
    Ok(json!({
        "PermissionSet": {
            "Name": ps.name,
            "PermissionSetArn": ps.arn,
            "Description": ps.description,
            "CreatedDate": 1_704_067_200,
            "SessionDuration": iso8601(ps.session_duration),
        }
    }))
}

fn assignment_from(sim: &Sim, input: &Input<'_>) -> Result<Assignment, AwsError> {
    let target = input.str("TargetId")?;
    let target_type = input.str("TargetType")?;
    if target_type != "AWS_ACCOUNT" {
        return Err(input.error(format!(
            "1 validation error detected: Value '{target_type}' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_ACCOUNT]"
        )));
    }
    let ps_arn = input.str("PermissionSetArn")?;
    let principal_type = input.str("PrincipalType")?;
    let principal_type = PrincipalType::parse(principal_type).ok_or_else(|| {
        input.error(format!(
            "1 validation error detected: Value '{principal_type}' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]"
        ))
    })?;
    let principal_id = input.str("PrincipalId")?;
    if sim.world.permission_set_by_arn(ps_arn).is_none() {
        return Err(not_found(format!("PermissionSet {ps_arn} does not exist")));
    }
    if target.len() != 12 || !target.bytes().all(|b| b.is_ascii_digit()) {
        return Err(input.error(format!(
            "1 validation error detected: Value '{target}' at 'targetId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{{12}}"
        )));
    }
    if sim.world.account(target).is_none() {
        return Err(not_found(format!(
            "Account {target} is not in the organization"
        )));
    }
    let known = match principal_type {
        PrincipalType::User => sim.world.user_by_id(principal_id).is_some(),
        PrincipalType::Group => sim.world.group_by_id(principal_id).is_some(),
    };
    if !known {
        return Err(not_found(format!(
            "{} {principal_id} does not exist in identity store {}",
            principal_type.as_str(),
            sim.world.instance().identity_store_id
        )));
    }
    Ok(Assignment {
        account_id: target.to_owned(),
        permission_set_arn: ps_arn.to_owned(),
        principal_type,
        principal_id: principal_id.to_owned(),
    })
}

fn status_json(op: &Operation, now: chrono::DateTime<chrono::Utc>) -> Value {
    let status = op.status(now);
    let reason = match &status {
        crate::state::assignments::OpStatus::Failed(reason) => Some(reason.clone()),
        _ => None,
    };
    json!({
        "Status": status.as_str(),
        "RequestId": op.request_id,
        "FailureReason": reason,
        "TargetId": op.assignment.account_id,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": op.assignment.permission_set_arn,
        "PrincipalType": op.assignment.principal_type.as_str(),
        "PrincipalId": op.assignment.principal_id,
        "CreatedDate": timestamp(op.created_at),
    })
}

fn status_key(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Create => "AccountAssignmentCreationStatus",
        OpKind::Delete => "AccountAssignmentDeletionStatus",
    }
}

fn start(sim: &Sim, input: &Input<'_>, kind: OpKind) -> Result<Value, AwsError> {
    let assignment = assignment_from(sim, input)?;
    let now = sim.now();
    let mut state = sim.state();
    if let Some(running) = state.assignments.in_progress_on(
        &assignment.account_id,
        &assignment.permission_set_arn,
        now,
    ) {
        return Err(AwsError::bad_request(
            "ConflictException",
            format!(
                "An account assignment operation ({}) is already in progress for permission set {} in account {}; try again when it completes",
                running.request_id, assignment.permission_set_arn, assignment.account_id
            ),
        ));
    }
    if kind == OpKind::Delete && !state.assignments.exists(&assignment) {
        return Err(not_found(format!(
            "No account assignment of {} to {} {} in account {}",
            assignment.permission_set_arn,
            assignment.principal_type.as_str(),
            assignment.principal_id,
            assignment.account_id
        )));
    }
    let delay = state
        .faults
        .provisioning_delay(sim.world.timing().provisioning_delay);
    let failure = state.faults.take_forced_failure().then(|| {
        format!(
            "Request {} failed: provisioning the permission set to account {} did not complete (forced by stint-sim fault injection)",
            match kind {
                OpKind::Create => "to create the account assignment",
                OpKind::Delete => "to delete the account assignment",
            },
            assignment.account_id
        )
    });
    let op = state
        .assignments
        .start(kind, assignment, now, delay, failure);
    tracing::info!(
        request_id = %op.request_id,
        kind = ?kind,
        account = %op.assignment.account_id,
        principal = %op.assignment.principal_id,
        "assignment operation started"
    );
    Ok(json!({ status_key(kind): status_json(op, now) }))
}

fn describe_status(sim: &Sim, input: &Input<'_>, kind: OpKind) -> Result<Value, AwsError> {
    let field = match kind {
        OpKind::Create => "AccountAssignmentCreationRequestId",
        OpKind::Delete => "AccountAssignmentDeletionRequestId",
    };
    let id = input.str(field)?;
    let now = sim.now();
    let state = sim.state();
    let op = state
        .assignments
        .operation(id, kind)
        .ok_or_else(|| not_found(format!("Request {id} does not exist")))?;
    Ok(json!({ status_key(kind): status_json(op, now) }))
}

fn list_account_assignments(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let account = input.str("AccountId")?;
    let ps_arn = input.str("PermissionSetArn")?;
    if sim.world.permission_set_by_arn(ps_arn).is_none() {
        return Err(not_found(format!("PermissionSet {ps_arn} does not exist")));
    }
    let items: Vec<Value> = sim
        .state()
        .assignments
        .for_account_and_permission_set(account, ps_arn)
        .map(|a| {
            json!({
                "AccountId": a.account_id,
                "PermissionSetArn": a.permission_set_arn,
                "PrincipalType": a.principal_type.as_str(),
                "PrincipalId": a.principal_id,
            })
        })
        .collect();
    let listing = format!("ListAccountAssignments/{account}/{ps_arn}");
    let (page, next) = paging::page(
        items,
        input.opt_str("NextToken")?,
        max_results(input)?,
        &listing,
    )
    .ok_or_else(|| bad_token(input))?;
    Ok(json!({ "AccountAssignments": page, "NextToken": next }))
}

fn list_for_principal(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let principal_id = input.str("PrincipalId")?;
    let principal_type = input.str("PrincipalType")?;
    let principal_type = PrincipalType::parse(principal_type).ok_or_else(|| {
        input.error(format!(
            "1 validation error detected: Value '{principal_type}' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]"
        ))
    })?;
    let account_filter = match input.opt_obj("Filter")? {
        Some(filter) => filter.opt_str("AccountId")?.map(str::to_owned),
        None => None,
    };
    let items: Vec<Value> = sim
        .state()
        .assignments
        .for_principal(principal_type, principal_id)
        .filter(|a| {
            account_filter
                .as_deref()
                .is_none_or(|acc| a.account_id == acc)
        })
        .map(|a| {
            json!({
                "AccountId": a.account_id,
                "PermissionSetArn": a.permission_set_arn,
                "PrincipalType": a.principal_type.as_str(),
                "PrincipalId": a.principal_id,
            })
        })
        .collect();
    let listing = format!(
        "ListAccountAssignmentsForPrincipal/{principal_id}/{}",
        account_filter.unwrap_or_default()
    );
    let (page, next) = paging::page(
        items,
        input.opt_str("NextToken")?,
        max_results(input)?,
        &listing,
    )
    .ok_or_else(|| bad_token(input))?;
    Ok(json!({ "AccountAssignments": page, "NextToken": next }))
}

#[cfg(test)]
mod tests {
    use super::iso8601;
    use std::time::Duration;

    #[test]
    fn session_durations_in_iso8601() {
        assert_eq!(iso8601(Duration::from_secs(3600)), "PT1H");
        assert_eq!(iso8601(Duration::from_secs(4 * 3600 + 1800)), "PT4H30M");
        assert_eq!(iso8601(Duration::from_secs(12 * 3600)), "PT12H");
    }
}
