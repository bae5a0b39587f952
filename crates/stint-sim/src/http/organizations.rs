//! Organizations (`AWSOrganizationsV20161128`, JSON 1.1): the root, OUs and accounts of
//! the world, read-only. Organizations lists at most 20 items a page.

use serde_json::{Value, json};

use super::error::AwsError;
use super::input::Input;
use super::paging;
use crate::sim::Sim;
use crate::world::{Account, World};

const INVALID: &str = "InvalidInputException";
/// When every account joined, as far as the simulator is concerned.
const JOINED: i64 = 1_704_067_200;

fn max_results(input: &Input<'_>) -> Result<usize, AwsError> {
    match input.opt_u64("MaxResults")? {
        None => Ok(20),
        Some(n @ 1..=20) => Ok(n as usize),
        Some(_) => Err(input.error("MaxResults must be between 1 and 20")),
    }
}

fn paged(
    items: Vec<Value>,
    input: &Input<'_>,
    listing: &str,
    key: &str,
) -> Result<Value, AwsError> {
    let (page, next) = paging::page(
        items,
        input.opt_str("NextToken")?,
        max_results(input)?,
        listing,
    )
    .ok_or_else(|| input.error("The NextToken is not valid for this request"))?;
    Ok(json!({ key: page, "NextToken": next }))
}

fn account_json(account: &Account) -> Value {
    json!({
        "Id": account.id,
        "Arn": account.arn,
        "Email": account.email,
        "Name": account.name,
        "Status": "ACTIVE",
        // AWS added State (replacing the deprecated Status) in 2025; newer SDKs read it.
        "State": "ACTIVE",
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": JOINED,
    })
}

fn parent_exists(world: &World, parent_id: &str) -> bool {
    parent_id == world.organization().root_id || world.ou_by_id(parent_id).is_some()
}

fn parent_not_found() -> AwsError {
    AwsError::bad_request(
        "ParentNotFoundException",
        "We can't find a root or OU with the ParentId that you specified.",
    )
}

pub(crate) fn handle(sim: &Sim, op: &str, body: &Value) -> Result<Value, AwsError> {
    let input = Input::new(body, INVALID);
    let world = &sim.world;
    let org = world.organization();
    match op {
        "DescribeOrganization" => {
            let mgmt = world.account(&org.management_account_id);
            Ok(json!({
                "Organization": {
                    "Id": org.id,
                    "Arn": org.arn,
                    "FeatureSet": "ALL",
                    "MasterAccountArn": mgmt.map(|a| a.arn.clone()),
                    "MasterAccountId": org.management_account_id,
                    "MasterAccountEmail": mgmt.map(|a| a.email.clone()),
                    "AvailablePolicyTypes": [],
                }
            }))
        }
        "ListRoots" => paged(
            vec![json!({
                "Id": org.root_id,
                "Arn": org.root_arn,
                "Name": "Root",
                "PolicyTypes": [],
            })],
            &input,
            "ListRoots",
            "Roots",
        ),
        "ListAccounts" => paged(
            world.accounts().iter().map(account_json).collect(),
            &input,
            "ListAccounts",
            "Accounts",
        ),
        "ListAccountsForParent" => {
            let parent = input.str("ParentId")?;
            if !parent_exists(world, parent) {
                return Err(parent_not_found());
            }
            let items = world
                .accounts()
                .iter()
                .filter(|a| a.parent_id == parent)
                .map(account_json)
                .collect();
            paged(
                items,
                &input,
                &format!("ListAccountsForParent/{parent}"),
                "Accounts",
            )
        }
        "ListOrganizationalUnitsForParent" => {
            let parent = input.str("ParentId")?;
            if !parent_exists(world, parent) {
                return Err(parent_not_found());
            }
            let items = org
                .ous
                .iter()
                .filter(|o| o.parent_id == parent)
                .map(|o| json!({ "Id": o.id, "Arn": o.arn, "Name": o.name }))
                .collect();
            paged(
                items,
                &input,
                &format!("ListOrganizationalUnitsForParent/{parent}"),
                "OrganizationalUnits",
            )
        }
        "DescribeOrganizationalUnit" => {
            let id = input.str("OrganizationalUnitId")?;
            let ou = world.ou_by_id(id).ok_or_else(|| {
                AwsError::bad_request(
                    "OrganizationalUnitNotFoundException",
                    "We can't find an OU with the OrganizationalUnitId that you specified.",
                )
            })?;
            Ok(json!({ "OrganizationalUnit": { "Id": ou.id, "Arn": ou.arn, "Name": ou.name } }))
        }
        "ListParents" => {
            let child = input.str("ChildId")?;
            let parent = world
                .accounts()
                .iter()
                .find(|a| a.id == child)
                .map(|a| a.parent_id.clone())
                .or_else(|| world.ou_by_id(child).map(|o| o.parent_id.clone()))
                .ok_or_else(|| {
                    AwsError::bad_request(
                        "ChildNotFoundException",
                        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
                    )
                })?;
            let kind = if parent == org.root_id {
                "ROOT"
            } else {
                "ORGANIZATIONAL_UNIT"
            };
            paged(
                vec![json!({ "Id": parent, "Type": kind })],
                &input,
                &format!("ListParents/{child}"),
                "Parents",
            )
        }
        "DescribeAccount" => {
            let id = input.str("AccountId")?;
            let account = world
                .accounts()
                .iter()
                .find(|a| a.id == id)
                .ok_or_else(|| {
                    AwsError::bad_request(
                        "AccountNotFoundException",
                        "You specified an account that doesn't exist.",
                    )
                })?;
            Ok(json!({ "Account": account_json(account) }))
        }
        _ => Err(super::unknown_operation("AWSOrganizationsV20161128", op)),
    }
}
