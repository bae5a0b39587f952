//! Typed reads from one TOML table of the policy file. Each read reports a wrong type or
//! a bad value to the [`Reporter`] and carries on, so one pass finds every problem.

use std::collections::BTreeSet;
use std::time::Duration;

use super::model::Located;
use super::source::{Entry, Location, NodeValue, Reporter, Table};

pub(crate) struct Fields<'t> {
    table: &'t Table,
    /// How messages name this table, e.g. `[settings]` or `eligibility rule "dev"`.
    what: String,
    known: &'static [&'static str],
    seen: BTreeSet<&'static str>,
    /// Keys another table takes (`[settings]`'s, in a rule), with that table's name.
    elsewhere: Option<(&'static str, &'static [&'static str])>,
}

impl<'t> Fields<'t> {
    pub(crate) fn new(table: &'t Table, what: String, known: &'static [&'static str]) -> Self {
        Self {
            table,
            what,
            known,
            seen: BTreeSet::new(),
            elsewhere: None,
        }
    }

    /// Says of an unknown key that `table` takes it (rather than suggesting a key of this
    /// table it is spelt like).
    pub(crate) fn belongs_in(mut self, table: &'static str, keys: &'static [&'static str]) -> Self {
        self.elsewhere = Some((table, keys));
        self
    }

    pub(crate) fn what(&self) -> &str {
        &self.what
    }

    pub(crate) fn entry(&mut self, key: &'static str) -> Option<&'t Entry> {
        debug_assert!(self.known.contains(&key), "{key} is not declared");
        self.seen.insert(key);
        self.table.get(key)
    }

    pub(crate) fn location_of(&self, key: &str, rep: &Reporter<'_>) -> Option<Location> {
        self.table
            .get(key)
            .map(|e| rep.map.location(e.key_span.start))
    }

    /// Reports every key this table does not know, suggesting the closest known one.
    pub(crate) fn finish(self, rep: &mut Reporter<'_>) {
        for (key, entry) in self.table {
            if self.known.contains(&key.as_str()) {
                continue;
            }
            let hint = match self.elsewhere {
                Some((table, keys)) if keys.contains(&key.as_str()) => {
                    format!("; `{key}` is a key of {table}: move it there")
                }
                _ => closest(key, self.known)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| format!("; known keys are {}", list(self.known))),
            };
            rep.error(
                &entry.key_span,
                format!("unknown key `{key}` in {}{hint}", self.what),
            );
        }
    }

    pub(crate) fn string(
        &mut self,
        key: &'static str,
        rep: &mut Reporter<'_>,
    ) -> Option<Located<String>> {
        let entry = self.entry(key)?;
        match &entry.node.value {
            NodeValue::String(s) if s.trim().is_empty() => {
                rep.error(
                    &entry.node.span,
                    format!("`{key}` in {} is empty", self.what),
                );
                None
            }
            NodeValue::String(s) => Some(Located::new(
                s.clone(),
                rep.map.location(entry.node.span.start),
            )),
            other => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be a string, not {}",
                        self.what,
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    /// A whole number within `min..=max`. `means` says what the number is and what
    /// leaving it out gives, so a refusal says what to write instead.
    pub(crate) fn integer(
        &mut self,
        key: &'static str,
        min: i64,
        max: i64,
        means: &str,
        rep: &mut Reporter<'_>,
    ) -> Option<i64> {
        let entry = self.entry(key)?;
        let write = format!("write a whole number from {min} to {max} ({means})");
        match &entry.node.value {
            NodeValue::Integer(n) if (min..=max).contains(n) => Some(*n),
            NodeValue::Integer(n) => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} is {n}, outside the allowed range {min} to {max}: {write}",
                        self.what
                    ),
                );
                None
            }
            NodeValue::Float(x) => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be a whole number, not {x}: {write}",
                        self.what
                    ),
                );
                None
            }
            // A number in quotes: say how to write it.
            NodeValue::String(s) if s.trim().parse::<i64>().is_ok() => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be a whole number, not a string: write {key} = {} without quotes ({means})",
                        self.what,
                        s.trim()
                    ),
                );
                None
            }
            other => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be a whole number, not {}: {write}",
                        self.what,
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, key: &'static str, rep: &mut Reporter<'_>) -> Option<bool> {
        let entry = self.entry(key)?;
        match &entry.node.value {
            NodeValue::Boolean(b) => Some(*b),
            other => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be true or false, not {}",
                        self.what,
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    /// A list of non-empty strings. Repeated entries are reported as warnings and dropped.
    pub(crate) fn strings(
        &mut self,
        key: &'static str,
        rep: &mut Reporter<'_>,
    ) -> Vec<Located<String>> {
        let Some(entry) = self.entry(key) else {
            return Vec::new();
        };
        let items = match &entry.node.value {
            NodeValue::Array(items) => items,
            NodeValue::String(s) => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be a list of strings: write [\"{s}\"]",
                        self.what
                    ),
                );
                return Vec::new();
            }
            other => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`{key}` in {} must be a list of strings, not {}",
                        self.what,
                        other.type_name()
                    ),
                );
                return Vec::new();
            }
        };
        let mut out: Vec<Located<String>> = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                NodeValue::String(s) if s.trim().is_empty() => {
                    rep.error(
                        &item.span,
                        format!("`{key}` in {} holds an empty name", self.what),
                    );
                }
                NodeValue::String(s) => {
                    if let Some(earlier) = out.iter().find(|o| o.value == *s) {
                        rep.warning(
                            &item.span,
                            format!(
                                "\"{s}\" is listed twice in `{key}` of {} (first at line {})",
                                self.what, earlier.location.line
                            ),
                        );
                    } else {
                        out.push(Located::new(s.clone(), rep.map.location(item.span.start)));
                    }
                }
                other => rep.error(
                    &item.span,
                    format!(
                        "`{key}` in {} must hold strings, not {}",
                        self.what,
                        other.type_name()
                    ),
                ),
            }
        }
        out
    }

    /// A duration written as a string such as `"90m"`, `"4h"` or `"1h 30m"`, within `range`.
    pub(crate) fn duration(
        &mut self,
        key: &'static str,
        min: Duration,
        max: Duration,
        rep: &mut Reporter<'_>,
    ) -> Option<Located<Duration>> {
        let entry = self.entry(key)?;
        let span = &entry.node.span;
        let text = match &entry.node.value {
            NodeValue::String(s) => s,
            NodeValue::Integer(n) => {
                rep.error(
                    span,
                    format!(
                        "`{key}` in {} must be a duration string such as \"{n}m\" or \"{n}h\", not a bare number",
                        self.what
                    ),
                );
                return None;
            }
            other => {
                rep.error(
                    span,
                    format!(
                        "`{key}` in {} must be a duration string such as \"4h\", not {}",
                        self.what,
                        other.type_name()
                    ),
                );
                return None;
            }
        };
        let value = match humantime::parse_duration(text) {
            Ok(d) => d,
            Err(err) => {
                rep.error(
                    span,
                    format!(
                        "`{key}` in {}: \"{text}\" is not a duration ({err}); write it like \"30m\", \"4h\" or \"1h 30m\"",
                        self.what
                    ),
                );
                return None;
            }
        };
        if value < min || value > max {
            rep.error(
                span,
                format!(
                    "`{key}` in {} is {}, outside the allowed range {} to {}",
                    self.what,
                    human(value),
                    human(min),
                    human(max)
                ),
            );
            return None;
        }
        Some(Located::new(value, rep.map.location(span.start)))
    }
}

/// A duration the way people write them: `4h`, `1h 30m`, `45s`.
pub fn human(d: Duration) -> String {
    if d.is_zero() {
        return "0s".to_owned();
    }
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known key within two edits of `key`, for "did you mean".
pub(crate) fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_near_key_only() {
        let known = &["max_duration", "approval_required", "groups"];
        assert_eq!(closest("max_duraton", known), Some("max_duration"));
        assert_eq!(closest("group", known), Some("groups"));
        assert_eq!(closest("colour", known), None);
    }

    #[test]
    fn durations_print_the_way_people_write_them() {
        assert_eq!(human(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(human(Duration::ZERO), "0s");
    }
}
