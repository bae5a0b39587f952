//! `stint request prod/ReadOnlyAccess --account staging,dev` and `stint request
//! Workloads/ReadOnlyAccess --ou`: one permission set in several accounts, asked for in one
//! request and approved once (a request set). Approve, reject, cancel, extend or revoke any
//! member's id to decide every member; `stint ls` shows a set as one line.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use futures::StreamExt;
use stint_api::{AccessRequest, CreateRequestSet, RequestSet, RequestState};
use stint_client::broker::EventStreamItem;
use stint_client::{RequestTarget, Stint};

use super::requests::{parse_start, secs};
use crate::cli::RequestArgs;
use crate::output;

pub async fn request(stint: &Stint, args: RequestArgs) -> Result<ExitCode> {
    let RequestTarget::Assignment(target) = &args.target else {
        return Err(stint_client::Error::InvalidInput(
            "--account and --ou name accounts for a permission set: write ACCOUNT/PERMISSION_SET, \
             not a group"
                .into(),
        )
        .into());
    };
    let broker = stint.broker()?;
    let (accounts, ou) = if args.ou {
        (Vec::new(), Some(target.account.clone()))
    } else {
        let mut accounts = vec![target.account.clone()];
        accounts.extend(
            args.accounts
                .iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
        );
        (accounts, None)
    };
    let body = CreateRequestSet {
        accounts,
        ou,
        permission_set: target.permission_set.clone(),
        duration_secs: secs(args.duration)?,
        start_at: args.start.as_deref().map(parse_start).transpose()?,
        reason: args.reason,
        ticket: args.ticket,
    };
    let created = broker.create_request_set(&body).await?;
    if !args.wait {
        report(&created, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "Request set {} is {}; waiting for it to become active...",
        created.id, created.state
    );
    let last = wait_until_settled(stint, created).await?;
    report(&last, args.json)?;
    Ok(match last.state {
        RequestState::Active => ExitCode::SUCCESS,
        _ => ExitCode::from(stint_client::exit_code(stint_client::ErrorKind::NotActive)),
    })
}

/// Forgets cached credentials of every member of a set (all were revoked together).
pub async fn forget_credentials(stint: &Stint, set: i64) -> Result<()> {
    for m in stint.broker()?.request_set(set).await?.members {
        stint
            .forget_credentials(&stint_client::ResolvedTarget {
                account_id: m.account.id.clone(),
                account_name: m.account.name.clone(),
                permission_set: m.permission_set.name.clone(),
            })
            .await?;
    }
    Ok(())
}

/// Follows the event stream until every member that did not fail is active, or the set is
/// final; the set is read again on connecting and on every event about one of its members.
async fn wait_until_settled(stint: &Stint, mut current: RequestSet) -> Result<RequestSet> {
    let broker = stint.broker()?;
    let settled = |s: &RequestSet| s.state == RequestState::Active || s.state.is_final();
    if settled(&current) {
        return Ok(current);
    }
    let mut events = Box::pin(broker.events(None));
    while let Some(item) = events.next().await {
        match item? {
            EventStreamItem::Connected => current = broker.request_set(current.id).await?,
            EventStreamItem::Event(event) if event.request.set_id == Some(current.id) => {
                let before = current.state;
                current = broker.request_set(current.id).await?;
                if current.state != before {
                    eprintln!("Request set {} is {}.", current.id, current.state);
                }
            }
            EventStreamItem::Event(_) => {}
            EventStreamItem::Reconnecting { after, reason } => {
                eprintln!(
                    "Lost the event stream ({reason}); reconnecting in {}s.",
                    after.as_secs()
                );
            }
        }
        if settled(&current) {
            return Ok(current);
        }
    }
    Ok(current)
}

fn report(set: &RequestSet, as_json: bool) -> Result<()> {
    if as_json {
        return output::json(set);
    }
    let Some(first) = set.members.first() else {
        println!("Request set {} has no members.", set.id);
        return Ok(());
    };
    let accounts = output::printable(&set.account_names().join(", "));
    let what = format!(
        "Request set {} for {} in {accounts}",
        set.id,
        output::printable(&first.permission_set.name)
    );
    let line = match set.state {
        RequestState::Pending => format!(
            "{what} is pending approval{}; one approval decides all {}.",
            first
                .approval_deadline
                .map(|d| format!(" (until {})", output::local(d)))
                .unwrap_or_default(),
            set.members.len()
        ),
        RequestState::Approved => format!(
            "{what} is approved; it opens at {}.",
            output::local(first.start_at)
        ),
        RequestState::Active => format!(
            "{what} is active until {} ({} left).",
            output::local(first.end_at),
            output::span(first.end_at - Utc::now())
        ),
        state => format!("{what} is {state}."),
    };
    println!("{line}");
    for failed in &set.failed {
        println!(
            "  {} failed: {}",
            output::printable(&failed.account.name),
            output::printable(failed.detail.as_deref().unwrap_or("no reason given"))
        );
    }
    println!(
        "Members: {} (approve, reject, cancel, extend or revoke any of them to decide all).",
        set.members
            .iter()
            .map(|m| m.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// Requests as `stint ls` lists them: each set's members folded into the place of its
/// first member, the rest as they are.
pub enum Listed<'a> {
    One(&'a AccessRequest),
    Set(RequestSet),
}

pub fn fold_sets(requests: &[AccessRequest]) -> Vec<Listed<'_>> {
    let mut sets: BTreeMap<i64, Vec<AccessRequest>> = BTreeMap::new();
    for r in requests {
        if let Some(set) = r.set_id {
            sets.entry(set).or_default().push(r.clone());
        }
    }
    let mut out = Vec::new();
    for r in requests {
        match r.set_id {
            None => out.push(Listed::One(r)),
            Some(set) => {
                if let Some(members) = sets.remove(&set) {
                    out.push(Listed::Set(RequestSet::from_members(set, members)));
                }
            }
        }
    }
    out
}

/// A set's TARGET column: `dev,prod,staging/ReadOnlyAccess`.
pub fn set_target(set: &RequestSet) -> String {
    let name = set
        .members
        .first()
        .map(|m| m.permission_set.name.as_str())
        .unwrap_or_default();
    format!("{}/{name}", set.account_names().join(","))
}

/// A set's STATE column: the derived state, and the accounts that failed.
pub fn set_state(set: &RequestSet) -> String {
    if set.failed.is_empty() || set.state == RequestState::Failed {
        return set.state.to_string();
    }
    let failed: Vec<&str> = set.failed.iter().map(|f| f.account.name.as_str()).collect();
    format!("{} ({} failed)", set.state, failed.join(","))
}
