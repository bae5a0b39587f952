//! The instance-wide parts of a world: the Identity Center instance, the simulated
//! timing, and the faults to inject.

use std::time::Duration;

use toml::Spanned;

use super::{parse_duration, span};
use crate::faults::{Api, ApiFaults, Faults};
use crate::world::error::Locator;
use crate::world::raw::{RawFaults, RawTiming, RawWorld};
use crate::world::{Instance, Timing};

pub(super) fn build_instance(raw: &RawWorld, loc: &mut Locator<'_>) -> Instance {
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

pub(super) fn build_timing(raw: Option<&RawTiming>, loc: &mut Locator<'_>) -> Timing {
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

pub(super) fn build_faults(raw: Option<&RawFaults>, loc: &mut Locator<'_>) -> Faults {
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
