//! The production [`ActivitySource`]: CloudWatch Logs Insights over the log group the
//! organization trail delivers to. One reading is `StartQuery`, then `GetQueryResults`
//! until the query completes, all within `query_timeout`; a query still running at the
//! deadline is stopped (`StopQuery`) so it does not run on, billed, for nobody.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::http::HttpResponse;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::types::{QueryStatus, ResultField};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{ActivityError, ActivitySource, RoleSession, TrailBatch, TrailEvent, TrailQuery};

/// One call the adapter made, for whoever watches (tests hold `docs/iam-policy.json` to
/// these).
#[derive(Debug, Clone, Copy)]
pub struct LogsCall {
    /// `StartQuery`, `GetQueryResults` or `StopQuery`.
    pub operation: &'static str,
    pub ok: bool,
}

type Observer = Arc<dyn Fn(LogsCall) + Send + Sync>;

/// Insights returns at most this many rows per query.
const MAX_ROWS: u32 = 10_000;
/// Rows of the cursor's own second a page may have to skip again; past this a page
/// can come back short, never wrong (the next cursor moves on).
const OVERLAP: u32 = 200;
/// Waits between polls: quick at first (small queries finish in about a second), then
/// steady.
const POLLS: [Duration; 4] = [
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
    Duration::from_millis(1000),
];

#[derive(Clone)]
pub struct LogsInsightsActivity {
    client: Client,
    log_group: String,
    query_timeout: Duration,
    delivery_lag: Duration,
    observer: Option<Observer>,
}

impl std::fmt::Debug for LogsInsightsActivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogsInsightsActivity")
            .field("log_group", &self.log_group)
            .field("query_timeout", &self.query_timeout)
            .finish_non_exhaustive()
    }
}

impl LogsInsightsActivity {
    /// A client for `sdk`'s region and endpoints (`AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`
    /// points it elsewhere), one attempt per call, each call bounded by the whole reading's
    /// deadline.
    pub fn new(
        sdk: &SdkConfig,
        log_group: impl Into<String>,
        query_timeout: Duration,
        delivery_lag: Duration,
    ) -> Self {
        let config = aws_sdk_cloudwatchlogs::config::Builder::from(sdk)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(query_timeout.min(Duration::from_secs(5)))
                    .operation_timeout(query_timeout)
                    .build(),
            )
            .build();
        Self {
            client: Client::from_conf(config),
            log_group: log_group.into(),
            query_timeout,
            delivery_lag,
            observer: None,
        }
    }

    pub fn with_observer(mut self, observer: impl Fn(LogsCall) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    fn saw(&self, operation: &'static str, ok: bool) {
        if let Some(observer) = &self.observer {
            observer(LogsCall { operation, ok });
        }
    }

    async fn start(&self, query: &TrailQuery, rows: u32) -> Result<String, ActivityError> {
        let from = query
            .after
            .as_ref()
            .map_or(query.from, |c| c.event_time.max(query.from));
        let out = self
            .client
            .start_query()
            .log_group_name(&self.log_group)
            .start_time(from.timestamp())
            .end_time(query.to.timestamp())
            .query_string(query_text(&query.session, rows))
            .limit(rows as i32)
            .send()
            .await;
        self.saw("StartQuery", out.is_ok());
        let out = out.map_err(|e| self.map_error("StartQuery", e))?;
        out.query_id
            .ok_or_else(|| ActivityError::Unavailable("StartQuery returned no query id".into()))
    }

    /// Polls until the query ends; rows in the order the query sorted them.
    async fn results(&self, id: &str) -> Result<Vec<Vec<ResultField>>, ActivityError> {
        let mut polls = POLLS.iter().copied().chain(std::iter::repeat(POLLS[3]));
        loop {
            if let Some(wait) = polls.next() {
                tokio::time::sleep(wait).await;
            }
            let out = self.client.get_query_results().query_id(id).send().await;
            self.saw("GetQueryResults", out.is_ok());
            let out = out.map_err(|e| self.map_error("GetQueryResults", e))?;
            match out.status {
                Some(QueryStatus::Complete) => return Ok(out.results.unwrap_or_default()),
                Some(QueryStatus::Scheduled | QueryStatus::Running) => {}
                other => {
                    return Err(ActivityError::Unavailable(format!(
                        "the Logs Insights query ended {}",
                        other.map_or_else(
                            || "without a status".to_owned(),
                            |s| s.as_str().to_owned()
                        )
                    )));
                }
            }
        }
    }

    /// Best effort, bounded: the reading has already failed, and this only saves cost.
    async fn stop(&self, id: &str) {
        let out = tokio::time::timeout(
            Duration::from_secs(5),
            self.client.stop_query().query_id(id).send(),
        )
        .await;
        let ok = matches!(out, Ok(Ok(_)));
        self.saw("StopQuery", ok);
        if !ok {
            tracing::warn!(
                query_id = id,
                "could not stop a Logs Insights query past its deadline"
            );
        }
    }

    fn map_error<E>(&self, operation: &str, err: SdkError<E, HttpResponse>) -> ActivityError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        if let SdkError::ServiceError(service) = &err {
            let code = service.err().code().unwrap_or_default();
            let message = service.err().message().unwrap_or_default().to_owned();
            match code {
                "AccessDeniedException" | "UnrecognizedClientException" => {
                    return ActivityError::AccessDenied(format!("{operation}: {message}"));
                }
                "ResourceNotFoundException" if operation == "StartQuery" => {
                    return ActivityError::LogGroupNotFound(format!(
                        "{}: {message}",
                        self.log_group
                    ));
                }
                _ => {}
            }
        }
        if let SdkError::TimeoutError(_) = &err {
            return ActivityError::TimedOut(self.query_timeout);
        }
        ActivityError::Unavailable(format!("{operation}: {}", DisplayErrorContext(&err)))
    }
}

