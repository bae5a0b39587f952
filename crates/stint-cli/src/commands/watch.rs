//! `stint watch`: follows the broker's event stream, one line per change.

use std::process::ExitCode;

use anyhow::Result;
use futures::StreamExt;
use stint_api::EventKind;
use stint_client::Stint;
use stint_client::broker::EventStreamItem;

use crate::output;

pub async fn watch(stint: &Stint, as_json: bool) -> Result<ExitCode> {
    let mut events = Box::pin(stint.broker()?.events(None));
    while let Some(item) = events.next().await {
        match item? {
            EventStreamItem::Connected => eprintln!("Watching for changes (Ctrl-C to stop)."),
            EventStreamItem::Reconnecting { after, reason } => {
                eprintln!(
                    "Lost the event stream ({reason}); reconnecting in {}s.",
                    after.as_secs()
                );
            }
            EventStreamItem::Event(event) if as_json => {
                println!("{}", serde_json::to_string(&event)?);
            }
            EventStreamItem::Event(event) => {
                let r = &event.request;
                let whose = match event.kind {
                    EventKind::RequestChanged => "your request".to_owned(),
                    EventKind::ApprovalChanged => format!("{}'s request", r.requester.user_name),
                    EventKind::UsedAfterWindow => format!(
                        "ALERT: credentials of {}'s request used after it ended (stint activity {}):",
                        r.requester.user_name, r.id
                    ),
                };
                let line = format!("{whose} {} for {} is {}", r.id, r.target_label(), r.state);
                println!(
                    "{}  {}",
                    output::local(r.updated_at),
                    output::printable(&line)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
