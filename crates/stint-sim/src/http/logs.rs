//! CloudWatch Logs (`Logs_20140328`, JSON 1.1), the part an activity adapter uses over
//! the organization trail's log group: DescribeLogGroups, and Logs Insights' StartQuery,
//! GetQueryResults and StopQuery. The query language is the subset in `insights`.

use serde_json::{Value, json};

use super::error::AwsError;
use super::input::Input;
use crate::insights::{self, LogEvent, Query};
use crate::sim::Sim;

const INVALID: &str = "InvalidParameterException";
/// Insights' default number of rows, and the most StartQuery's `limit` allows.
const DEFAULT_LIMIT: u64 = 1000;
const MAX_LIMIT: u64 = 10_000;

pub(crate) fn handle(sim: &Sim, op: &str, body: &Value) -> Result<Value, AwsError> {
    let input = Input::new(body, INVALID);
    match op {
        "DescribeLogGroups" => describe_log_groups(sim, &input),
        "StartQuery" => start_query(sim, &input),
        "GetQueryResults" => get_query_results(sim, &input),
        "StopQuery" => stop_query(sim, &input),
        _ => Err(super::unknown_operation("Logs_20140328", op)),
    }
}

fn describe_log_groups(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let trail = sim.world.cloudtrail();
    let prefix = input.opt_str("logGroupNamePrefix")?.unwrap_or_default();
    let groups: Vec<Value> = [trail]
        .into_iter()
        .filter(|t| t.log_group.starts_with(prefix))
        .map(|t| {
            json!({
                "logGroupName": t.log_group,
                "arn": format!("{}:*", t.log_group_arn),
                "logGroupArn": t.log_group_arn,
                "creationTime": 1_704_067_200_000_i64,
                "storedBytes": 0,
                "logGroupClass": "STANDARD",
            })
        })
        .collect();
    Ok(json!({ "logGroups": groups }))
}

/// The one log group a query names, by name, ARN, or in a one-element list.
fn log_group_of(sim: &Sim, input: &Input<'_>) -> Result<(), AwsError> {
    let trail = sim.world.cloudtrail();
    let single = input.opt_str("logGroupName")?;
    let names = input.opt_array("logGroupNames")?;
    let identifiers = input.opt_array("logGroupIdentifiers")?;
    let given = usize::from(single.is_some())
        + usize::from(!names.is_empty())
        + usize::from(!identifiers.is_empty());
    if given != 1 {
        return Err(
            input.error("Give exactly one of logGroupName, logGroupNames or logGroupIdentifiers")
        );
    }
    let wanted: Vec<&str> = single
        .into_iter()
        .chain(names.iter().chain(identifiers).filter_map(Value::as_str))
        .collect();
    for name in wanted {
        let bare = name.trim_end_matches(":*");
        if bare != trail.log_group && bare != trail.log_group_arn {
            return Err(AwsError::bad_request(
                "ResourceNotFoundException",
                format!(
                    "Log group '{name}' does not exist (stint-sim's organization trail delivers to '{}')",
                    trail.log_group
                ),
            ));
        }
    }
    Ok(())
}

fn epoch_seconds(input: &Input<'_>, field: &str) -> Result<i64, AwsError> {
    let value = input
        .raw(field)
        .ok_or_else(|| input.error(format!("{field} is required (seconds since the epoch)")))?;
    value
        .as_i64()
        .filter(|v| *v >= 0)
        .ok_or_else(|| input.error(format!("{field} must be seconds since the epoch")))
}

fn start_query(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    log_group_of(sim, input)?;
    let start = epoch_seconds(input, "startTime")?;
    let end = epoch_seconds(input, "endTime")?;
    if end < start {
        return Err(input.error("endTime must not be earlier than startTime"));
    }
    let limit = match input.opt_u64("limit")? {
        None => DEFAULT_LIMIT,
        Some(n @ 1..=MAX_LIMIT) => n,
        Some(n) => {
            return Err(input.error(format!("limit must be between 1 and {MAX_LIMIT}, not {n}")));
        }
    };
    let text = input.str("queryString")?;
    let query = Query::parse(text)
        .map_err(|message| AwsError::bad_request("MalformedQueryException", message))?;
    let trail = sim.world.cloudtrail();
    let now = sim.now();
    let mut state = sim.state();
    // CloudTrail names each stream <account>_CloudTrail_<region>.
    let events: Vec<LogEvent<'_>> = state
        .trail
        .delivered(now)
        .enumerate()
        .filter(|(_, e)| (start..=end).contains(&e.event_time.timestamp()))
        .map(|(i, e)| LogEvent {
            timestamp: e.event_time,
            record: &e.record,
            log_stream: format!(
                "{}_CloudTrail_{}",
                e.record["recipientAccountId"].as_str().unwrap_or_default(),
                e.record["awsRegion"].as_str().unwrap_or_default()
            ),
            log_group: &trail.log_group,
            ptr: format!("{}/{i}", trail.log_group),
        })
        .collect();
    let result = insights::run(
        &query,
        &events,
        usize::try_from(limit).unwrap_or(usize::MAX),
    );
    drop(events);
    let id = state.queries.start(result);
    tracing::info!(query_id = %id, "logs insights query started");
    Ok(json!({ "queryId": id }))
}

fn get_query_results(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let id = input.str("queryId")?;
    let mut state = sim.state();
    let (status, query) = state.queries.poll(id).ok_or_else(|| unknown_query(id))?;
    let r = &query.result;
    let done = status == crate::state::queries::QueryStatus::Complete;
    let rows: Vec<Value> = if done {
        r.rows
            .iter()
            .map(|row| {
                Value::Array(
                    row.iter()
                        .map(|(f, v)| json!({ "field": f, "value": v }))
                        .collect(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let matched = if done { r.records_matched } else { 0 };
    Ok(json!({
        "status": status.as_str(),
        "results": rows,
        "statistics": {
            "recordsMatched": matched as f64,
            "recordsScanned": r.records_scanned as f64,
            "bytesScanned": r.bytes_scanned as f64,
        },
    }))
}

fn stop_query(sim: &Sim, input: &Input<'_>) -> Result<Value, AwsError> {
    let id = input.str("queryId")?;
    let stopped = sim
        .state()
        .queries
        .stop(id)
        .ok_or_else(|| unknown_query(id))?;
    Ok(json!({ "success": stopped }))
}

fn unknown_query(id: &str) -> AwsError {
    AwsError::bad_request(
        "ResourceNotFoundException",
        format!("Query {id} does not exist; StartQuery returns the id to use"),
    )
}
