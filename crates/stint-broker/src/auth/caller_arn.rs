//! Who STS says signed the request. Only the baseline permission set's role in the baseline
//! account proves a person's identity: its session name is the Identity Center user name,
//! and nobody can assume that role but Identity Center on that user's behalf.

use super::authorization::short;

/// What a baseline ARN must be.
#[derive(Debug, Clone, Copy)]
pub struct Baseline<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub permission_set: &'a str,
}

/// Checks `arn:<partition>:sts::<account>:assumed-role/AWSReservedSSO_<set>_<hex>/<user>`
/// and returns the user name.
pub fn baseline_user<'a>(arn: &'a str, baseline: Baseline<'_>) -> Result<&'a str, String> {
    let expected = format!(
        "arn:{}:sts::{}:assumed-role/AWSReservedSSO_{}_<suffix>/<user name>",
        baseline.partition, baseline.account, baseline.permission_set
    );
    let not_baseline = |why: &str| {
        format!(
            "STS says the request was signed by {}, {why}; sign in with the {} role in account {} (expected {expected})",
            short_arn(arn),
            baseline.permission_set,
            baseline.account
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(not_baseline("which is not an ARN"));
    };
    if *prefix != "arn" || *service != "sts" || !region.is_empty() {
        return Err(not_baseline("which is not an STS assumed-role ARN"));
    }
    if *partition != baseline.partition {
        return Err(not_baseline(&format!(
            "which is in the partition {}, not {}",
            short(partition),
            baseline.partition
        )));
    }
    if *account != baseline.account {
        return Err(not_baseline(&format!(
            "which is in account {}, not the baseline account",
            short(account)
        )));
    }
    let Some(role_and_session) = resource.strip_prefix("assumed-role/") else {
        return Err(not_baseline("which is not an assumed role"));
    };
    let Some((role, user)) = role_and_session.split_once('/') else {
        return Err(not_baseline("which has no session name"));
    };
    let permission_set = role
        .strip_prefix("AWSReservedSSO_")
        .and_then(|r| r.rsplit_once('_'))
        .filter(|(_, suffix)| is_role_suffix(suffix))
        .map(|(set, _)| set);
    match permission_set {
        None => Err(not_baseline("which is not an Identity Center role")),
        Some(set) if set != baseline.permission_set => Err(not_baseline(&format!(
            "the role of the permission set {}, not the baseline",
            short(set)
        ))),
        Some(_) if user.is_empty() || user.contains('/') || user.len() > 128 => {
            Err(not_baseline("whose session name is not a user name"))
        }
        Some(_) => Ok(user),
    }
}

/// Identity Center appends 16 hex digits to the reserved role's name.
fn is_role_suffix(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn short_arn(arn: &str) -> String {
    let mut out: String = arn.chars().take(200).collect();
    if out.len() < arn.len() {
        out.push('…');
    }
    out.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASELINE: Baseline<'static> = Baseline {
        partition: "aws",
        account: "222222222222",
        permission_set: "StintBaseline",
    };

    #[test]
    fn the_baseline_role_yields_the_user_name() {
        assert_eq!(
            baseline_user(
                "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef/alice",
                BASELINE
            ),
            Ok("alice")
        );
        assert_eq!(
            baseline_user(
                "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789ABCDEF/alice.adams@example.com",
                BASELINE
            ),
            Ok("alice.adams@example.com")
        );
        // A permission set whose own name has underscores.
        let b = Baseline {
            permission_set: "Stint_Base_line",
            ..BASELINE
        };
        assert_eq!(
            baseline_user(
                "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_Stint_Base_line_0123456789abcdef/bob",
                b
            ),
            Ok("bob")
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        for (arn, says) in [
            (
                "arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_ReadOnlyAccess_0123456789abcdef/alice",
                "in account 555555555555, not the baseline account",
            ),
            (
                "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_ReadOnlyAccess_0123456789abcdef/alice",
                "permission set ReadOnlyAccess, not the baseline",
            ),
            (
                "arn:aws:sts::222222222222:assumed-role/StintBaseline/alice",
                "not an Identity Center role",
            ),
            (
                "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_xyz/alice",
                "not an Identity Center role",
            ),
            (
                "arn:aws:iam::222222222222:user/alice",
                "not an STS assumed-role ARN",
            ),
            (
                "arn:aws:sts::222222222222:federated-user/alice",
                "not an assumed role",
            ),
            (
                "arn:aws-cn:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef/alice",
                "partition aws-cn, not aws",
            ),
            (
                "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_0123456789abcdef",
                "no session name",
            ),
            ("alice", "not an ARN"),
        ] {
            let err = baseline_user(arn, BASELINE).unwrap_err();
            assert!(err.contains(says), "{arn}: {err}");
            assert!(err.contains("sign in with the StintBaseline role in account 222222222222"));
        }
    }
}
