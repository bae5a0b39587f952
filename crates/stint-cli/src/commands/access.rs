//! `stint ls`: what you can access or request, your requests, your active grants, and
//! what waits for your approval. A running agent answers from the picture it keeps
//! current through the event stream; without one the client core reads it.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{Duration, Utc};
use serde_json::json;
use stint_api::{AccessRequest, Grant};
use stint_client::{Overview, Stint};

use super::request_sets::{Listed, fold_sets, set_state, set_target};
use crate::output;

/// Finished requests shown after the open ones.
const RECENT_FINISHED: usize = 10;

/// The status of something requestable: whether a request needs an approver, and, when
/// policy waives approval for shorter windows, up to how long it does not (a self-service
/// 4 h that needs approval beyond is neither "needs approval" nor "no approval").
fn requestable(approval_required: bool, max_without_approval_secs: Option<u32>) -> String {
    match (approval_required, max_without_approval_secs) {
        (false, _) => "requestable, no approval".to_owned(),
        (true, Some(free)) if free > 0 => format!(
            "requestable, no approval up to {}",
            output::span(Duration::seconds(i64::from(free)))
        ),
        (true, _) => "requestable, needs approval".to_owned(),
    }
}

pub async fn ls(stint: &Stint, as_json: bool) -> Result<ExitCode> {
    let Overview {
        access,
        requests: mine,
        grants,
        approvable,
        groups,
    } = super::agent::overview(stint).await?;
    let mine = shown_requests(mine);

    if as_json {
        output::json(&json!({
            "access": access,
            "requests": mine,
            "grants": grants,
            "approvable": approvable,
            "groups": groups,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }

    let now = Utc::now();
    println!("ACCESS");
    let rows: Vec<Vec<String>> = access
        .iter()
        .map(|a| {
            // Held now: through one of the person's grants, or standing (the portal lists
            // both; the broker's grants tell them apart).
            let grant = grants
                .iter()
                .find(|g| g.gives_role(&a.account_id, &a.permission_set));
            let status = match (a.assigned, a.eligible, a.approval_required) {
                (true, _, _) if !stint.has_broker() => "assigned now".to_owned(),
                (true, _, _) => match grant {
                    Some(g) if g.group.is_some() => format!(
                        "assigned now, grant {} ({}) until {}",
                        g.request_id,
                        g.target_label(),
                        output::local(g.end_at)
                    ),
                    Some(g) => format!(
                        "assigned now, grant {} until {}",
                        g.request_id,
                        output::local(g.end_at)
                    ),
                    None => "assigned now, standing".to_owned(),
                },
                (false, true, Some(true)) => requestable(true, a.max_without_approval_secs),
                (false, true, _) => requestable(false, None),
                (false, false, _) => String::new(),
            };
            let max = a
                .max_duration_secs
                .map(|s| output::span(Duration::seconds(i64::from(s))))
                .unwrap_or_default();
            vec![
                a.account_name.clone(),
                a.account_id.clone(),
                a.permission_set.clone(),
                max,
                status,
            ]
        })
        .collect();
    print!(
        "{}",
        output::table(&["ACCOUNT", "ID", "PERMISSION SET", "MAX", "STATUS"], &rows)
    );

    if !stint.has_broker() {
        return Ok(ExitCode::SUCCESS);
    }
    if !groups.is_empty() {
        println!("\nGROUPS (membership for a time)");
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                let gives: Vec<String> = g
                    .gives
                    .iter()
                    .map(|a| format!("{}/{}", a.account.name, a.permission_set))
                    .collect();
                vec![
                    g.name.clone(),
                    gives.join(", "),
                    output::span(Duration::seconds(i64::from(g.max_duration_secs))),
                    requestable(g.approval_required, g.max_without_approval_secs),
                ]
            })
            .collect();
        print!(
            "{}",
            output::table(&["GROUP", "GIVES", "MAX", "STATUS"], &rows)
        );
    }
    println!("\nACTIVE GRANTS");
    if grants.is_empty() {
        println!("none");
    } else {
        let rows: Vec<Vec<String>> = grants
            .iter()
            .map(|g| {
                vec![
                    g.request_id.to_string(),
                    grant_target(g),
                    output::local(g.end_at),
                    format!("{} left", output::span(g.end_at - now)),
                ]
            })
            .collect();
        print!(
            "{}",
            output::table(&["ID", "TARGET", "ENDS", "LEFT"], &rows)
        );
    }

    println!("\nMY REQUESTS");
    if mine.is_empty() {
        println!("none");
    } else {
        // A request set (several accounts approved once) is one line: `set 40`.
        let rows: Vec<Vec<String>> = fold_sets(&mine)
            .iter()
            .map(|listed| match listed {
                Listed::One(r) => request_row(r),
                Listed::Set(set) => {
                    let mut row = set.members.first().map(request_row).unwrap_or_default();
                    if row.len() == 5 {
                        row[0] = format!("set {}", set.id);
                        row[1] = set_target(set);
                        row[2] = set_state(set);
                    }
                    row
                }
            })
            .collect();
        print!(
            "{}",
            output::table(&["ID", "TARGET", "STATE", "WINDOW", "REASON"], &rows)
        );
    }

    if !approvable.is_empty() {
        println!("\nWAITING FOR YOUR APPROVAL");
        // A set waits as one line; deciding its first member's id decides all of them.
        let rows: Vec<Vec<String>> = fold_sets(&approvable)
            .iter()
            .filter_map(|listed| {
                let (r, target) = match listed {
                    Listed::One(r) => (*r, r.target_label()),
                    Listed::Set(set) => (set.members.first()?, set_target(set)),
                };
                Some(vec![
                    r.id.to_string(),
                    r.requester.user_name.clone(),
                    target,
                    asked_for(r),
                    r.reason.clone(),
                ])
            })
            .collect();
        print!(
            "{}",
            output::table(&["ID", "REQUESTER", "TARGET", "FOR", "REASON"], &rows)
        );
        println!("`stint approve ID` or `stint reject ID --comment TEXT`");
    }
    Ok(ExitCode::SUCCESS)
}

/// What an approver is asked for: the window's length, or for an extension of a grant
/// already approved, the extra time and the new end (`+30m, to 15:42`).
fn asked_for(r: &AccessRequest) -> String {
    match r.pending_end_at {
        Some(asked) if r.state != stint_api::RequestState::Pending => format!(
            "+{}, to {}",
            output::span(asked - r.end_at),
            output::local(asked)
        ),
        _ => output::span(Duration::seconds(i64::from(r.duration_secs))),
    }
}

/// A grant's target, with the roles a group grant gives: `group:oncall-admins (gives
/// prod/AdministratorAccess, staging/AdministratorAccess)`.
fn grant_target(g: &Grant) -> String {
    match &g.group {
        Some(group) if !group.gives.is_empty() => {
            let gives: Vec<String> = group
                .gives
                .iter()
                .map(|a| format!("{}/{}", a.account.name, a.permission_set))
                .collect();
            format!("{} (gives {})", g.target_label(), gives.join(", "))
        }
        _ => g.target_label(),
    }
}

/// Open requests, then the most recent finished ones.
fn shown_requests(mut requests: Vec<AccessRequest>) -> Vec<AccessRequest> {
    requests.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    let (open, finished): (Vec<_>, Vec<_>) =
        requests.into_iter().partition(|r| !r.state.is_final());
    open.into_iter()
        .chain(finished.into_iter().take(RECENT_FINISHED))
        .collect()
}

pub fn request_row(r: &AccessRequest) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.target_label(),
        r.state.to_string(),
        format!(
            "{} to {}",
            output::local(r.start_at),
            output::local(r.end_at)
        ),
        r.reason.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::requestable;

    #[test]
    fn approval_status_says_how_long_is_self_service() {
        assert_eq!(requestable(false, None), "requestable, no approval");
        assert_eq!(requestable(true, None), "requestable, needs approval");
        assert_eq!(
            requestable(true, Some(4 * 3600)),
            "requestable, no approval up to 4h 00m"
        );
        // A waiver of nothing is no waiver.
        assert_eq!(requestable(true, Some(0)), "requestable, needs approval");
    }
}
