//! `stint request prod/ReadOnlyAccess --account staging,dev` and `stint request
//! Workloads/ReadOnlyAccess --ou`: one permission set in several accounts, asked for in one
//! request and approved once (a request set). Approve, reject, cancel, extend or revoke any
//! member's id to decide every member; `stint ls` shows a set as one line.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use futures::StreamExt;
use stint_api::{AccessRequest, CreateRequestSet, RequestSet, RequestState};
use stint_client::broker::EventStreamItem;
use stint_client::{RequestTarget, Stint};

use super::created::{Created, Times, standing};
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
    super::created::answer(stint, created, args.wait, args.json).await
}

impl Created for RequestSet {
    fn name(&self) -> String {
        format!("Request set {}", self.id)
    }

    fn state(&self) -> RequestState {
        self.state
    }

    async fn settled(self, stint: &Stint) -> Result<Self> {
        wait_until_settled(stint, self).await
    }

    fn report(&self, as_json: bool) -> Result<()> {
        report(self, as_json)
    }
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
    // The set's times are those of a member that did not fail: a failed member is not
    // extended with the others.
    let lead = set
        .members
        .iter()
        .find(|m| m.state != RequestState::Failed)
        .unwrap_or(first);
    let standing = standing(
        &what,
        set.state,
        &Times {
            approval_deadline: lead.approval_deadline,
            start_at: lead.start_at,
            end_at: lead.end_at,
        },
    );
    let line = match set.state {
        RequestState::Pending => format!(
            "{standing}; one approval decides all {}.",
            set.members.len()
        ),
        _ => format!("{standing}."),
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

/// What `stint extend` says of a set member: extending it extended the whole set, and
/// the members that failed were passed over.
pub async fn report_extended(stint: &Stint, set: i64) -> Result<()> {
    let set = stint.broker()?.request_set(set).await?;
    report(&set, false)?;
    if let Some(line) = passed_over(&set) {
        println!("{line}");
    }
    Ok(())
}

/// `prod failed and was not extended.`, or nothing when no member failed.
fn passed_over(set: &RequestSet) -> Option<String> {
    let names: Vec<&str> = set.failed.iter().map(|f| f.account.name.as_str()).collect();
    let verb = match names.len() {
        0 => return None,
        1 => "was",
        _ => "were",
    };
    Some(format!(
        "{} failed and {verb} not extended.",
        output::printable(&names.join(", "))
    ))
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

#[cfg(test)]
mod tests {
    use stint_api::{AccountRef, FailedTarget};

    use super::*;

    fn failed_in(names: &[&str]) -> RequestSet {
        RequestSet {
            id: 1,
            state: RequestState::Active,
            failed: names
                .iter()
                .enumerate()
                .map(|(i, name)| FailedTarget {
                    request_id: i as i64 + 2,
                    account: AccountRef {
                        id: format!("id-{name}"),
                        name: (*name).to_owned(),
                    },
                    detail: Some("refused".into()),
                })
                .collect(),
            members: Vec::new(),
        }
    }

    #[test]
    fn an_extension_names_the_members_it_passed_over() {
        assert_eq!(passed_over(&failed_in(&[])), None);
        assert_eq!(
            passed_over(&failed_in(&["prod"])).as_deref(),
            Some("prod failed and was not extended.")
        );
        assert_eq!(
            passed_over(&failed_in(&["prod", "staging"])).as_deref(),
            Some("prod, staging failed and were not extended.")
        );
    }
}
