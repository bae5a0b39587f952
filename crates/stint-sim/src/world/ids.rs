//! Identifiers the world file does not spell out, derived from names so they are the same
//! on every start: a broker that restarts against a restarted simulator still finds the
//! user, group, OU and permission set it stored. Formats follow AWS's.

use sha2::{Digest, Sha256};

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        // A separator no name contains, so ("ab","c") and ("a","bc") differ.
        hasher.update([0x1f]);
    }
    hasher.finalize().into()
}

/// `n` lowercase hex characters.
pub fn hex(parts: &[&str], n: usize) -> String {
    hex::encode(digest(parts))[..n].to_owned()
}

/// `n` characters from `alphabet`.
fn chars(parts: &[&str], n: usize, alphabet: &[u8]) -> String {
    let mut out = String::with_capacity(n);
    let mut round = 0u32;
    while out.len() < n {
        let salt = round.to_string();
        let mut with_round = parts.to_vec();
        with_round.push(&salt);
        for byte in digest(&with_round) {
            if out.len() == n {
                break;
            }
            out.push(alphabet[usize::from(byte) % alphabet.len()] as char);
        }
        round += 1;
    }
    out
}

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A UUID in the v4 layout, from a digest rather than randomness.
pub fn uuid(parts: &[&str]) -> String {
    let bytes = digest(parts);
    let mut first = [0u8; 16];
    first.copy_from_slice(&bytes[..16]);
    uuid::Builder::from_random_bytes(first)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Identity Store user and group ids look like `9067a1b2c3-<uuid>`: the hex part of the
/// identity store id, then a UUID.
pub fn principal_id(identity_store_id: &str, kind: &str, name: &str) -> String {
    let id = uuid(&[identity_store_id, kind, &name.to_lowercase()]);
    match identity_store_id.strip_prefix("d-") {
        Some(prefix) if prefix.len() == 10 => format!("{prefix}-{id}"),
        _ => id,
    }
}

pub fn membership_id(identity_store_id: &str, group_id: &str, user_id: &str) -> String {
    let id = uuid(&[identity_store_id, "membership", group_id, user_id]);
    match identity_store_id.strip_prefix("d-") {
        Some(prefix) if prefix.len() == 10 => format!("{prefix}-{id}"),
        _ => id,
    }
}

/// `o-` and ten characters.
pub fn organization_id(management_account: &str) -> String {
    format!(
        "o-{}",
        chars(&["organization", management_account], 10, LOWER_ALNUM)
    )
}

/// `r-` and four characters.
pub fn root_id(organization_id: &str) -> String {
    format!("r-{}", chars(&["root", organization_id], 4, LOWER_ALNUM))
}

/// `ou-<root's four>-<eight>`.
pub fn ou_id(root_id: &str, ou_name: &str) -> String {
    let root = root_id.strip_prefix("r-").unwrap_or(root_id);
    format!(
        "ou-{root}-{}",
        chars(&["ou", root_id, ou_name], 8, LOWER_ALNUM)
    )
}

/// `ps-` and sixteen hex characters.
pub fn permission_set_id(instance_arn: &str, name: &str) -> String {
    format!("ps-{}", hex(&[instance_arn, "permission-set", name], 16))
}

/// The sixteen hex characters AWS appends to `AWSReservedSSO_<permission set>_`.
pub fn role_suffix(instance_arn: &str, account_id: &str, permission_set: &str) -> String {
    hex(&[instance_arn, "role", account_id, permission_set], 16)
}

/// An IAM role's unique id (`AROA...`), as GetCallerIdentity reports in `UserId`.
pub fn role_unique_id(account_id: &str, role_name: &str) -> String {
    format!(
        "AROA{}",
        chars(&["role-id", account_id, role_name], 17, UPPER_ALNUM)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_shaped_like_aws() {
        let user = principal_id("d-9067a1b2c3", "user", "alice");
        assert_eq!(user, principal_id("d-9067a1b2c3", "user", "alice"));
        assert_ne!(user, principal_id("d-9067a1b2c3", "group", "alice"));
        assert!(user.starts_with("9067a1b2c3-"));
        assert_eq!(user.len(), 10 + 1 + 36);

        let org = organization_id("111111111111");
        assert_eq!(org.len(), 12);
        let root = root_id(&org);
        assert_eq!(root.len(), 6);
        let ou = ou_id(&root, "Workloads");
        assert!(ou.starts_with(&format!("ou-{}-", &root[2..])));
        assert_eq!(ou.len(), 3 + 4 + 1 + 8);

        assert_eq!(permission_set_id("arn", "ReadOnly").len(), 19);
        assert_eq!(role_suffix("arn", "1", "p").len(), 16);
        let role = role_unique_id("111111111111", "R");
        assert!(role.starts_with("AROA") && role.len() == 21);
    }
}
