//! The one way people write a duration, in the CLI (`--for 1h30m`) and in the app's
//! request form: whole numbers, each with a unit, optionally separated by spaces —
//! `90m`, `1h30m`, `1h 30m`, `2 h`, `1d`. A bare number is refused: "45" could mean
//! minutes or hours, and a wrong guess grants the wrong window. The UI has its own
//! TypeScript reading of the same grammar; both are held to `duration_cases.json`.

use std::fmt;

/// Why a duration could not be read. `Display` is the sentence to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationProblem {
    Empty,
    /// A number without a unit.
    NoUnit(String),
    Malformed(String),
    TooLong(String),
}

impl fmt::Display for DurationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationProblem::Empty => write!(f, "type a duration such as 30m, 1h or 1h30m"),
            DurationProblem::NoUnit(n) => write!(
                f,
                "\"{n}\" has no unit: write {n}m for minutes or {n}h for hours"
            ),
            DurationProblem::Malformed(text) => write!(
                f,
                "\"{text}\" is not a duration: write it like 30m, 1h or 1h30m"
            ),
            DurationProblem::TooLong(text) => write!(f, "\"{text}\" is far too long"),
        }
    }
}

impl std::error::Error for DurationProblem {}

const UNITS: &[(&str, u64)] = &[
    ("s", 1),
    ("sec", 1),
    ("secs", 1),
    ("second", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("mins", 60),
    ("minute", 60),
    ("minutes", 60),
    ("h", 3600),
    ("hr", 3600),
    ("hrs", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
];

/// Reads a duration into whole seconds.
pub fn parse_duration(text: &str) -> Result<u32, DurationProblem> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DurationProblem::Empty);
    }
    if trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(DurationProblem::NoUnit(trimmed.to_owned()));
    }
    let malformed = || DurationProblem::Malformed(trimmed.to_owned());
    let too_long = || DurationProblem::TooLong(trimmed.to_owned());
    let lower = trimmed.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(malformed());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| too_long())?;
        rest = rest[digits..].trim_start();
        let letters = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = UNITS
            .iter()
            .find(|(name, _)| *name == &rest[..letters])
            .map(|(_, secs)| *secs)
            .ok_or_else(malformed)?;
        total = number
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(too_long)?;
        rest = rest[letters..].trim_start();
    }
    u32::try_from(total).map_err(|_| too_long())
}

/// `1h 30m`, `45s`, `30d`, `1d 2h`: the shortest way to write it that
/// [`parse_duration`] reads back.
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    let parts = [
        (secs / 86_400, "d"),
        (secs % 86_400 / 3600, "h"),
        (secs % 3600 / 60, "m"),
        (secs % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases the UI's parser is held to as well (`ui/tests/duration.test.ts`).
    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        secs: Option<u32>,
        /// A fragment the refusal must contain.
        says: Option<String>,
    }

    #[test]
    fn the_shared_cases_hold() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("duration_cases.json")).unwrap();
        assert!(cases.len() > 10);
        for case in cases {
            let got = parse_duration(&case.text);
            match (case.secs, &got) {
                (Some(secs), Ok(got)) => assert_eq!(*got, secs, "{:?}", case.text),
                (None, Err(problem)) => {
                    let says = case.says.as_deref().unwrap_or_default();
                    assert!(
                        problem.to_string().contains(says),
                        "{:?}: {problem} does not say {says:?}",
                        case.text
                    );
                }
                _ => panic!("{:?}: expected {:?}, got {got:?}", case.text, case.secs),
            }
        }
    }

    #[test]
    fn what_is_printed_reads_back() {
        for secs in [1, 59, 60, 90, 3600, 5400, 86_400, 93_784, 30 * 86_400] {
            assert_eq!(parse_duration(&format_duration(secs)), Ok(secs as u32));
        }
        assert_eq!(format_duration(5400), "1h 30m");
        assert_eq!(format_duration(0), "0s");
    }
}
