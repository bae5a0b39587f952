//! The policy as the broker holds it once the file has been read and validated. Names are
//! still names here; [`super::ResolvedPolicy`] ties them to the organization.

use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use url::Url;

use super::source::{Location, SourceMap};

/// A value from the policy file and where it was written, so later checks (resolution
/// against the organization, explanations) can point at the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub location: Location,
}

impl<T> Located<T> {
    pub fn new(value: T, location: Location) -> Self {
        Self { value, location }
    }
}

impl Located<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// A parsed, internally consistent policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    pub source: Arc<SourceMap>,
    pub settings: Settings,
    pub eligibility: Vec<EligibilityRule>,
    pub approval: Vec<ApprovalRule>,
}

/// How many accounts one request may name unless `[settings] max_targets` says otherwise.
pub const DEFAULT_MAX_TARGETS: u32 = 10;
/// The most `max_targets` may be: one decision should not open more than this at once.
pub const MAX_TARGETS_LIMIT: u32 = 100;

#[derive(Debug, Clone)]
pub struct Settings {
    /// No grant is longer than this, whatever a rule says.
    pub max_duration: Duration,
    /// Whether requests need a ticket unless a rule says otherwise.
    pub ticket_required: bool,
    /// A ticket, whenever one is given, must match this.
    pub ticket_pattern: Option<TicketPattern>,
    /// A pending request expires after this long without a decision.
    pub approval_timeout: Duration,
    pub auditor_groups: Vec<Located<String>>,
    pub admin_groups: Vec<Located<String>>,
    pub webhook_url: Option<Url>,
    /// Warn when role credentials of a permission set can outlive the longest grant a
    /// rule allows of it by more than this.
    pub session_overhang_warning: Duration,
    /// The most accounts one request may name (a request set): each is its own grant,
    /// all approved by one decision.
    pub max_targets: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_duration: Duration::from_secs(12 * 3600),
            ticket_required: false,
            ticket_pattern: None,
            approval_timeout: Duration::from_secs(24 * 3600),
            auditor_groups: Vec::new(),
            admin_groups: Vec::new(),
            webhook_url: None,
            session_overhang_warning: Duration::from_secs(3600),
            max_targets: DEFAULT_MAX_TARGETS,
        }
    }
}

/// A compiled ticket regex with the text it was written as.
#[derive(Debug, Clone)]
pub struct TicketPattern {
    pub source: String,
    pub regex: Regex,
}

impl TicketPattern {
    /// The whole ticket must match: a pattern written without anchors still cannot be
    /// satisfied by a ticket that merely contains a match somewhere.
    pub fn compile(source: &str) -> Result<Self, regex::Error> {
        // Compiled as written first, so an error quotes the pattern the user wrote.
        Regex::new(source)?;
        let regex = Regex::new(&format!("^(?:{source})$"))?;
        Ok(Self {
            source: source.to_owned(),
            regex,
        })
    }

    pub fn matches(&self, ticket: &str) -> bool {
        self.regex.is_match(ticket)
    }
}

/// What a rule covers: named accounts and accounts in named OUs (each with permission
/// sets), and Identity Center groups whose membership Stint grants for a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Account ids or names.
    pub accounts: Vec<Located<String>>,
    /// OU ids or names; `Root` (or the root id) means the whole organization.
    pub ous: Vec<Located<String>>,
    /// Whether accounts in OUs below the named OUs count too.
    pub nested_ous: bool,
    /// Group display names: a grant adds the person to the group for its window.
    pub grantable_groups: Vec<Located<String>>,
}

impl Targets {
    /// Whether the rule covers any account (as opposed to only groups).
    pub fn names_accounts(&self) -> bool {
        !self.accounts.is_empty() || !self.ous.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityRule {
    pub name: String,
    /// Where the rule's `[[eligibility]]` header is.
    pub location: Location,
    /// Identity Center user names.
    pub users: Vec<Located<String>>,
    /// Identity Center group names.
    pub groups: Vec<Located<String>>,
    pub targets: Targets,
    pub permission_sets: Vec<Located<String>>,
    /// Already capped by the global maximum.
    pub max_duration: Duration,
    pub approval_required: bool,
    pub ticket_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRule {
    pub name: String,
    pub location: Location,
    pub approver_groups: Vec<Located<String>>,
    pub targets: Targets,
    /// Empty means every permission set.
    pub permission_sets: Vec<Located<String>>,
}

/// Which of the two rule lists a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    Eligibility,
    Approval,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Eligibility => "eligibility",
            RuleKind::Approval => "approval",
        }
    }
}

/// A rule named the way the policy file names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId {
    pub kind: RuleKind,
    pub name: String,
    pub line: u32,
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rule \"{}\" (line {})",
            self.kind.as_str(),
            self.name,
            self.line
        )
    }
}

impl EligibilityRule {
    pub fn id(&self) -> RuleId {
        RuleId {
            kind: RuleKind::Eligibility,
            name: self.name.clone(),
            line: self.location.line,
        }
    }
}

impl ApprovalRule {
    pub fn id(&self) -> RuleId {
        RuleId {
            kind: RuleKind::Approval,
            name: self.name.clone(),
            line: self.location.line,
        }
    }
}
