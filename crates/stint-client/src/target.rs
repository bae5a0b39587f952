//! `ACCOUNT/PERMISSION_SET` as people type it: the account by id or name, the
//! permission set (the portal's role name) by name; and, for a request, `group:NAME`.

use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// A 12-digit account id, or an account name to look up.
    pub account: String,
    pub permission_set: String,
}

impl Target {
    pub fn account_id(&self) -> Option<&str> {
        is_account_id(&self.account).then_some(self.account.as_str())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.account, self.permission_set)
    }
}

impl FromStr for Target {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            Error::InvalidInput(format!(
                "`{s}` is not ACCOUNT/PERMISSION_SET (for example prod/ReadOnlyAccess or 333333333333/ReadOnlyAccess)"
            ))
        };
        let (account, permission_set) = s.trim().split_once('/').ok_or_else(bad)?;
        let (account, permission_set) = (account.trim(), permission_set.trim());
        if account.is_empty() || permission_set.is_empty() || permission_set.contains('/') {
            return Err(bad());
        }
        Ok(Target {
            account: account.to_owned(),
            permission_set: permission_set.to_owned(),
        })
    }
}

/// What a request asks for: an account assignment, or membership of a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestTarget {
    Assignment(Target),
    /// A grantable group, by the display name the policy names it by.
    Group(String),
}

/// The prefix that asks for a group: `group:oncall-admins`.
pub const GROUP_PREFIX: &str = "group:";

impl std::fmt::Display for RequestTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestTarget::Assignment(t) => t.fmt(f),
            RequestTarget::Group(name) => write!(f, "{GROUP_PREFIX}{name}"),
        }
    }
}

impl FromStr for RequestTarget {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let Some(name) = s.strip_prefix(GROUP_PREFIX) else {
            return Target::from_str(s).map(RequestTarget::Assignment).map_err(|_| {
                Error::InvalidInput(format!(
                    "`{s}` is neither ACCOUNT/PERMISSION_SET (prod/ReadOnlyAccess) nor group:NAME (group:oncall-admins)"
                ))
            });
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidInput(
                "`group:` needs the group's name, as `stint ls` lists it (group:oncall-admins)"
                    .into(),
            ));
        }
        Ok(RequestTarget::Group(name.to_owned()))
    }
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A target with its account resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedTarget {
    pub account_id: String,
    /// The account's name when known, else its id.
    pub account_name: String,
    pub permission_set: String,
}

impl ResolvedTarget {
    /// `name/PermissionSet`, as people read it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.account_name, self.permission_set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_an_assignment_or_a_group() {
        let t: RequestTarget = "prod/ReadOnlyAccess".parse().unwrap();
        assert!(matches!(t, RequestTarget::Assignment(ref a) if a.account == "prod"));
        let g: RequestTarget = " group: On-call Admins ".parse().unwrap();
        assert_eq!(g, RequestTarget::Group("On-call Admins".into()));
        assert_eq!(g.to_string(), "group:On-call Admins");
        let empty = "group:".parse::<RequestTarget>().unwrap_err().to_string();
        assert!(empty.contains("group's name"), "{empty}");
        let neither = "oncall-admins"
            .parse::<RequestTarget>()
            .unwrap_err()
            .to_string();
        assert!(neither.contains("group:NAME"), "{neither}");
    }

    #[test]
    fn parses_ids_and_names() {
        let t: Target = "333333333333/AdministratorAccess".parse().unwrap();
        assert_eq!(t.account_id(), Some("333333333333"));
        let t: Target = " prod / ReadOnlyAccess ".parse().unwrap();
        assert_eq!(t.account, "prod");
        assert_eq!(t.permission_set, "ReadOnlyAccess");
        assert_eq!(t.account_id(), None);
        assert_eq!(t.to_string(), "prod/ReadOnlyAccess");
    }

    #[test]
    fn rejects_what_is_not_a_target_with_an_example() {
        for bad in ["prod", "/Admin", "prod/", "a/b/c", ""] {
            let err = bad.parse::<Target>().unwrap_err().to_string();
            assert!(err.contains("ACCOUNT/PERMISSION_SET"), "{bad}: {err}");
        }
        assert!(!is_account_id("33333333333"));
        assert!(!is_account_id("33333333333a"));
    }
}
