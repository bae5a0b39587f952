//! What serde cannot check in a config: ranges, URLs, and the shape of AWS identifiers
//! (regions, account ids, instance ARNs, log group names).

use std::time::Duration;

use url::Url;

use super::{Config, StsEndpoint};

impl Config {
    /// What serde cannot check: ranges and the shape of AWS identifiers.
    pub(super) fn problems(&self) -> Vec<(Vec<&'static str>, String)> {
        let mut out = Vec::new();
        let mut bad = |key: &[&'static str], message: String| out.push((key.to_vec(), message));
        match Url::parse(&self.public_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            Ok(_) => bad(
                &["public_url"],
                "public_url must be an http or https URL".to_owned(),
            ),
            Err(e) => bad(
                &["public_url"],
                format!("public_url \"{}\" is not a URL: {e}", self.public_url),
            ),
        }
        if self
            .audience
            .as_deref()
            .is_some_and(|a| a.trim().is_empty())
        {
            bad(
                &["audience"],
                "audience is empty; remove it to use public_url".to_owned(),
            );
        }
        if self.policy_file.as_os_str().is_empty() {
            bad(
                &["policy_file"],
                "policy_file is empty; name the policy file".to_owned(),
            );
        }
        range(&mut bad, &["session_ttl"], self.session_ttl, 60, 7 * 86400);
        range(
            &mut bad,
            &["reconcile_interval"],
            self.reconcile_interval,
            5,
            3600,
        );
        range(
            &mut bad,
            &["side_effect_deadline"],
            self.side_effect_deadline,
            10,
            86400,
        );
        if self
            .webhook_secret
            .as_ref()
            .is_some_and(|s| s.expose().len() < 16)
        {
            bad(
                &["webhook_secret"],
                "webhook_secret is shorter than 16 characters; use a long random value".to_owned(),
            );
        }
        let ic = &self.identity_center;
        if !is_region(&ic.region) {
            bad(
                &["identity_center", "region"],
                format!(
                    "\"{}\" is not an AWS region name such as \"us-east-1\"",
                    ic.region
                ),
            );
        }
        if let Some(arn) = &ic.instance_arn {
            if !(arn.starts_with("arn:aws") && arn.contains(":instance/")) {
                bad(
                    &["identity_center", "instance_arn"],
                    format!(
                        "\"{arn}\" is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)"
                    ),
                );
            }
        }
        if ic
            .identity_store_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            bad(
                &["identity_center", "identity_store_id"],
                "identity_store_id is empty; remove it to discover it".to_owned(),
            );
        }
        if ic.baseline_permission_set.trim().is_empty() {
            bad(&["identity_center", "baseline_permission_set"], "baseline_permission_set is empty; name the permission set everyone holds to prove who they are".to_owned());
        }
        if ic.baseline_account.is_empty() {
            bad(&["identity_center", "baseline_account"], "set identity_center.baseline_account to the 12-digit id of the account holding the baseline permission set".to_owned());
        } else if !(ic.baseline_account.len() == 12
            && ic.baseline_account.bytes().all(|b| b.is_ascii_digit()))
        {
            bad(
                &["identity_center", "baseline_account"],
                format!(
                    "baseline_account \"{}\" is not a 12-digit AWS account id",
                    ic.baseline_account
                ),
            );
        }
        for host in &ic.sts_hosts {
            if let Err(e) = StsEndpoint::parse(host) {
                bad(&["identity_center", "sts_hosts"], e);
            }
        }
        range(
            &mut bad,
            &["identity_center", "max_signing_skew"],
            ic.max_signing_skew,
            1,
            15 * 60,
        );
        self.http.problems(&mut bad);
        self.sign_in_limits.problems(&mut bad);
        self.activity_problems(&mut bad);
        out
    }

    fn activity_problems(&self, bad: &mut impl FnMut(&[&'static str], String)) {
        let a = &self.activity;
        if let Some(group) = &a.log_group {
            // CloudWatch Logs' own rule for log group names.
            let ok = !group.is_empty()
                && group.len() <= 512
                && group
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c));
            if !ok {
                bad(
                    &["activity", "log_group"],
                    format!(
                        "\"{group}\" is not a CloudWatch Logs log group name (1-512 of a-z, A-Z, 0-9, _ - / . #); name the organization trail's log group, or remove the key to turn activity off"
                    ),
                );
            }
        }
        if let Some(region) = a.region.as_deref().filter(|r| !is_region(r)) {
            bad(
                &["activity", "region"],
                format!("\"{region}\" is not an AWS region name such as \"us-east-1\""),
            );
        }
        range(bad, &["activity", "query_timeout"], a.query_timeout, 1, 600);
        range(bad, &["activity", "delivery_lag"], a.delivery_lag, 0, 86400);
        if !a.watch_interval.is_zero() {
            range(
                bad,
                &["activity", "watch_interval"],
                a.watch_interval,
                10,
                86400,
            );
        }
    }
}

pub(super) fn range(
    bad: &mut impl FnMut(&[&'static str], String),
    key: &[&'static str],
    value: Duration,
    min_secs: u64,
    max_secs: u64,
) {
    let secs = value.as_secs();
    if secs < min_secs || secs > max_secs {
        bad(
            key,
            format!(
                "{} is {}, outside the allowed range {} to {}",
                key.join("."),
                crate::policy::human_duration(value),
                crate::policy::human_duration(Duration::from_secs(min_secs)),
                crate::policy::human_duration(Duration::from_secs(max_secs)),
            ),
        );
    }
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
