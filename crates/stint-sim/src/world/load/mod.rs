//! Parsing and validating a world file. Syntax errors come from the TOML parser with its
//! span; every semantic problem is collected (not just the first) and points at the value
//! that caused it.
//!
//! This file reads the TOML and builds the world in order, with the checks every part
//! shares; `instance.rs` builds the Identity Center instance, timing and faults,
//! `people.rs` the operators, users and groups, `organization.rs` the OUs and accounts,
//! and `access.rs` the permission sets and standing assignments.

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::World;
use super::error::{Locator, WorldError};
use super::raw::RawWorld;

mod access;
mod instance;
mod organization;
mod people;

use access::{build_assignments, build_permission_sets};
use instance::{build_faults, build_instance, build_timing};
use organization::{build_accounts, build_organization};
use people::{build_groups, build_operators, build_users};

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
