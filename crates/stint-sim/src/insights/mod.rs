//! A CloudWatch Logs Insights subset, enough for an activity adapter over an organization
//! trail's log group: `fields` / `display` (which fields come back), `filter` (comparisons,
//! `like` with a regex or substring, `in [...]`, `ispresent(f)`, `and` / `or` / `not`,
//! parentheses), `sort f [asc|desc], ...` and `limit n`. Fields are dotted paths into the
//! JSON record (`userIdentity.arn`, `requestParameters.bucketName`, `resources.0.ARN`)
//! plus `@timestamp`, `@message`, `@logStream` and `@log`. `worlds/FORMAT.md` lists the
//! subset and where it differs from AWS.

mod parse;

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Debug, Clone)]
pub(crate) struct Query {
    commands: Vec<Command>,
}

#[derive(Debug, Clone)]
enum Command {
    Fields(Vec<String>),
    Display(Vec<String>),
    Filter(Expr),
    Sort(Vec<SortKey>),
    Limit(usize),
}

#[derive(Debug, Clone)]
struct SortKey {
    field: String,
    descending: bool,
}

#[derive(Debug, Clone)]
enum Operand {
    Field(String),
    Str(String),
    Num(f64),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
enum Expr {
    Cmp(Operand, Cmp, Operand),
    Like(Operand, regex::Regex),
    In(Operand, Vec<Operand>),
    Present(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Query {
    /// Parses a query string; the error says what is wrong and where.
    pub fn parse(src: &str) -> Result<Query, String> {
        parse::parse(src)
    }
}

/// One log event: a CloudTrail record in the log group.
pub(crate) struct LogEvent<'a> {
    pub timestamp: DateTime<Utc>,
    pub record: &'a Value,
    pub log_stream: String,
    pub log_group: &'a str,
    /// Stands for the event in `@ptr`.
    pub ptr: String,
}

/// A field's value as Insights compares it.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Num(f64),
    Str(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Scalar::Num(n) => n.to_string(),
            Scalar::Str(s) => s.clone(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Scalar::Num(n) => Some(*n),
            Scalar::Str(s) => s.trim().parse().ok(),
        }
    }
}

fn timestamp_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

impl LogEvent<'_> {
    fn get(&self, field: &str) -> Option<Scalar> {
        match field {
            "@timestamp" => return Some(Scalar::Num(self.timestamp.timestamp_millis() as f64)),
            "@message" => return Some(Scalar::Str(self.record.to_string())),
            "@logStream" => return Some(Scalar::Str(self.log_stream.clone())),
            "@log" => return Some(Scalar::Str(self.log_group.to_owned())),
            _ => {}
        }
        let mut v = self.record;
        for part in field.split('.') {
            v = match v {
                Value::Object(map) => map.get(part)?,
                Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        match v {
            Value::Null => None,
            Value::String(s) => Some(Scalar::Str(s.clone())),
            Value::Number(n) => n.as_f64().map(Scalar::Num),
            Value::Bool(b) => Some(Scalar::Str(b.to_string())),
            other => Some(Scalar::Str(other.to_string())),
        }
    }

    /// The value as GetQueryResults shows it.
    fn shown(&self, field: &str) -> Option<String> {
        if field == "@timestamp" {
            return Some(timestamp_text(self.timestamp));
        }
        self.get(field).map(|s| s.text())
    }
}

fn operand(ev: &LogEvent<'_>, o: &Operand) -> Option<Scalar> {
    match o {
        Operand::Field(f) => ev.get(f),
        Operand::Str(s) => Some(Scalar::Str(s.clone())),
        Operand::Num(n) => Some(Scalar::Num(*n)),
    }
}

/// Numbers compare as numbers when both sides are numeric, else as text.
fn compare(a: &Scalar, b: &Scalar) -> Ordering {
    match (a.number(), b.number()) {
        (Some(x), Some(y)) if matches!(a, Scalar::Num(_)) || matches!(b, Scalar::Num(_)) => {
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        _ => a.text().cmp(&b.text()),
    }
}

fn matches(ev: &LogEvent<'_>, e: &Expr) -> bool {
    match e {
        Expr::Cmp(l, cmp, r) => {
            // A missing field matches no comparison, as in Insights.
            let (Some(a), Some(b)) = (operand(ev, l), operand(ev, r)) else {
                return false;
            };
            let ord = compare(&a, &b);
            match cmp {
                Cmp::Eq => ord == Ordering::Equal,
                Cmp::Ne => ord != Ordering::Equal,
                Cmp::Lt => ord == Ordering::Less,
                Cmp::Le => ord != Ordering::Greater,
                Cmp::Gt => ord == Ordering::Greater,
                Cmp::Ge => ord != Ordering::Less,
            }
        }
        Expr::Like(o, re) => operand(ev, o).is_some_and(|v| re.is_match(&v.text())),
        Expr::In(o, items) => operand(ev, o).is_some_and(|v| {
            items
                .iter()
                .filter_map(|i| operand(ev, i))
                .any(|i| compare(&v, &i) == Ordering::Equal)
        }),
        Expr::Present(f) => ev.get(f).is_some(),
        Expr::Not(e) => !matches(ev, e),
        Expr::And(a, b) => matches(ev, a) && matches(ev, b),
        Expr::Or(a, b) => matches(ev, a) || matches(ev, b),
    }
}

/// Insights sorts text before numbers, and a missing value last.
fn sort_order(a: Option<Scalar>, b: Option<Scalar>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => match (x.number(), y.number()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => x.text().cmp(&y.text()),
        },
    }
}

/// The fields AWS returns when a query names none.
const DEFAULT_FIELDS: [&str; 2] = ["@timestamp", "@message"];

/// A query's answer: rows of (field, value), and how many events were scanned and matched.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryResult {
    pub rows: Vec<Vec<(String, String)>>,
    pub records_scanned: usize,
    pub records_matched: usize,
    pub bytes_scanned: usize,
}

/// Runs a query over events (already restricted to the query's time range), in the
/// command order given: a `limit` before a `sort` limits first, as in Insights. `cap` is
/// StartQuery's `limit` (default 1000).
pub(crate) fn run(query: &Query, events: &[LogEvent<'_>], cap: usize) -> QueryResult {
    let mut selected: Vec<&LogEvent<'_>> = events.iter().collect();
    let mut fields: Vec<String> = Vec::new();
    let mut display: Option<Vec<String>> = None;
    let bytes_scanned = events.iter().map(|e| e.record.to_string().len()).sum();
    for command in &query.commands {
        match command {
            Command::Fields(f) => {
                for name in f {
                    if !fields.contains(name) {
                        fields.push(name.clone());
                    }
                }
            }
            Command::Display(f) => display = Some(f.clone()),
            Command::Filter(e) => selected.retain(|ev| matches(ev, e)),
            Command::Sort(keys) => selected.sort_by(|a, b| {
                keys.iter()
                    .map(|k| {
                        let o = sort_order(a.get(&k.field), b.get(&k.field));
                        if k.descending { o.reverse() } else { o }
                    })
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            }),
            Command::Limit(n) => selected.truncate(*n),
        }
    }
    let records_matched = selected.len();
    selected.truncate(cap);
    let shown: Vec<String> = match (display, fields.is_empty()) {
        (Some(d), _) => d,
        (None, false) => fields,
        (None, true) => DEFAULT_FIELDS.iter().map(|s| (*s).to_owned()).collect(),
    };
    let rows = selected
        .iter()
        .map(|ev| {
            let mut row: Vec<(String, String)> = shown
                .iter()
                .filter_map(|f| ev.shown(f).map(|v| (f.clone(), v)))
                .collect();
            row.push(("@ptr".to_owned(), ev.ptr.clone()));
            row
        })
        .collect();
    QueryResult {
        rows,
        records_scanned: events.len(),
        records_matched,
        bytes_scanned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn events(records: &[Value]) -> Vec<LogEvent<'_>> {
        records
            .iter()
            .enumerate()
            .map(|(i, r)| LogEvent {
                timestamp: DateTime::from_timestamp(1_800_000_000 + i as i64, 0).unwrap(),
                record: r,
                log_stream: "s".into(),
                log_group: "g",
                ptr: format!("p{i}"),
            })
            .collect()
    }

    fn names(result: &QueryResult, field: &str) -> Vec<String> {
        result
            .rows
            .iter()
            .filter_map(|r| r.iter().find(|(f, _)| f == field).map(|(_, v)| v.clone()))
            .collect()
    }

    #[test]
    fn filter_sort_limit_and_fields() {
        let records = vec![
            json!({"eventName": "ListBuckets", "userIdentity": {"arn": "arn:a/alice"}, "eventTime": "2027-01-15T08:00:00Z"}),
            json!({"eventName": "DescribeInstances", "userIdentity": {"arn": "arn:a/bob"}, "eventTime": "2027-01-15T08:00:01Z"}),
            json!({"eventName": "ListTables", "userIdentity": {"arn": "arn:a/alice"}, "eventTime": "2027-01-15T08:00:02Z", "errorCode": "AccessDenied"}),
        ];
        let evs = events(&records);
        let q = Query::parse(
            "fields @timestamp, eventName | filter userIdentity.arn = \"arn:a/alice\" and eventTime >= '2027-01-15T08:00:00Z' | sort @timestamp desc | limit 10",
        )
        .unwrap();
        let r = run(&q, &evs, 1000);
        assert_eq!(names(&r, "eventName"), ["ListTables", "ListBuckets"]);
        assert_eq!(r.records_matched, 2);
        assert_eq!(r.records_scanned, 3);
        assert_eq!(
            r.rows[0][0],
            ("@timestamp".into(), "2027-01-15 08:00:02.000".into())
        );
        assert_eq!(r.rows[0].last().unwrap().0, "@ptr");

        let q = Query::parse("filter userIdentity.arn like /alice$/ and not ispresent(errorCode)")
            .unwrap();
        let r = run(&q, &evs, 1000);
        assert_eq!(r.rows.len(), 1);
        assert!(names(&r, "@message")[0].contains("ListBuckets"));

        let q = Query::parse("fields eventName | filter eventName in [\"ListTables\", 'DescribeInstances'] | sort eventName asc | limit 1").unwrap();
        assert_eq!(
            names(&run(&q, &evs, 1000), "eventName"),
            ["DescribeInstances"]
        );

        let q = Query::parse("fields eventName | filter (eventName = 'ListTables' or eventName = 'ListBuckets') and userIdentity.arn not like 'bob'").unwrap();
        assert_eq!(run(&q, &evs, 1).rows.len(), 1);
    }

    #[test]
    fn malformed_queries_say_where() {
        for (q, expect) in [
            ("", "empty"),
            ("stats count(*) by eventName", "'stats' is not supported"),
            ("filter eventName ~ 'x'", "unexpected '~'"),
            ("filter eventName = ", "the end of the query"),
            ("fields a | limit 0", "limit takes"),
            ("filter a like /(/", "not a valid regular expression"),
            ("fields a b", "expected '|'"),
            ("filter a = 'x", "unterminated"),
        ] {
            let err = Query::parse(q).unwrap_err();
            assert!(err.contains(expect), "{q:?}: {err}");
        }
    }
}