#[async_trait]
impl ActivitySource for LogsInsightsActivity {
    async fn events(&self, query: &TrailQuery) -> Result<TrailBatch, ActivityError> {
        let rows = query.limit.saturating_add(OVERLAP).clamp(1, MAX_ROWS);
        let deadline = tokio::time::Instant::now() + self.query_timeout;
        let id = match tokio::time::timeout_at(deadline, self.start(query, rows)).await {
            Ok(id) => id?,
            Err(_) => return Err(ActivityError::TimedOut(self.query_timeout)),
        };
        let found = match tokio::time::timeout_at(deadline, self.results(&id)).await {
            Ok(found) => found?,
            Err(_) => {
                self.stop(&id).await;
                return Err(ActivityError::TimedOut(self.query_timeout));
            }
        };
        let returned = found.len() as u32;
        let mut events: Vec<TrailEvent> = found.iter().filter_map(|row| parse_row(row)).collect();
        events.sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
        if let Some(cursor) = &query.after {
            events.retain(|e| cursor.is_before(e));
        }
        let mut more = returned >= rows;
        if events.len() > query.limit as usize {
            events.truncate(query.limit as usize);
            more = true;
        }
        Ok(TrailBatch { events, more })
    }

    fn delivery_lag(&self) -> Duration {
        self.delivery_lag
    }
}

/// The Insights query for one role session: the account and the session ARN by regular
/// expression (the permission set's suffix is Identity Center's), oldest first. Sorted on
/// one field only, as Insights documents `sort`; the order within a second (CloudTrail's
/// precision) is made here, by event id, after the rows arrive.
pub fn query_text(session: &RoleSession, rows: u32) -> String {
    format!(
        "fields @timestamp, @message \
         | filter userIdentity.accountId = \"{account}\" \
         and userIdentity.arn like /^arn:aws[a-z-]*:sts::{account}:assumed-role\\/AWSReservedSSO_{ps}_[0-9a-fA-F]+\\/{user}$/ \
         | sort @timestamp asc \
         | limit {rows}",
        account = regex_literal(&session.account_id),
        ps = regex_literal(&session.permission_set),
        user = regex_literal(&session.user_name),
    )
}

