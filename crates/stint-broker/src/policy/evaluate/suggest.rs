//! What a refused request suggests instead: what the person may request in that account,
//! that permission set elsewhere, or anything at all.

use crate::idc::{Account, PermissionSet};
use crate::policy::resolve::ResolvedPolicy;

use super::Subject;

impl ResolvedPolicy {
    pub(super) fn suggest_instead(
        &self,
        subject: &Subject,
        account: &Account,
        ps: &PermissionSet,
    ) -> Option<String> {
        let eligible = self.eligible(subject);
        let here: Vec<&str> = eligible
            .iter()
            .filter(|e| e.account.id == account.id)
            .map(|e| e.permission_set.name.as_str())
            .collect();
        if !here.is_empty() {
            return Some(format!(
                "In {} you may request {}.",
                account.name,
                here.join(", ")
            ));
        }
        let elsewhere: Vec<&str> = eligible
            .iter()
            .filter(|e| e.permission_set.name == ps.name)
            .map(|e| e.account.name.as_str())
            .collect();
        if !elsewhere.is_empty() {
            return Some(format!(
                "You may request {} in {}.",
                ps.name,
                elsewhere.join(", ")
            ));
        }
        self.suggest_anything(subject)
    }

    pub(super) fn suggest_in_account(
        &self,
        subject: &Subject,
        account: &Account,
    ) -> Option<String> {
        let here: Vec<String> = self
            .eligible(subject)
            .into_iter()
            .filter(|e| e.account.id == account.id)
            .map(|e| e.permission_set.name)
            .collect();
        if here.is_empty() {
            self.suggest_anything(subject)
        } else {
            Some(format!(
                "In {} you may request {}.",
                account.name,
                here.join(", ")
            ))
        }
    }

    pub(super) fn suggest_anything(&self, subject: &Subject) -> Option<String> {
        let eligible = self.eligible(subject);
        if eligible.is_empty() {
            return Some(
                "You are not eligible for any access; ask a Stint admin which group to join."
                    .to_owned(),
            );
        }
        let mut accounts: Vec<&str> = eligible.iter().map(|e| e.account.name.as_str()).collect();
        accounts.dedup();
        Some(format!(
            "You may request access in {}; `stint ls` lists what.",
            accounts.join(", ")
        ))
    }
}
