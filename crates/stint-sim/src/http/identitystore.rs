//! Identity Store (`AWSIdentityStore`, JSON 1.1): users and groups as the world file
//! defines them, and group memberships (read here, written in `memberships.rs`).

use serde_json::{Value, json};

use super::error::AwsError;
use super::identitystore_memberships as memberships;
use super::input::Input;
use super::paging;
use crate::sim::Sim;
use crate::state::memberships::Membership;
use crate::world::{Group, User, World};

const INVALID: &str = "ValidationException";

/// identitystore's ResourceNotFoundException names the kind and id of what is missing.
pub(super) fn not_found(kind: &'static str, id: &str) -> AwsError {
    AwsError::bad_request(
        "ResourceNotFoundException",
        format!("{kind} with id {id} not found"),
    )
    .with("ResourceType", kind)
    .with("ResourceId", id)
}

fn max_results(input: &Input<'_>) -> Result<usize, AwsError> {
    match input.opt_u64("MaxResults")? {
        None => Ok(100),
        Some(n @ 1..=100) => Ok(n as usize),
        Some(n) => Err(input.error(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
        ))),
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

pub(crate) fn user_json(world: &World, user: &User) -> Value {
    json!({
        "UserName": user.user_name,
        "UserId": user.user_id,
        "Name": {
            "Formatted": user.display_name,
            "FamilyName": user.family_name,
            "GivenName": user.given_name,
        },
        "DisplayName": user.display_name,
        "Emails": [{ "Value": user.email, "Type": "work", "Primary": true }],
        "IdentityStoreId": world.instance().identity_store_id,
    })
}

fn group_json(world: &World, group: &Group) -> Value {
    let external: Vec<Value> = group
        .external_ids
        .iter()
        .map(|e| json!({ "Issuer": e.issuer, "Id": e.id }))
        .collect();
    json!({
        "GroupId": group.group_id,
        "DisplayName": group.name,
        "Description": group.description,
        "ExternalIds": if external.is_empty() { None } else { Some(external) },
        "IdentityStoreId": world.instance().identity_store_id,
    })
}

pub(crate) fn handle(sim: &Sim, op: &str, body: &Value) -> Result<Value, AwsError> {
    let input = Input::new(body, INVALID);
    let world = &sim.world;
    let store = input.str("IdentityStoreId")?;
    if store != world.instance().identity_store_id {
        return Err(AwsError::bad_request(
            "ResourceNotFoundException",
            format!(
                "Identity store {store} does not exist (this simulator serves {})",
                world.instance().identity_store_id
            ),
        ));
    }
    match op {
        "GetUserId" => get_user_id(world, &input),
        "GetGroupId" => get_group_id(world, &input),
        "DescribeUser" => {
            let id = input.str("UserId")?;
            let user = world.user_by_id(id).ok_or_else(|| not_found("USER", id))?;
            Ok(user_json(world, user))
        }
        "DescribeGroup" => {
            let id = input.str("GroupId")?;
            let group = world
                .group_by_id(id)
                .ok_or_else(|| not_found("GROUP", id))?;
            Ok(group_json(world, group))
        }
        "ListUsers" => list_users(world, &input),
        "ListGroups" => list_groups(world, &input),
        "ListGroupMemberships" => list_group_memberships(sim, &input),
        "ListGroupMembershipsForMember" => list_memberships_for_member(sim, &input),
        "IsMemberInGroups" => is_member_in_groups(sim, &input),
        "CreateGroupMembership" => memberships::create(sim, &input),
        "DeleteGroupMembership" => memberships::delete(sim, &input),
        "GetGroupMembershipId" => memberships::get_id(sim, &input),
        "DescribeGroupMembership" => memberships::describe(sim, &input),
        _ => Err(super::unknown_operation("AWSIdentityStore", op)),
    }
}

/// The `AlternateIdentifier` of GetUserId and GetGroupId.
enum Alternate<'a> {
    /// `UniqueAttribute`: attribute path (lower-cased) and value.
    Unique(String, &'a Value),
    /// `ExternalId`: issuer and id.
    External(&'a str, &'a str),
}

fn alternate<'a>(input: &Input<'a>) -> Result<Alternate<'a>, AwsError> {
    let alt = input.obj("AlternateIdentifier")?;
    if let Some(ext) = alt.opt_obj("ExternalId")? {
        return Ok(Alternate::External(ext.str("Issuer")?, ext.str("Id")?));
    }
    let (path, value) = unique_attribute(&alt)?;
    Ok(Alternate::Unique(path, value))
}

/// `UniqueAttribute`: attribute path (case-insensitive) and value.
fn unique_attribute<'a>(alt: &Input<'a>) -> Result<(String, &'a Value), AwsError> {
    let unique = alt.obj("UniqueAttribute")?;
    let path = unique.str("AttributePath")?.to_ascii_lowercase();
    let value = unique
        .raw("AttributeValue")
        .ok_or_else(|| alt.error("UniqueAttribute.AttributeValue is required"))?;
    Ok((path, value))
}

