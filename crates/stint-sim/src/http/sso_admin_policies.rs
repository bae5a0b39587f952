//! SSO Admin's reads of what a permission set grants: AWS managed policies, customer
//! managed policy references, the inline policy and the permissions boundary, from the
//! world file's `managed_policies`, `customer_managed_policies` and `inline_policy`.
//! (`stint-broker doctor` reads them to check that the baseline grants nothing.)
//!
//! As AWS does: a permission set without an inline policy answers an empty string, and one
//! without a permissions boundary answers ResourceNotFoundException.

use serde_json::{Value, json};

use super::error::AwsError;
use super::input::Input;
use super::paging;
use super::sso_admin::{max_results, not_found};
use crate::sim::Sim;
use crate::world::PermissionSet;

pub(super) fn handle(sim: &Sim, op: &str, input: &Input<'_>) -> Result<Value, AwsError> {
    let arn = input.str("PermissionSetArn")?;
    let ps = sim
        .world
        .permission_set_by_arn(arn)
        .ok_or_else(|| not_found(format!("PermissionSet {arn} does not exist")))?;
    match op {
        "ListManagedPoliciesInPermissionSet" => managed(ps, input),
        "ListCustomerManagedPolicyReferencesInPermissionSet" => customer_managed(ps, input),
        "GetInlinePolicyForPermissionSet" => Ok(json!({
            "InlinePolicy": ps.policies.inline.clone().unwrap_or_default()
        })),
        "GetPermissionsBoundaryForPermissionSet" => Err(not_found(format!(
            "PermissionSet {arn} has no permissions boundary"
        ))),
        _ => Err(super::unknown_operation("SWBExternalService", op)),
    }
}

fn managed(ps: &PermissionSet, input: &Input<'_>) -> Result<Value, AwsError> {
    let items: Vec<Value> = ps
        .policies
        .managed
        .iter()
        .map(|arn| {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            json!({ "Arn": arn, "Name": name })
        })
        .collect();
    let (page, next) = page(items, input, "ListManagedPoliciesInPermissionSet")?;
    Ok(json!({ "AttachedManagedPolicies": page, "NextToken": next }))
}

fn customer_managed(ps: &PermissionSet, input: &Input<'_>) -> Result<Value, AwsError> {
    let items: Vec<Value> = ps
        .policies
        .customer_managed
        .iter()
        .map(|name| json!({ "Name": name, "Path": "/" }))
        .collect();
    let (page, next) = page(
        items,
        input,
        "ListCustomerManagedPolicyReferencesInPermissionSet",
    )?;
    Ok(json!({ "CustomerManagedPolicyReferences": page, "NextToken": next }))
}

fn page(
    items: Vec<Value>,
    input: &Input<'_>,
    listing: &str,
) -> Result<(Vec<Value>, Option<String>), AwsError> {
    paging::page(
        items,
        input.opt_str("NextToken")?,
        max_results(input)?,
        listing,
    )
    .ok_or_else(|| input.error("The NextToken is not valid for this request"))
}
