//! The rules a request meets whatever the policy says: how short and how long a window
//! may be, how far ahead it may start, and what free text (reason, ticket, comment) may
//! hold. The broker enforces them, the client checks them before sending, and the desktop
//! UI reads the same numbers from the generated `rules.ts`, so a form and the broker
//! never disagree about what is allowed.

mod duration;
mod text;

use serde::Serialize;

pub use duration::{DurationProblem, format_duration, parse_duration};
pub use text::{TextField, TextProblem, check_text};

/// Shortest window a grant may have: shorter than this, Identity Center's own
/// provisioning time would be most of it.
pub const MIN_DURATION_SECS: u32 = 60;
/// Longest window any policy may allow: past this it is not "just in time" any more.
pub const MAX_DURATION_SECS: u32 = 30 * 86_400;
/// How far ahead a window may be scheduled, so a typo in the year does not book 2062.
pub const MAX_LEAD_SECS: u32 = 30 * 86_400;
/// A reason is required: approvers and auditors read it. Counted in characters, after
/// leading and trailing whitespace is trimmed.
pub const MIN_REASON_CHARS: u32 = 1;
/// Longest reason, in characters.
pub const MAX_REASON_CHARS: u32 = 2000;
/// Longest ticket reference, in characters.
pub const MAX_TICKET_CHARS: u32 = 2000;
/// Longest comment on a decision, in characters.
pub const MAX_COMMENT_CHARS: u32 = 2000;

/// The rules' numbers as one value, for the UI (written to `ui/src/lib/bindings/rules.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub min_duration_secs: u32,
    pub max_duration_secs: u32,
    pub max_lead_secs: u32,
    pub min_reason_chars: u32,
    pub max_reason_chars: u32,
    pub max_ticket_chars: u32,
    pub max_comment_chars: u32,
}

pub const LIMITS: Limits = Limits {
    min_duration_secs: MIN_DURATION_SECS,
    max_duration_secs: MAX_DURATION_SECS,
    max_lead_secs: MAX_LEAD_SECS,
    min_reason_chars: MIN_REASON_CHARS,
    max_reason_chars: MAX_REASON_CHARS,
    max_ticket_chars: MAX_TICKET_CHARS,
    max_comment_chars: MAX_COMMENT_CHARS,
};

/// Why a window's length is out of bounds, or `None` when it is within them. Policy may
/// allow less; it never allows more.
pub fn duration_problem(secs: u64) -> Option<String> {
    if secs < u64::from(MIN_DURATION_SECS) {
        Some(format!(
            "a grant lasts at least {}; ask for {} or more",
            format_duration(u64::from(MIN_DURATION_SECS)),
            format_duration(u64::from(MIN_DURATION_SECS))
        ))
    } else if secs > u64::from(MAX_DURATION_SECS) {
        Some(format!(
            "a grant lasts at most {}; ask for less and extend it if you need to",
            format_duration(u64::from(MAX_DURATION_SECS))
        ))
    } else {
        None
    }
}

/// Why a window starting `lead_secs` from now is too far ahead, or `None`.
pub fn lead_problem(lead_secs: i64) -> Option<String> {
    (lead_secs > i64::from(MAX_LEAD_SECS)).then(|| {
        format!(
            "the start is more than {} away: request closer to the time",
            format_duration(u64::from(MAX_LEAD_SECS))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_outside_the_bounds_are_explained() {
        assert_eq!(duration_problem(60), None);
        assert_eq!(duration_problem(u64::from(MAX_DURATION_SECS)), None);
        let short = duration_problem(59).unwrap();
        assert!(short.contains("at least 1m"), "{short}");
        let long = duration_problem(u64::from(MAX_DURATION_SECS) + 1).unwrap();
        assert!(long.contains("at most 30d"), "{long}");
    }

    #[test]
    fn the_lead_time_is_bounded() {
        assert_eq!(lead_problem(i64::from(MAX_LEAD_SECS)), None);
        let far = lead_problem(i64::from(MAX_LEAD_SECS) + 1).unwrap();
        assert!(far.contains("more than 30d away"), "{far}");
    }
}
