//! The policy in force, shared by every request handler and swapped whole on reload
//! (SIGHUP or the admin endpoint). A reader holds an `Arc` to the policy it started with,
//! so a decision never sees half of one policy and half of another; a request already
//! created keeps the [`Decision`](super::Decision) made then.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::idc::{GroupDetails, Organization, PermissionSet};

use super::model::Policy;
use super::parse::LoadError;
use super::resolve::ResolvedPolicy;
use super::source::{Diagnostic, Diagnostics};

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("{0}; the previous policy stays in force")]
    Load(#[from] LoadError),
    #[error("{0}\nthe previous policy stays in force")]
    Unresolved(Diagnostics),
}

impl ReloadError {
    /// Every problem as `file:line:col: error: ...` lines.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            ReloadError::Load(LoadError::Invalid(d)) | ReloadError::Unresolved(d) => d.0.clone(),
            ReloadError::Load(LoadError::Read { .. }) => Vec::new(),
        }
    }
}

/// What a successful load or reload brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSummary {
    pub eligibility_rules: usize,
    pub approval_rules: usize,
    pub warnings: Vec<Diagnostic>,
}

impl LoadSummary {
    fn of(policy: &ResolvedPolicy, parse_warnings: Vec<Diagnostic>) -> Self {
        let mut warnings = parse_warnings;
        warnings.extend(policy.warnings.iter().cloned());
        Self {
            eligibility_rules: policy.policy.eligibility.len(),
            approval_rules: policy.policy.approval.len(),
            warnings,
        }
    }
}

/// Reads, validates and resolves a policy file in one step.
pub fn load_resolved(
    path: &Path,
    org: &Organization,
    permission_sets: &[PermissionSet],
    groups: &[GroupDetails],
) -> Result<(ResolvedPolicy, LoadSummary), ReloadError> {
    let parsed = Policy::load(path)?;
    let resolved = parsed
        .policy
        .resolve(org, permission_sets, groups)
        .map_err(ReloadError::Unresolved)?;
    let summary = LoadSummary::of(&resolved, parsed.warnings);
    Ok((resolved, summary))
}

/// The policy in force, or none yet: a broker that starts while Identity Center cannot be
/// read has a file it cannot resolve, and serves only what needs no policy until it can.
#[derive(Debug)]
pub struct PolicyHandle {
    path: PathBuf,
    current: RwLock<Option<Arc<ResolvedPolicy>>>,
}

impl PolicyHandle {
    /// Loads the policy file at start; the broker refuses to start on an error.
    pub fn load(
        path: impl Into<PathBuf>,
        org: &Organization,
        permission_sets: &[PermissionSet],
        groups: &[GroupDetails],
    ) -> Result<(Self, LoadSummary), ReloadError> {
        let path = path.into();
        let (policy, summary) = load_resolved(&path, org, permission_sets, groups)?;
        Ok((Self::new(path, policy), summary))
    }

    pub fn new(path: impl Into<PathBuf>, policy: ResolvedPolicy) -> Self {
        Self {
            path: path.into(),
            current: RwLock::new(Some(Arc::new(policy))),
        }
    }

    /// A handle with no policy in force yet; the first [`PolicyHandle::reload`] brings one.
    pub fn pending(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            current: RwLock::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The policy in force now, if one has been resolved yet. Hold the `Arc` for the
    /// length of one decision.
    pub fn in_force(&self) -> Option<Arc<ResolvedPolicy>> {
        // A poisoned lock still holds a whole policy: the swap is one pointer store.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Re-reads the file and swaps it in. On any problem the old policy stays and the
    /// error says why, with every problem found.
    pub fn reload(
        &self,
        org: &Organization,
        permission_sets: &[PermissionSet],
        groups: &[GroupDetails],
    ) -> Result<LoadSummary, ReloadError> {
        let (policy, summary) = load_resolved(&self.path, org, permission_sets, groups)?;
        self.replace(policy);
        Ok(summary)
    }

    /// Re-resolves the policy in force against a fresh organization snapshot (an account
    /// moved, a permission set was added) without re-reading the file. If the policy no
    /// longer resolves (it names something that is gone), the old one stays and the error
    /// says what. With no policy in force yet it reads the file, as a reload does.
    pub fn refresh(
        &self,
        org: &Organization,
        permission_sets: &[PermissionSet],
        groups: &[GroupDetails],
    ) -> Result<LoadSummary, ReloadError> {
        let Some(current) = self.in_force() else {
            return self.reload(org, permission_sets, groups);
        };
        let policy = Policy::clone(&current.policy)
            .resolve(org, permission_sets, groups)
            .map_err(ReloadError::Unresolved)?;
        let summary = LoadSummary::of(&policy, Vec::new());
        self.replace(policy);
        Ok(summary)
    }

    /// Swaps in an already resolved policy, for example one re-resolved against a fresh
    /// organization snapshot.
    pub fn replace(&self, policy: ResolvedPolicy) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(policy));
    }
}
