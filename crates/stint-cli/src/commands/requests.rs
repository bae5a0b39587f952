//! `stint request`, `approve`, `reject`, `cancel`, `revoke`, `extend`.

use std::process::ExitCode;
use std::time::Duration as StdDuration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use stint_api::{AccessRequest, CreateRequest, Decision, ExtendRequest, RequestState};
use stint_client::broker::EventStreamItem;
use stint_client::{Error, RequestTarget, Stint};

use super::created::{Created, Times, standing};
use crate::cli::{DecisionArgs, ExtendArgs, RejectArgs, RequestArgs};
use crate::output;

pub async fn request(stint: &Stint, args: RequestArgs) -> Result<ExitCode> {
    if args.ou || !args.accounts.is_empty() {
        return super::request_sets::request(stint, args).await;
    }
    let broker = stint.broker()?;
    let (account, permission_set, group) = match &args.target {
        RequestTarget::Assignment(t) => (t.account.clone(), t.permission_set.clone(), None),
        RequestTarget::Group(name) => (String::new(), String::new(), Some(name.clone())),
    };
    let body = CreateRequest {
        account,
        permission_set,
        group,
        duration_secs: secs(args.duration)?,
        start_at: args.start.as_deref().map(parse_start).transpose()?,
        reason: args.reason,
        ticket: args.ticket,
    };
    let created = broker.create_request(&body).await?;
    super::created::answer(stint, created, args.wait, args.json).await
}

impl Created for AccessRequest {
    fn name(&self) -> String {
        format!("Request {}", self.id)
    }

    fn state(&self) -> RequestState {
        self.state
    }

    async fn settled(self, stint: &Stint) -> Result<Self> {
        wait_until_settled(stint, self).await
    }

    fn report(&self, as_json: bool) -> Result<()> {
        report(self, as_json).map(drop)
    }
}