fn get_user_id(world: &World, input: &Input<'_>) -> Result<Value, AwsError> {
    let (path, value) = match alternate(input)? {
        Alternate::Unique(path, value) => (path, value),
        // The world's users are Identity Center's own, with no external ids.
        Alternate::External(..) => {
            return Err(
                AwsError::bad_request("ResourceNotFoundException", "USER not found.")
                    .with("ResourceType", "USER"),
            );
        }
    };
    let text = value.as_str().unwrap_or_default();
    let user = match path.as_str() {
        "username" => world.user_by_name(text),
        "emails.value" => world
            .users()
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(text)),
        other => {
            return Err(input.error(format!(
                "AttributePath {other} is not a unique user attribute; use userName or emails.value"
            )));
        }
    }
    .ok_or_else(|| {
        AwsError::bad_request("ResourceNotFoundException", "USER not found.")
            .with("ResourceType", "USER")
    })?;
    Ok(json!({ "UserId": user.user_id, "IdentityStoreId": world.instance().identity_store_id }))
}

fn get_group_id(world: &World, input: &Input<'_>) -> Result<Value, AwsError> {
    let group_not_found = || {
        AwsError::bad_request("ResourceNotFoundException", "GROUP not found.")
            .with("ResourceType", "GROUP")
    };
    let (path, value) = match alternate(input)? {
        Alternate::Unique(path, value) => (path, value),
        Alternate::External(issuer, id) => {
            let group = world
                .groups()
                .iter()
                .find(|g| {
                    g.external_ids
                        .iter()
                        .any(|e| e.issuer == issuer && e.id == id)
                })
                .ok_or_else(group_not_found)?;
            return Ok(
                json!({ "GroupId": group.group_id, "IdentityStoreId": world.instance().identity_store_id }),
            );
        }
    };
    if path != "displayname" {
        return Err(input.error(format!(
            "AttributePath {path} is not a unique group attribute; use displayName"
        )));
    }
    let name = value.as_str().unwrap_or_default();
    let group = world.group_by_name(name).ok_or_else(group_not_found)?;
    Ok(json!({ "GroupId": group.group_id, "IdentityStoreId": world.instance().identity_store_id }))
}

/// The deprecated but still honoured `Filters` of ListUsers and ListGroups: one
/// attribute, exact match.
fn filter<'a>(input: &Input<'a>, allowed: &str) -> Result<Option<&'a str>, AwsError> {
    let filters = input.opt_array("Filters")?;
    match filters {
        [] => Ok(None),
        [f] => {
            let f = Input::new(f, INVALID);
            let path = f.str("AttributePath")?;
            if !path.eq_ignore_ascii_case(allowed) {
                return Err(input.error(format!(
                    "Filter AttributePath {path} is not supported; filter on {allowed}"
                )));
            }
            Ok(Some(f.str("AttributeValue")?))
        }
        _ => Err(input.error("Only one filter is supported")),
    }
}

fn list_users(world: &World, input: &Input<'_>) -> Result<Value, AwsError> {
    let wanted = filter(input, "UserName")?;
    let items = world
        .users()
        .iter()
        .filter(|u| wanted.is_none_or(|w| u.user_name.eq_ignore_ascii_case(w)))
        .map(|u| user_json(world, u))
        .collect();
    paged(
        items,
        input,
        &format!("ListUsers/{}", wanted.unwrap_or_default()),
        "Users",
    )
}

fn list_groups(world: &World, input: &Input<'_>) -> Result<Value, AwsError> {
    let wanted = filter(input, "DisplayName")?;
    let items = world
        .groups()
        .iter()
        .filter(|g| wanted.is_none_or(|w| g.name == w))
        .map(|g| group_json(world, g))
        .collect();
    paged(
        items,
        input,
        &format!("ListGroups/{}", wanted.unwrap_or_default()),
        "Groups",
    )
}

pub(super) fn membership_json(world: &World, m: &Membership) -> Value {
    json!({
        "IdentityStoreId": world.instance().identity_store_id,
        "MembershipId": m.membership_id,
        "GroupId": m.group_id,
        "MemberId": { "UserId": m.user_id },
    })
}

pub(super) fn member_user_id<'a>(input: &Input<'a>) -> Result<&'a str, AwsError> {
    input.obj("MemberId")?.str("UserId")
}

fn list_group_memberships(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let world = &sim.world;
    let group_id = input.str("GroupId")?;
    if world.group_by_id(group_id).is_none() {
        return Err(not_found("GROUP", group_id));
    }
    let items = sim
        .state()
        .memberships
        .of_group(group_id)
        .map(|m| membership_json(world, m))
        .collect();
    paged(
        items,
        input,
        &format!("ListGroupMemberships/{group_id}"),
        "GroupMemberships",
    )
}

fn list_memberships_for_member(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let world = &sim.world;
    let user_id = member_user_id(input)?;
    if world.user_by_id(user_id).is_none() {
        return Err(not_found("USER", user_id));
    }
    let items = sim
        .state()
        .memberships
        .of_user(user_id)
        .map(|m| membership_json(world, m))
        .collect();
    paged(
        items,
        input,
        &format!("ListGroupMembershipsForMember/{user_id}"),
        "GroupMemberships",
    )
}

fn is_member_in_groups(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let user_id = member_user_id(input)?;
    let group_ids = input.opt_array("GroupIds")?;
    if group_ids.is_empty() || group_ids.len() > 100 {
        return Err(input.error("GroupIds must list between 1 and 100 group ids"));
    }
    let state = sim.state();
    let results: Vec<Value> = group_ids
        .iter()
        .map(|g| {
            let group_id = g.as_str().unwrap_or_default();
            json!({
                "GroupId": group_id,
                "MemberId": { "UserId": user_id },
                "MembershipExists": state.memberships.get(group_id, user_id).is_some(),
            })
        })
        .collect();
    Ok(json!({ "Results": results }))
}
