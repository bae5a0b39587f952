//! The broker's AWS permissions: every action `docs/iam-policy.json` grants, tried once in
//! a way that changes nothing (`idc::probe`). Access denied names the action to allow.

use super::Check;
use crate::idc::{AwsIdentityCenter, IdcError, ProbeTargets};

/// The IAM policy the broker's role needs, as shipped (also in the CloudFormation template).
pub const POLICY_JSON: &str = include_str!("../../../../docs/iam-policy.json");

/// Every Identity Center action the policy allows, in file order. The session-activity
/// reads (`logs:`) are the `activity` check's: a query over the trail's log group.
pub fn policy_actions() -> Vec<String> {
    let policy: serde_json::Value = match serde_json::from_str(POLICY_JSON) {
        Ok(policy) => policy,
        Err(_) => return Vec::new(),
    };
    policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .filter(|a| !a.starts_with("logs:"))
        .collect()
}

pub(super) async fn check(
    idc: &AwsIdentityCenter,
    targets: Option<&ProbeTargets>,
    checks: &mut Vec<Check>,
) {
    let Some(targets) = targets else {
        checks.push(Check::skipped(
            "permissions",
            "needs the instance, the baseline and the baseline account",
        ));
        return;
    };
    let actions = policy_actions();
    let mut denied = Vec::new();
    let mut unknown = Vec::new();
    for action in &actions {
        match idc.try_action(action, targets).await {
            // Found, not found, or refused as invalid: the call was allowed.
            Some(
                Ok(()) | Err(IdcError::NotFound(_) | IdcError::Other(_) | IdcError::Conflict(_)),
            ) => {}
            Some(Err(IdcError::AccessDenied(_))) => denied.push(action.as_str()),
            Some(Err(e @ (IdcError::Throttled(_) | IdcError::Unavailable(_)))) => {
                unknown.push(format!("{action} ({e})"))
            }
            None => unknown.push(format!("{action} (doctor has no harmless try for it)")),
        }
    }
    checks.push(if !denied.is_empty() {
        Check::fail(
            "permissions",
            format!("the broker's role may not call {}", denied.join(", ")),
            "attach docs/iam-policy.json to the broker's role (deploy/cloudformation/stint.yaml does)",
        )
    } else if !unknown.is_empty() {
        Check::warn(
            "permissions",
            format!("could not tell for {}", unknown.join(", ")),
            "run doctor again; if it persists, check the network path to AWS",
        )
    } else {
        Check::ok(
            "permissions",
            format!(
                "all {} calls in docs/iam-policy.json allowed (each tried once, nothing changed)",
                actions.len()
            ),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses_and_names_the_calls() {
        let actions = policy_actions();
        assert!(actions.len() > 10, "{actions:?}");
        assert!(actions.iter().any(|a| a == "sso:CreateAccountAssignment"));
    }
}
