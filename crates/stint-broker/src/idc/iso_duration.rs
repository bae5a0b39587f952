//! ISO-8601 durations as Identity Center writes a permission set's session duration
//! (`PT1H`, `PT12H`, `PT30M`, `PT1H30M`).
//!
//! Only the exact forms are accepted: days and the time part (hours, minutes, whole or
//! fractional seconds). Years, months and weeks have no fixed length, and Identity Center
//! never uses them (a session lasts 1 to 12 hours), so they are refused rather than guessed.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an ISO-8601 duration such as PT1H or PT30M: {reason}")]
pub struct DurationParseError {
    input: String,
    reason: &'static str,
}

/// Parses `P[nD][T[nH][nM][n[.f]S]]`.
pub fn parse_iso8601_duration(input: &str) -> Result<Duration, DurationParseError> {
    let fail = |reason| DurationParseError {
        input: input.to_owned(),
        reason,
    };
    let rest = input
        .strip_prefix('P')
        .ok_or_else(|| fail("it must start with P"))?;
    if rest.is_empty() {
        return Err(fail("it names no amount of time"));
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((_, "")) => return Err(fail("T must be followed by hours, minutes or seconds")),
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };

    let mut total = Duration::ZERO;
    for (amount, unit) in components(date_part).map_err(fail)? {
        let seconds_per_unit = match unit {
            'D' => 86_400,
            'Y' | 'M' | 'W' => return Err(fail("years, months and weeks have no fixed length")),
            _ => return Err(fail("unknown unit before T")),
        };
        total = add(total, whole(amount, seconds_per_unit)).map_err(fail)?;
    }

    let mut last_rank = 0;
    for (amount, unit) in time_part
        .map(components)
        .transpose()
        .map_err(fail)?
        .unwrap_or_default()
    {
        let (rank, seconds_per_unit) = match unit {
            'H' => (1, 3_600),
            'M' => (2, 60),
            'S' => (3, 1),
            _ => return Err(fail("unknown unit after T")),
        };
        if rank <= last_rank {
            return Err(fail("units must appear once each, in the order H, M, S"));
        }
        last_rank = rank;
        let part = if unit == 'S' {
            fractional_seconds(amount)
        } else {
            whole(amount, seconds_per_unit)
        };
        total = add(total, part).map_err(fail)?;
    }
    Ok(total)
}

/// Splits `12H30M` into `[("12", 'H'), ("30", 'M')]`.
fn components(part: &str) -> Result<Vec<(&str, char)>, &'static str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (index, c) in part.char_indices() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            continue;
        }
        let amount = &part[start..index];
        if amount.is_empty() {
            return Err("every unit needs a number before it");
        }
        out.push((amount, c));
        start = index + c.len_utf8();
    }
    if start != part.len() {
        return Err("a number is missing its unit");
    }
    Ok(out)
}

fn add(total: Duration, part: Result<Duration, &'static str>) -> Result<Duration, &'static str> {
    total.checked_add(part?).ok_or("the duration is too long")
}

fn whole(amount: &str, seconds_per_unit: u64) -> Result<Duration, &'static str> {
    if amount.contains(['.', ',']) {
        return Err("only seconds may have a fraction");
    }
    let value: u64 = amount.parse().map_err(|_| "the duration is too long")?;
    value
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or("the duration is too long")
}

fn fractional_seconds(amount: &str) -> Result<Duration, &'static str> {
    let amount = amount.replace(',', ".");
    let (int, frac) = amount.split_once('.').unwrap_or((&amount, ""));
    if int.is_empty() || frac.contains('.') {
        return Err("malformed seconds");
    }
    let secs: u64 = int.parse().map_err(|_| "malformed seconds")?;
    if frac.len() > 9 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err("seconds have at most nine decimal places");
    }
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}")
            .parse()
            .map_err(|_| "malformed seconds")?
    };
    Ok(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Duration {
        parse_iso8601_duration(input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    #[test]
    fn identity_center_session_durations() {
        assert_eq!(ok("PT1H"), Duration::from_secs(3_600));
        assert_eq!(ok("PT12H"), Duration::from_secs(12 * 3_600));
        assert_eq!(ok("PT30M"), Duration::from_secs(30 * 60));
        assert_eq!(ok("PT1H30M"), Duration::from_secs(5_400));
        assert_eq!(ok("PT8H0M"), Duration::from_secs(8 * 3_600));
    }

    #[test]
    fn days_and_seconds() {
        assert_eq!(ok("P1D"), Duration::from_secs(86_400));
        assert_eq!(ok("P1DT2H"), Duration::from_secs(86_400 + 7_200));
        assert_eq!(ok("PT45S"), Duration::from_secs(45));
        assert_eq!(ok("PT1.5S"), Duration::from_millis(1_500));
        assert_eq!(ok("PT0,25S"), Duration::from_millis(250));
        assert_eq!(ok("PT0S"), Duration::ZERO);
    }

    #[test]
    fn refuses_what_it_cannot_know_or_read() {
        for bad in [
            "", "1H", "P", "PT", "PTH", "PT1", "PT1X", "P1M", "P1Y", "P2W", "PT1M1H", "PT1H1H",
            "PT1.5H", "PT1..5S", "PT.5S", "pt1h", "PT-1H", "PT1H ", "P1DT",
        ] {
            assert!(
                parse_iso8601_duration(bad).is_err(),
                "`{bad}` should be refused"
            );
        }
    }

    #[test]
    fn the_error_names_the_input_and_the_reason() {
        let err = parse_iso8601_duration("P1M").unwrap_err().to_string();
        assert!(err.contains("`P1M`"), "{err}");
        assert!(err.contains("no fixed length"), "{err}");
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(parse_iso8601_duration("PT99999999999999999999H").is_err());
        assert!(parse_iso8601_duration("PT9999999999999999H").is_err());
    }
}
