//! `stint activity ID`: what was done with a grant, from the organization trail, oldest
//! first, with calls after the window's end marked.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use stint_api::{ActivityEvent, ActivityPage};
use stint_client::Stint;

use crate::cli::ActivityArgs;
use crate::output;

pub async fn activity(stint: &Stint, args: ActivityArgs) -> Result<ExitCode> {
    let page = stint.broker()?.all_activity(args.id).await?;
    if args.json {
        output::json(&page)?;
    } else {
        print!("{}", render(args.id, &page));
    }
    Ok(ExitCode::SUCCESS)
}

fn seconds(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn row(e: &ActivityEvent) -> Vec<String> {
    vec![
        seconds(e.event_time),
        e.event_source.trim_end_matches(".amazonaws.com").to_owned(),
        e.event_name.clone(),
        e.aws_region.clone(),
        e.source_ip_address.clone().unwrap_or_default(),
        e.error_code.clone().unwrap_or_else(|| "ok".to_owned()),
        if e.after_window { "AFTER WINDOW" } else { "" }.to_owned(),
    ]
}

/// The listing as text.
pub fn render(id: i64, page: &ActivityPage) -> String {
    let mut out = format!(
        "Activity of request {id}, role session {}\n",
        output::printable(&page.role_session)
    );
    let (Some(start), Some(end)) = (page.window_start, page.window_end) else {
        out.push_str("This request never gave access, so it has no activity.\n");
        return out;
    };
    out.push_str(&format!(
        "Window {} to {}; credentials issued in it can be used until {}.\n",
        output::local(start),
        output::local(end),
        page.watched_until.map_or_else(String::new, output::local),
    ));
    if page.items.is_empty() {
        out.push_str("No events in the trail yet.\n");
    } else {
        let rows: Vec<Vec<String>> = page.items.iter().map(row).collect();
        out.push_str(&output::table(
            &[
                "TIME",
                "SERVICE",
                "EVENT",
                "REGION",
                "SOURCE IP",
                "RESULT",
                "",
            ],
            &rows,
        ));
        out.push('\n');
    }
    if page.after_window_count > 0 {
        out.push_str(&format!(
            "{} event{} after the window ended: the grant's credentials were still valid.\n",
            page.after_window_count,
            if page.after_window_count == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    out.push_str(&format!(
        "As of {}. CloudTrail delivers events up to {} late, so the most recent may be missing.\n",
        seconds(page.as_of),
        output::span(chrono::Duration::seconds(i64::from(page.delivery_lag_secs))),
    ));
    if page.next_cursor.is_some() {
        out.push_str(
            "More events than shown: ask the API (GET /v1/requests/ID/activity) with the cursor.\n",
        );
    }
    out
}