/// Follows the event stream until the request is active or final. The request is read
/// once after connecting, so a change that happened before the stream opened is not missed.
async fn wait_until_settled(stint: &Stint, mut current: AccessRequest) -> Result<AccessRequest> {
    let broker = stint.broker()?;
    let settled = |r: &AccessRequest| r.state == RequestState::Active || r.state.is_final();
    if settled(&current) {
        return Ok(current);
    }
    let mut events = Box::pin(broker.events(None));
    while let Some(item) = events.next().await {
        match item? {
            EventStreamItem::Connected => {
                current = broker.request(current.id).await?;
            }
            EventStreamItem::Event(event) if event.request.id == current.id => {
                if event.request.state != current.state {
                    eprintln!("Request {} is {}.", current.id, event.request.state);
                }
                current = event.request;
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

pub async fn approve(stint: &Stint, args: DecisionArgs) -> Result<ExitCode> {
    let decided = stint
        .broker()?
        .approve(
            args.id,
            &Decision {
                comment: args.comment,
            },
        )
        .await?;
    report(&decided, args.json)
}

pub async fn reject(stint: &Stint, args: RejectArgs) -> Result<ExitCode> {
    let decided = stint
        .broker()?
        .reject(
            args.id,
            &Decision {
                comment: Some(args.comment),
            },
        )
        .await?;
    report(&decided, args.json)
}

pub async fn cancel(stint: &Stint, args: DecisionArgs) -> Result<ExitCode> {
    let decided = stint
        .broker()?
        .cancel(
            args.id,
            &Decision {
                comment: args.comment,
            },
        )
        .await?;
    report(&decided, args.json)
}

pub async fn revoke(stint: &Stint, args: DecisionArgs) -> Result<ExitCode> {
    let decided = stint
        .broker()?
        .revoke(
            args.id,
            &Decision {
                comment: args.comment,
            },
        )
        .await?;
    // Cached credentials of a revoked grant are not handed out again: its role, or each
    // role its group gives.
    let roles: Vec<stint_client::ResolvedTarget> = match &decided.group {
        None => vec![stint_client::ResolvedTarget {
            account_id: decided.account.id.clone(),
            account_name: decided.account.name.clone(),
            permission_set: decided.permission_set.name.clone(),
        }],
        Some(group) => group
            .gives
            .iter()
            .map(|a| stint_client::ResolvedTarget {
                account_id: a.account.id.clone(),
                account_name: a.account.name.clone(),
                permission_set: a.permission_set.clone(),
            })
            .collect(),
    };
    for role in &roles {
        stint.forget_credentials(role).await?;
    }
    if let Some(set) = decided.set_id {
        // Revoking a member of a set revoked every member.
        super::request_sets::forget_credentials(stint, set).await?;
    }
    report(&decided, args.json)
}

pub async fn extend(stint: &Stint, args: ExtendArgs) -> Result<ExitCode> {
    let body = ExtendRequest {
        by_secs: secs(args.by)?,
        reason: args.reason,
    };
    let extended = stint.broker()?.extend(args.id, &body).await?;
    match extended.set_id {
        // A set is extended whole: say where the set stands, and which members were
        // passed over because they failed. (`--json` keeps the one request.)
        Some(set) if !args.json => {
            super::request_sets::report_extended(stint, set).await?;
            Ok(ExitCode::SUCCESS)
        }
        _ => report(&extended, args.json),
    }
}

fn report(r: &AccessRequest, as_json: bool) -> Result<ExitCode> {
    if as_json {
        output::json(r)?;
        return Ok(ExitCode::SUCCESS);
    }
    let target = output::printable(&r.target_label());
    let what = format!("Request {} for {target}", r.id);
    let standing = standing(
        &what,
        r.state,
        &Times {
            approval_deadline: r.approval_deadline,
            start_at: r.start_at,
            end_at: r.end_at,
        },
    );
    let line = match r.state {
        // What to run next: a group's roles are its accounts' (`stint ls` lists them).
        RequestState::Active if r.group.is_some() => {
            format!("{standing}. `stint ls` lists the accounts and roles the group gives.")
        }
        RequestState::Active => {
            format!("{standing}. `stint creds {target}` or `stint console {target}`.")
        }
        RequestState::Pending
        | RequestState::Approved
        | RequestState::Activating
        | RequestState::Ending
        | RequestState::Ended => format!("{standing}."),
        // Rejected, cancelled, expired or failed: and why, when the broker says.
        _ => format!(
            "{standing}{}.",
            r.outcome
                .as_deref()
                .map(|o| format!(": {}", output::printable(o)))
                .unwrap_or_default()
        ),
    };
    println!("{line}");
    // An extension that needs a decision leaves the end where it was until then: say so,
    // or "active until 15:00" reads as if the extension had been refused.
    if let Some(asked) = r.pending_end_at.filter(|_| !r.state.is_final()) {
        println!(
            "The extension to {} waits for an approver's decision.",
            output::local(asked)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn secs(d: StdDuration) -> Result<u32> {
    u32::try_from(d.as_secs())
        .map_err(|_| Error::InvalidInput("that duration is far too long".into()).into())
}

/// RFC 3339, or `+DURATION` from now.
pub(super) fn parse_start(text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Some(rel) = text.strip_prefix('+') {
        let d = crate::cli::parse_duration(rel).map_err(Error::InvalidInput)?;
        return Ok(Utc::now() + chrono::Duration::from_std(d).context("start too far ahead")?);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::InvalidInput(format!(
                "`{text}` is not a start time ({e}): use 2026-05-01T09:00:00Z or +30m"
            ))
            .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_are_absolute_or_relative() {
        let t = parse_start("2026-05-01T09:00:00+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-01T07:00:00+00:00");
        let before = Utc::now();
        let t = parse_start("+30m").unwrap();
        assert!(t >= before + chrono::Duration::minutes(30));
        let err = parse_start("tomorrow").unwrap_err().to_string();
        assert!(err.contains("+30m"), "{err}");
    }
}