/// Escapes text for a `/regex/` literal: regex metacharacters, the delimiter, quotes.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$/\"'#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One result row: the record is `@message`. Rows that are not CloudTrail records are
/// skipped (another writer to the log group), not errors.
fn parse_row(row: &[ResultField]) -> Option<TrailEvent> {
    let message = row
        .iter()
        .find(|f| f.field() == Some("@message"))
        .and_then(ResultField::value)?;
    parse_record(&serde_json::from_str(message).ok()?)
}

pub fn parse_record(record: &Value) -> Option<TrailEvent> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let time = |v: &Value| {
        v.as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let identity = record.get("userIdentity")?;
    Some(TrailEvent {
        event_id: text(record.get("eventID")?)?,
        event_time: time(record.get("eventTime")?)?,
        event_source: text(record.get("eventSource")?)?,
        event_name: text(record.get("eventName")?)?,
        event_type: record.get("eventType").and_then(text).unwrap_or_default(),
        aws_region: record.get("awsRegion").and_then(text).unwrap_or_default(),
        source_ip_address: record.get("sourceIPAddress").and_then(text),
        user_agent: record.get("userAgent").and_then(text),
        read_only: record.get("readOnly").and_then(Value::as_bool),
        error_code: record.get("errorCode").and_then(text),
        arn: identity.get("arn").and_then(text)?,
        account_id: identity.get("accountId").and_then(text)?,
        identity_type: identity.get("type").and_then(text).unwrap_or_default(),
        session_issued_at: identity
            .pointer("/sessionContext/attributes/creationDate")
            .and_then(time),
        request_parameters: record
            .get("requestParameters")
            .filter(|v| !v.is_null())
            .map(Value::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_the_session_exactly_with_names_escaped() {
        let q = query_text(
            &RoleSession {
                account_id: "111111111111".into(),
                permission_set: "Admin.Full+".into(),
                user_name: "a/b@x.com".into(),
            },
            300,
        );
        assert!(
            q.contains("AWSReservedSSO_Admin\\.Full\\+_[0-9a-fA-F]+\\/a\\/b@x\\.com$/"),
            "{q}"
        );
        assert!(
            q.contains("userIdentity.accountId = \"111111111111\""),
            "{q}"
        );
        assert!(q.ends_with("| sort @timestamp asc | limit 300"), "{q}");
    }

    #[test]
    fn records_are_read_by_cloudtrail_field_names() {
        let record = serde_json::json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_ab12/alice",
                "accountId": "111111111111",
                "sessionContext": {"attributes": {"creationDate": "2026-12-05T10:00:00Z"}}
            },
            "eventTime": "2026-12-05T10:05:00Z",
            "eventSource": "ec2.amazonaws.com",
            "eventName": "DescribeInstances",
            "eventType": "AwsApiCall",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "192.0.2.7",
            "requestParameters": {"maxResults": 5},
            "readOnly": true,
            "errorCode": "UnauthorizedOperation",
            "eventID": "e-1"
        });
        let e = parse_record(&record).expect("a record");
        assert_eq!(e.event_name, "DescribeInstances");
        assert_eq!(e.aws_region, "eu-west-1");
        assert_eq!(e.error_code.as_deref(), Some("UnauthorizedOperation"));
        assert_eq!(e.request_parameters.as_deref(), Some("{\"maxResults\":5}"));
        assert_eq!(
            e.session_issued_at.unwrap().to_rfc3339(),
            "2026-12-05T10:00:00+00:00"
        );
        let mut no_identity = record.clone();
        no_identity.as_object_mut().unwrap().remove("userIdentity");
        assert_eq!(parse_record(&no_identity), None);
    }
}
