//! `[cloudtrail]`: the organization trail's log group and delivery delay, both optional.

use std::time::Duration;

use super::load::{parse_duration, span};
use super::raw::RawCloudTrail;
use super::{CloudTrail, Instance, Organization};
use crate::world::error::Locator;

/// CloudTrail delivers most events within five minutes of the call.
pub const DEFAULT_DELIVERY_DELAY: Duration = Duration::from_secs(5 * 60);

/// Log group names: 1 to 512 of `[.\-_/#A-Za-z0-9]`.
fn is_log_group_name(s: &str) -> bool {
    (1..=512).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/#".contains(&b))
}

pub(super) fn build(
    raw: Option<&RawCloudTrail>,
    organization: &Organization,
    instance: &Instance,
    loc: &mut Locator<'_>,
) -> CloudTrail {
    let mut log_group = format!("aws-cloudtrail-logs-{}", organization.id);
    let mut delivery_delay = DEFAULT_DELIVERY_DELAY;
    if let Some(raw) = raw {
        if let Some(name) = &raw.log_group {
            if is_log_group_name(name.get_ref()) {
                log_group = name.get_ref().clone();
            } else {
                loc.report(
                    span(name),
                    format!(
                        "log_group \"{}\" is not a CloudWatch Logs log group name: 1 to 512 letters, digits and . _ - / #",
                        name.get_ref()
                    ),
                );
            }
        }
        if let Some(delay) = &raw.delivery_delay
            && let Some(d) = parse_duration(loc, delay, "delivery_delay")
        {
            delivery_delay = d;
        }
    }
    CloudTrail {
        log_group_arn: format!(
            "arn:aws:logs:{}:{}:log-group:{log_group}",
            instance.region, organization.management_account_id
        ),
        log_group,
        delivery_delay,
    }
}
