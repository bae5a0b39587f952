//! Text output: aligned tables, durations and times people read at a glance.

use chrono::{DateTime, Duration, Local, Utc};
use serde::Serialize;

/// `2h 05m`, `14m`, `45s`, or `ended` for a negative span.
pub fn span(d: Duration) -> String {
    let secs = d.num_seconds();
    if secs <= 0 {
        return "0s".into();
    }
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m:02}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A time in the person's own zone, short.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Text from the broker made safe to print in a terminal. The broker refuses control
/// characters in free text, but text stored before that rule (or by a broker that does not
/// keep it) could hold an escape sequence that rewrites what the reader sees: every control
/// character, and the bidirectional overrides that reorder a line, are shown escaped
/// (`\u{1b}`, `\n`) instead of acted on.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Columns padded to the widest cell; the last column is not padded. Every cell goes
/// through [`printable`].
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| printable(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_at_a_glance() {
        assert_eq!(span(Duration::seconds(45)), "45s");
        assert_eq!(span(Duration::minutes(14)), "14m");
        assert_eq!(span(Duration::minutes(125)), "2h 05m");
        assert_eq!(span(Duration::hours(50)), "2d 2h");
        assert_eq!(span(Duration::seconds(-5)), "0s");
    }

    #[test]
    fn control_characters_print_escaped() {
        let osc = "fix \u{1b}]0;pwned\u{7} now\r\nline\u{9b}2J \u{202e}txt.exe";
        assert_eq!(
            printable(osc),
            "fix \\u{1b}]0;pwned\\u{7} now\\r\\nline\\u{9b}2J \\u{202e}txt.exe"
        );
        assert_eq!(printable("plain é text"), "plain é text");
        let out = table(&["REASON"], &[vec![osc.into()]]);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert_eq!(out.lines().count(), 2, "a cell stays on its line: {out:?}");
    }

    #[test]
    fn tables_align_on_the_widest_cell() {
        let out = table(
            &["ID", "TARGET", "STATE"],
            &[
                vec![
                    "7".into(),
                    "prod/AdministratorAccess".into(),
                    "pending".into(),
                ],
                vec!["12".into(), "dev/RO".into(), "active".into()],
            ],
        );
        assert_eq!(
            out,
            "ID  TARGET                    STATE\n\
             7   prod/AdministratorAccess  pending\n\
             12  dev/RO                    active\n"
        );
    }
}
