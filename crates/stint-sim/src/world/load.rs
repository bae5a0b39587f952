//! Parsing and validating a world file. Syntax errors come from the TOML parser with its
//! span; every semantic problem is collected (not just the first) and points at the value
//! that caused it.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::error::{Locator, WorldError};
use super::raw::{RawFaults, RawTiming, RawWorld};
use super::{
    Account, Assignment, ExternalId, Group, Instance, Operator, OrgUnit, Organization,
    PermissionSet, PrincipalType, Timing, User, World, ids,
};
use crate::faults::{Api, ApiFaults, Faults};
use crate::secret::Secret;

const ROOT: &str = "Root";
/// AWS allows OUs five levels deep under the root.
const MAX_OU_DEPTH: usize = 5;

pub(super) fn load(src: &str, file: &str) -> Result<World, WorldError> {
    let raw: RawWorld = toml::from_str(src).map_err(|e| {
        let mut loc = Locator::new(src);
        loc.report(e.span().unwrap_or(0..0), e.message().trim().to_owned());
        loc.into_error(file)
    })?;
    let mut loc = Locator::new(src);
    let world = build(raw, file, &mut loc);
    if loc.has_problems() {
        return Err(loc.into_error(file));
    }
    Ok(world)
}

pub(super) fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn looks_like_email(s: &str) -> bool {
    matches!(s.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.'))
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

pub(super) fn parse_duration(
    loc: &mut Locator<'_>,
    value: &Spanned<String>,
    what: &str,
) -> Option<Duration> {
    match humantime::parse_duration(value.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            loc.report(
                span(value),
                format!(
                    "{what} \"{}\" is not a duration ({e}); write it like \"90s\", \"10m\", \"1h\" or \"90d\"",
                    value.get_ref()
                ),
            );
            None
        }
    }
}

fn build(raw: RawWorld, file: &str, loc: &mut Locator<'_>) -> World {
    let instance = build_instance(&raw, loc);
    let timing = build_timing(raw.timing.as_ref().map(|t| t.get_ref()), loc);
    let operators = build_operators(&raw, loc);
    let users = build_users(&raw, &instance, loc);
    let groups = build_groups(&raw, &instance, &users, loc);
    let organization = build_organization(&raw, loc);
    let accounts = build_accounts(&raw, &organization, loc);
    let permission_sets = build_permission_sets(&raw, &instance, loc);
    let assignments = build_assignments(&raw, &accounts, &permission_sets, &users, &groups, loc);
    let faults = build_faults(raw.faults.as_ref(), loc);
    let cloudtrail = super::cloudtrail::build(
        raw.cloudtrail.as_ref().map(|c| c.get_ref()),
        &organization,
        &instance,
        loc,
    );
    World {
        source_name: file.to_owned(),
        instance,
        timing,
        operators,
        users,
        groups,
        organization,
        accounts,
        permission_sets,
        assignments,
        faults,
        cloudtrail,
    }
}

fn build_instance(raw: &RawWorld, loc: &mut Locator<'_>) -> Instance {
    let inst = raw.instance.get_ref();
    let arn = inst.instance_arn.get_ref();
    let instance_id = arn
        .strip_prefix("arn:aws:sso:::instance/")
        .unwrap_or_default()
        .to_owned();
    let id_ok = ["ssoins-", "ins-"].iter().any(|prefix| {
        instance_id.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() == 16
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
    });
    if !id_ok {
        loc.report(
            span(&inst.instance_arn),
            format!(
                "instance_arn \"{arn}\" is not an IAM Identity Center instance ARN; it looks like \"arn:aws:sso:::instance/ssoins-0123456789abcdef\""
            ),
        );
    }
    let store = inst.identity_store_id.get_ref();
    let store_ok = store.strip_prefix("d-").is_some_and(|rest| {
        rest.len() == 10
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if !store_ok {
        loc.report(
            span(&inst.identity_store_id),
            format!(
                "identity_store_id \"{store}\" is not an identity store id; it looks like \"d-0123456789\" (ten lowercase hex digits)"
            ),
        );
    }
    let region = inst.region.get_ref();
    if !is_region(region) {
        loc.report(
            span(&inst.region),
            format!("region \"{region}\" is not an AWS region name such as \"us-east-1\""),
        );
    }
    Instance {
        instance_arn: arn.clone(),
        instance_id,
        identity_store_id: store.clone(),
        region: region.clone(),
        owner_account_id: raw
            .organization
            .get_ref()
            .management_account
            .get_ref()
            .clone(),
    }
}

fn build_timing(raw: Option<&RawTiming>, loc: &mut Locator<'_>) -> Timing {
    let mut timing = Timing::default();
    let Some(raw) = raw else {
        return timing;
    };
    let fields: [(&Option<Spanned<String>>, &str, &mut Duration, bool); 7] = [
        (
            &raw.access_token_ttl,
            "access_token_ttl",
            &mut timing.access_token_ttl,
            false,
        ),
        (
            &raw.session_ttl,
            "session_ttl",
            &mut timing.session_ttl,
            false,
        ),
        (
            &raw.device_code_ttl,
            "device_code_ttl",
            &mut timing.device_code_ttl,
            false,
        ),
        (
            &raw.device_poll_interval,
            "device_poll_interval",
            &mut timing.device_poll_interval,
            false,
        ),
        (
            &raw.authorization_code_ttl,
            "authorization_code_ttl",
            &mut timing.authorization_code_ttl,
            false,
        ),
        (
            &raw.client_registration_ttl,
            "client_registration_ttl",
            &mut timing.client_registration_ttl,
            false,
        ),
        (
            &raw.provisioning_delay,
            "provisioning_delay",
            &mut timing.provisioning_delay,
            true,
        ),
    ];
    for (value, name, slot, zero_ok) in fields {
        let Some(value) = value else { continue };
        let Some(d) = parse_duration(loc, value, name) else {
            continue;
        };
        // These go on the wire as whole seconds (expiresIn, interval), so a sub-second
        // value would round to zero.
        if !zero_ok && d < Duration::from_secs(1) {
            loc.report(span(value), format!("{name} must be at least one second"));
            continue;
        }
        *slot = d;
    }
    timing
}

fn build_operators(raw: &RawWorld, loc: &mut Locator<'_>) -> Vec<Operator> {
    if raw.operators.is_empty() {
        loc.report(
            0..0,
            "a world needs at least one [[operators]] entry: the admin APIs (sso-admin, identitystore, organizations) accept only operators' keys",
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for op in &raw.operators {
        let op = op.get_ref();
        if op.name.get_ref().trim().is_empty() {
            loc.report(span(&op.name), "operator name must not be empty");
        }
        if !is_account_id(op.account.get_ref()) {
            loc.report(
                span(&op.account),
                format!(
                    "operator account \"{}\" is not a twelve-digit AWS account id",
                    op.account.get_ref()
                ),
            );
        }
        if op.role.get_ref().trim().is_empty() {
            loc.report(span(&op.role), "operator role must not be empty");
        }
        let key = op.access_key_id.get_ref();
        let key_ok = key.len() >= 16
            && key.starts_with("AKIA")
            && key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !key_ok {
            loc.report(
                span(&op.access_key_id),
                format!(
                    "access_key_id \"{key}\" is not a long-term AWS access key id (\"AKIA\" then at least twelve uppercase letters or digits)"
                ),
            );
        }
        if !seen.insert(key.clone()) {
            loc.report(
                span(&op.access_key_id),
                format!("access_key_id \"{key}\" is used by two operators"),
            );
        }
        if op.secret_access_key.get_ref().len() < 16 {
            loc.report(
                span(&op.secret_access_key),
                "secret_access_key must be at least 16 characters",
            );
        }
        out.push(Operator {
            name: op.name.get_ref().clone(),
            account_id: op.account.get_ref().clone(),
            role_name: op.role.get_ref().clone(),
            access_key_id: key.clone(),
            secret_access_key: Secret::new(op.secret_access_key.get_ref().clone()),
        });
    }
    out
}

fn build_users(raw: &RawWorld, instance: &Instance, loc: &mut Locator<'_>) -> Vec<User> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for user in &raw.users {
        let user = user.get_ref();
        let name = user.user_name.get_ref();
        if name.is_empty() || name.len() > 128 || name.chars().any(char::is_whitespace) {
            loc.report(
                span(&user.user_name),
                format!("user_name \"{name}\" must be 1 to 128 characters with no spaces"),
            );
        }
        if !seen.insert(name.to_lowercase()) {
            loc.report(
                span(&user.user_name),
                format!(
                    "user_name \"{name}\" is listed twice (Identity Center user names are case-insensitive)"
                ),
            );
        }
        let display = user.display_name.get_ref().trim();
        if display.is_empty() {
            loc.report(span(&user.display_name), "display_name must not be empty");
        }
        if !looks_like_email(user.email.get_ref()) {
            loc.report(
                span(&user.email),
                format!("email \"{}\" is not an email address", user.email.get_ref()),
            );
        }
        let (given, family) = match display.split_once(' ') {
            Some((given, family)) => (given.to_owned(), family.trim().to_owned()),
            None => (display.to_owned(), display.to_owned()),
        };
        out.push(User {
            user_id: ids::principal_id(&instance.identity_store_id, "user", name),
            user_name: name.clone(),
            display_name: display.to_owned(),
            email: user.email.get_ref().clone(),
            given_name: given,
            family_name: family,
        });
    }
    out
}

fn build_groups(
    raw: &RawWorld,
    instance: &Instance,
    users: &[User],
    loc: &mut Locator<'_>,
) -> Vec<Group> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for group in &raw.groups {
        let group = group.get_ref();
        let name = group.name.get_ref();
        if name.trim().is_empty() {
            loc.report(span(&group.name), "group name must not be empty");
        }
        if !seen.insert(name.clone()) {
            loc.report(
                span(&group.name),
                format!("group \"{name}\" is defined twice"),
            );
        }
        let mut members = Vec::new();
        let mut seen_members = HashSet::new();
        for member in &group.members {
            let m = member.get_ref();
            match users.iter().find(|u| u.user_name.eq_ignore_ascii_case(m)) {
                Some(user) => {
                    if seen_members.insert(user.user_id.clone()) {
                        members.push(user.user_id.clone());
                    } else {
                        loc.report(
                            span(member),
                            format!("group \"{name}\" lists member \"{m}\" twice"),
                        );
                    }
                }
                None => loc.report(
                    span(member),
                    format!(
                        "group \"{name}\" lists member \"{m}\", who is not a user; add a [[users]] entry with user_name = \"{m}\" or remove the member"
                    ),
                ),
            }
        }
        let mut external_ids = Vec::new();
        for ext in &group.external_ids {
            let (issuer, id) = (ext.get_ref().issuer.get_ref(), ext.get_ref().id.get_ref());
            if issuer.trim().is_empty() || id.trim().is_empty() {
                loc.report(
                    span(ext),
                    format!("group \"{name}\" has an external id with an empty issuer or id; give both, e.g. {{ issuer = \"https://example.okta.com\", id = \"00g1\" }}"),
                );
            }
            external_ids.push(ExternalId {
                issuer: issuer.clone(),
                id: id.clone(),
            });
        }
        out.push(Group {
            group_id: ids::principal_id(&instance.identity_store_id, "group", name),
            name: name.clone(),
            description: group.description.as_ref().map(|d| d.get_ref().clone()),
            member_ids: members,
            external_ids,
        });
    }
    out
}

fn build_organization(raw: &RawWorld, loc: &mut Locator<'_>) -> Organization {
    let org = raw.organization.get_ref();
    let mgmt = org.management_account.get_ref();
    if !is_account_id(mgmt) {
        loc.report(
            span(&org.management_account),
            format!("management_account \"{mgmt}\" is not a twelve-digit AWS account id"),
        );
    } else if !raw
        .accounts
        .iter()
        .any(|a| a.get_ref().id.get_ref() == mgmt)
    {
        loc.report(
            span(&org.management_account),
            format!(
                "management_account \"{mgmt}\" is not one of the [[accounts]]; add it (with parent = \"Root\")"
            ),
        );
    }
    let org_id = ids::organization_id(mgmt);
    let root_id = ids::root_id(&org_id);

    // Names first, so a parent may be defined after its child.
    let mut by_name: HashMap<&str, &Spanned<String>> = HashMap::new();
    for ou in &org.ous {
        let ou = ou.get_ref();
        let name = ou.name.get_ref();
        if name == ROOT {
            loc.report(
                span(&ou.name),
                "an OU cannot be named \"Root\": that name means the organization's root",
            );
        } else if name.trim().is_empty() {
            loc.report(span(&ou.name), "OU name must not be empty");
        } else if by_name.insert(name, &ou.parent).is_some() {
            loc.report(
                span(&ou.name),
                format!(
                    "OU \"{name}\" is defined twice; accounts and OUs name their parent by OU name, so names must be unique"
                ),
            );
        }
    }
    let parent_of: HashMap<&str, &str> = by_name
        .iter()
        .map(|(name, parent)| (*name, parent.get_ref().as_str()))
        .collect();
    for ou in &org.ous {
        let ou = ou.get_ref();
        let parent = ou.parent.get_ref();
        if parent != ROOT && !parent_of.contains_key(parent.as_str()) {
            loc.report(
                span(&ou.parent),
                format!(
                    "OU \"{}\" has parent \"{parent}\", which is neither \"Root\" nor an OU",
                    ou.name.get_ref()
                ),
            );
            continue;
        }
        // Walk up to the root; coming back to this OU is a cycle.
        let mut depth = 1;
        let mut next = parent.as_str();
        let mut steps = 0;
        while next != ROOT {
            if next == ou.name.get_ref() {
                loc.report(
                    span(&ou.parent),
                    format!(
                        "OU \"{}\" is its own ancestor (parents form a cycle); every OU must lead up to \"Root\"",
                        ou.name.get_ref()
                    ),
                );
                break;
            }
            let Some(up) = parent_of.get(next) else { break };
            depth += 1;
            next = up;
            steps += 1;
            if steps > parent_of.len() {
                // A cycle above us that does not include this OU: reported on its members.
                break;
            }
        }
        if depth > MAX_OU_DEPTH && next == ROOT {
            loc.report(
                span(&ou.parent),
                format!(
                    "OU \"{}\" is {depth} levels below the root; AWS allows at most {MAX_OU_DEPTH}",
                    ou.name.get_ref()
                ),
            );
        }
    }

    let arn_base =
        |kind: &str, id: &str| format!("arn:aws:organizations::{mgmt}:{kind}/{org_id}/{id}");
    let resolve = |name: &str| -> String {
        if name == ROOT {
            root_id.clone()
        } else {
            ids::ou_id(&root_id, name)
        }
    };
    let ous = org
        .ous
        .iter()
        .map(|ou| {
            let ou = ou.get_ref();
            let id = ids::ou_id(&root_id, ou.name.get_ref());
            OrgUnit {
                arn: arn_base("ou", &id),
                id,
                name: ou.name.get_ref().clone(),
                parent_id: resolve(ou.parent.get_ref()),
            }
        })
        .collect();
    Organization {
        arn: format!("arn:aws:organizations::{mgmt}:organization/{org_id}"),
        root_arn: arn_base("root", &root_id),
        id: org_id.clone(),
        root_id: root_id.clone(),
        management_account_id: mgmt.clone(),
        ous,
    }
}

fn build_accounts(raw: &RawWorld, org: &Organization, loc: &mut Locator<'_>) -> Vec<Account> {
    let mut ids_seen = HashSet::new();
    let mut names_seen = HashSet::new();
    let mut out = Vec::new();
    for account in &raw.accounts {
        let account = account.get_ref();
        let id = account.id.get_ref();
        if !is_account_id(id) {
            loc.report(
                span(&account.id),
                format!("account id \"{id}\" is not a twelve-digit AWS account id"),
            );
        }
        if !ids_seen.insert(id.clone()) {
            loc.report(
                span(&account.id),
                format!("account id \"{id}\" is used by two accounts"),
            );
        }
        let name = account.name.get_ref();
        if name.trim().is_empty() {
            loc.report(span(&account.name), "account name must not be empty");
        }
        if !names_seen.insert(name.clone()) {
            loc.report(
                span(&account.name),
                format!("account name \"{name}\" is used by two accounts"),
            );
        }
        if !looks_like_email(account.email.get_ref()) {
            loc.report(
                span(&account.email),
                format!(
                    "email \"{}\" is not an email address",
                    account.email.get_ref()
                ),
            );
        }
        let parent = account.parent.get_ref();
        let parent_id = if parent == ROOT {
            org.root_id.clone()
        } else if let Some(ou) = org.ous.iter().find(|o| &o.name == parent) {
            ou.id.clone()
        } else {
            loc.report(
                span(&account.parent),
                format!(
                    "account \"{name}\" has parent \"{parent}\", which is neither \"Root\" nor an OU"
                ),
            );
            String::new()
        };
        out.push(Account {
            arn: format!(
                "arn:aws:organizations::{}:account/{}/{id}",
                org.management_account_id, org.id
            ),
            id: id.clone(),
            name: name.clone(),
            email: account.email.get_ref().clone(),
            parent_id,
        });
    }
    out
}

fn build_permission_sets(
    raw: &RawWorld,
    instance: &Instance,
    loc: &mut Locator<'_>,
) -> Vec<PermissionSet> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for ps in &raw.permission_sets {
        let ps = ps.get_ref();
        let name = ps.name.get_ref();
        let name_ok = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !name_ok {
            loc.report(
                span(&ps.name),
                format!(
                    "permission set name \"{name}\" must be 1 to 32 letters, digits or _+=,.@-"
                ),
            );
        }
        if !seen.insert(name.clone()) {
            loc.report(
                span(&ps.name),
                format!("permission set \"{name}\" is defined twice"),
            );
        }
        let duration = parse_duration(loc, &ps.session_duration, "session_duration")
            .unwrap_or(Duration::from_secs(3600));
        if !(Duration::from_secs(3600)..=Duration::from_secs(12 * 3600)).contains(&duration) {
            loc.report(
                span(&ps.session_duration),
                format!(
                    "session_duration \"{}\" is out of range: AWS allows 1h to 12h",
                    ps.session_duration.get_ref()
                ),
            );
        }
        if duration.as_secs() % 60 != 0 {
            loc.report(
                span(&ps.session_duration),
                "session_duration must be whole minutes",
            );
        }
        out.push(PermissionSet {
            arn: format!(
                "arn:aws:sso:::permissionSet/{}/{}",
                instance.instance_id,
                ids::permission_set_id(&instance.instance_arn, name)
            ),
            name: name.clone(),
            description: ps.description.as_ref().map(|d| d.get_ref().clone()),
            session_duration: duration,
            policies: super::PermissionSetPolicies {
                managed: ps
                    .managed_policies
                    .iter()
                    .map(|p| p.get_ref().clone())
                    .collect(),
                customer_managed: ps
                    .customer_managed_policies
                    .iter()
                    .map(|p| p.get_ref().clone())
                    .collect(),
                inline: ps.inline_policy.as_ref().map(|p| p.get_ref().clone()),
            },
        });
    }
    out
}

fn build_assignments(
    raw: &RawWorld,
    accounts: &[Account],
    permission_sets: &[PermissionSet],
    users: &[User],
    groups: &[Group],
    loc: &mut Locator<'_>,
) -> Vec<Assignment> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for spanned in &raw.assignments {
        let a = spanned.get_ref();
        let account_ref = a.account.get_ref();
        let account = accounts
            .iter()
            .find(|x| &x.id == account_ref)
            .or_else(|| accounts.iter().find(|x| &x.name == account_ref));
        if account.is_none() {
            loc.report(
                span(&a.account),
                format!(
                    "assignment names account \"{account_ref}\", which is not in [[accounts]] (by id or name)"
                ),
            );
        }
        let ps_name = a.permission_set.get_ref();
        let ps = permission_sets.iter().find(|p| &p.name == ps_name);
        if ps.is_none() {
            loc.report(
                span(&a.permission_set),
                format!(
                    "assignment names permission set \"{ps_name}\", which is not in [[permission_sets]]"
                ),
            );
        }
        let principal = match (&a.user, &a.group) {
            (Some(user), None) => {
                let found = users
                    .iter()
                    .find(|u| u.user_name.eq_ignore_ascii_case(user.get_ref()));
                if found.is_none() {
                    loc.report(
                        span(user),
                        format!(
                            "assignment names user \"{}\", who is not a user",
                            user.get_ref()
                        ),
                    );
                }
                found.map(|u| (PrincipalType::User, u.user_id.clone()))
            }
            (None, Some(group)) => {
                let found = groups.iter().find(|g| &g.name == group.get_ref());
                if found.is_none() {
                    loc.report(
                        span(group),
                        format!(
                            "assignment names group \"{}\", which is not a group",
                            group.get_ref()
                        ),
                    );
                }
                found.map(|g| (PrincipalType::Group, g.group_id.clone()))
            }
            _ => {
                loc.report(
                    span(spanned),
                    "an assignment names exactly one principal: either user = \"...\" or group = \"...\"",
                );
                None
            }
        };
        let (Some(account), Some(ps), Some((principal_type, principal_id))) =
            (account, ps, principal)
        else {
            continue;
        };
        let assignment = Assignment {
            account_id: account.id.clone(),
            permission_set_arn: ps.arn.clone(),
            principal_type,
            principal_id,
        };
        if !seen.insert(assignment.clone()) {
            loc.report(span(spanned), "this assignment is listed twice");
            continue;
        }
        out.push(assignment);
    }
    out
}

fn build_faults(raw: Option<&RawFaults>, loc: &mut Locator<'_>) -> Faults {
    let Some(raw) = raw else {
        return Faults::default();
    };
    let mut faults = Faults {
        seed: raw.seed,
        ..Faults::default()
    };
    let tables: [(Api, &Option<Spanned<ApiFaults>>); 7] = [
        (Api::SsoAdmin, &raw.sso_admin),
        (Api::IdentityStore, &raw.identitystore),
        (Api::Organizations, &raw.organizations),
        (Api::SsoOidc, &raw.sso_oidc),
        (Api::Sso, &raw.sso),
        (Api::Sts, &raw.sts),
        (Api::Logs, &raw.logs),
    ];
    for (api, table) in tables {
        let Some(table) = table else { continue };
        *faults.api_mut(api) = table.get_ref().clone();
    }
    for (api, problem) in faults.problems() {
        let at = tables
            .iter()
            .find(|(a, _)| *a == api)
            .and_then(|(_, t)| t.as_ref().map(span))
            .unwrap_or(0..0);
        loc.report(at, format!("[faults.{api}]: {problem}"));
    }
    faults
}
