//! The policy file as text: a TOML tree in which every key and value keeps its position,
//! so validation can name the line and column of each problem and report all of them at
//! once instead of stopping at the first, as plain serde deserialization would.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

/// A position in a source file, 1-based, in characters (not bytes) for the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Turns byte offsets into line and column.
#[derive(Debug, Clone)]
pub struct SourceMap {
    /// What to call the file in messages (the path as the user gave it).
    pub name: Arc<str>,
    text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceMap {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            name: name.into(),
            text,
            line_starts,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Location {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in a file, printed the way compilers print them:
/// `file:line:col: error: what is wrong and what to do`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: Arc<str>,
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.location, self.severity, self.message
        )
    }
}

/// Every error found in a file (never empty), and any warnings found on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl std::error::Error for Diagnostics {}

impl Diagnostics {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        let mut first = true;
        for d in &self.0 {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{d}")?;
        }
        if errors > 1 {
            write!(f, "\n{errors} errors")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub struct Reporter<'a> {
    pub map: &'a SourceMap,
    pub found: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub fn new(map: &'a SourceMap) -> Self {
        Self {
            map,
            found: Vec::new(),
        }
    }

    pub fn error_at(&mut self, location: Location, message: impl Into<String>) {
        self.push(Severity::Error, location, message.into());
    }

    pub fn warning_at(&mut self, location: Location, message: impl Into<String>) {
        self.push(Severity::Warning, location, message.into());
    }

    pub fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let location = self.map.location(span.start);
        self.push(Severity::Error, location, message.into());
    }

    pub fn warning(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let location = self.map.location(span.start);
        self.push(Severity::Warning, location, message.into());
    }

    fn push(&mut self, severity: Severity, location: Location, message: String) {
        self.found.push(Diagnostic {
            severity,
            file: self.map.name.clone(),
            location,
            message,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.found.iter().any(|d| d.severity == Severity::Error)
    }

    /// The diagnostics in file order, errors first at the same position.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.found.sort_by_key(|d| (d.location, d.severity));
        self.found
    }
}

/// A TOML value with the byte span it came from, all the way down.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Range<usize>,
    pub value: NodeValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Array(Vec<Node>),
    Table(Table),
}

/// A table's entries in key order, each with the span of its key.
pub type Table = BTreeMap<String, Entry>;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key_span: Range<usize>,
    pub node: Node,
}

impl NodeValue {
    /// The TOML type, as a person would name it in a message.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeValue::String(_) => "a string",
            NodeValue::Integer(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Boolean(_) => "true or false",
            NodeValue::Array(_) => "a list",
            NodeValue::Table(_) => "a table",
        }
    }
}

/// Parses TOML text into a [`Node`] tree. A syntax error stops here: nothing after it
/// can be trusted, so it is the one case that reports a single problem.
pub fn parse(map: &SourceMap) -> Result<Table, Diagnostic> {
    match toml::from_str::<RootTable>(map.text()) {
        Ok(RootTable(table)) => Ok(table),
        Err(err) => {
            let location = err
                .span()
                .map_or(Location { line: 1, column: 1 }, |s| map.location(s.start));
            // toml hands dates over as a map with a private key, which a spanned
            // string key cannot take: say what that means instead of how it failed.
            let message = if err.message().contains(DATETIME_KEY) {
                "dates and times have no use in this file; write durations as strings such as \"4h\"".to_owned()
            } else if let Some(too_large) = err
                .span()
                .filter(|_| is_too_large(err.message()))
                .map(|s| too_large_number(map.text(), s))
            {
                too_large
            } else {
                format!("this is not valid TOML: {}", err.message())
            };
            Err(Diagnostic {
                severity: Severity::Error,
                file: map.name.clone(),
                location,
                message,
            })
        }
    }
}

/// Whether toml's (or our visitor's) message says a number does not fit in 64 bits.
fn is_too_large(message: &str) -> bool {
    message.contains("too large")
}

/// A number too large for any key, said as the typed reads say a bad value: which key, in
/// which table, and what to write. The key is read from the line, the table from the
/// nearest header above it (toml gives only the number's span).
fn too_large_number(text: &str, span: Range<usize>) -> String {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let key = text[line_start..start]
        .split('=')
        .next()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['));
    let number: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
        .collect();
    let what = match (key, table) {
        (Some(key), Some(table)) => format!("`{key}` in {table}"),
        (Some(key), None) => format!("`{key}`"),
        _ => "a value".to_owned(),
    };
    let key = key.unwrap_or("the key");
    format!(
        "{what} is {number}, too large to read as a number: write a whole number in the range `{key}` allows, or leave it out for its default"
    )
}

/// The entry at a dotted key path, such as `["identity_center", "region"]`.
pub fn find<'t>(root: &'t Table, path: &[&str]) -> Option<&'t Entry> {
    let (last, parents) = path.split_last()?;
    let mut here = root;
    for key in parents {
        match &here.get(*key)?.node.value {
            NodeValue::Table(t) => here = t,
            _ => return None,
        }
    }
    here.get(*last)
}

const DATETIME_KEY: &str = "$__toml_private_datetime";

struct RootTable(Table);

impl<'de> Deserialize<'de> for RootTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(ValueVisitor)? {
            NodeValue::Table(t) => Ok(RootTable(t)),
            _ => Err(de::Error::custom("a TOML document is a table")),
        }
    }
}

struct SpannedNodeValue(NodeValue);

impl<'de> Deserialize<'de> for SpannedNodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ValueVisitor)
            .map(SpannedNodeValue)
    }
}

fn to_node(spanned: Spanned<SpannedNodeValue>) -> Node {
    let span = spanned.span();
    Node {
        span,
        value: spanned.into_inner().0,
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Boolean(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        i64::try_from(v)
            .map(NodeValue::Integer)
            .map_err(|_| E::custom("integer too large"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<SpannedNodeValue>>()? {
            items.push(to_node(item));
        }
        Ok(NodeValue::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut table = Table::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let key_span = key.span();
            let node = to_node(map.next_value::<Spanned<SpannedNodeValue>>()?);
            table.insert(key.into_inner(), Entry { key_span, node });
        }
        Ok(NodeValue::Table(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_lines_and_character_columns() {
        let map = SourceMap::new("p.toml", "a = 1\n# é\nbé = 2\n");
        assert_eq!(map.location(0), Location { line: 1, column: 1 });
        assert_eq!(map.location(4), Location { line: 1, column: 5 });
        let b = map.text().find("bé").unwrap();
        assert_eq!(map.location(b), Location { line: 3, column: 1 });
        let two = map.text().find('2').unwrap();
        assert_eq!(map.location(two), Location { line: 3, column: 6 });
    }

    #[test]
    fn every_key_and_value_keeps_its_span() {
        let text = "[settings]\nmax = \"1h\"\n\n[[rule]]\nnames = [\"a\", \"b\"]\n";
        let map = SourceMap::new("p.toml", text);
        let root = parse(&map).unwrap();
        let settings = &root["settings"];
        let NodeValue::Table(settings) = &settings.node.value else {
            panic!("settings is a table")
        };
        let max = &settings["max"];
        assert_eq!(
            map.location(max.key_span.start),
            Location { line: 2, column: 1 }
        );
        assert_eq!(
            map.location(max.node.span.start),
            Location { line: 2, column: 7 }
        );
        let NodeValue::Array(rules) = &root["rule"].node.value else {
            panic!("rule is an array of tables")
        };
        let NodeValue::Table(rule) = &rules[0].value else {
            panic!("a rule is a table")
        };
        let NodeValue::Array(names) = &rule["names"].node.value else {
            panic!("names is a list")
        };
        assert_eq!(
            map.location(names[1].span.start),
            Location {
                line: 5,
                column: 15
            }
        );
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let map = SourceMap::new("p.toml", "a = 1\nb = = 2\n");
        let err = parse(&map).unwrap_err();
        assert_eq!(err.location.line, 2);
        assert!(err.to_string().starts_with("p.toml:2:"), "{err}");
    }

    #[test]
    fn dates_are_refused_with_a_plain_message() {
        let map = SourceMap::new("p.toml", "a = 1\nwhen = 2024-01-01T00:00:00Z\n");
        let err = parse(&map).unwrap_err();
        assert_eq!(err.location.line, 2, "{err}");
        assert!(err.message.contains("dates and times have no use"), "{err}");
    }
}
