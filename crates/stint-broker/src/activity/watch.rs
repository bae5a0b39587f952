//! The watch: grants that ended are read from the trail until their last credentials have
//! expired (plus the delivery lag), and each new use after the window is recorded once as
//! an `activity_after_window` audit event. The audit log is the watch's memory: the last
//! event flagged for a request is the cursor of the next look, so a restart or another
//! replica does not flag the same call again.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use stint_api::rules;

use super::matching::select;
use super::window::window_of;
use super::{ActivityError, ActivitySource, Cursor, TrailQuery};
use crate::audit::AuditFilter;
use crate::clock::SharedClock;
use crate::model::AuditEvent;
use crate::model::audit::CallAfterWindow;
use crate::model::{Request, State};
use crate::store::RequestFilter;
use crate::workflow::{ACTIVITY_AFTER_WINDOW, Engine, EngineError, Finding};

/// Identity Center role sessions last at most this long.
const LONGEST_SESSION: Duration = Duration::from_secs(12 * 3600);
/// Events named in one audit event (the count says how many there were).
const NAMED: usize = 10;
const PAGE: u32 = 200;

/// What one pass found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WatchReport {
    /// Requests whose trail was read.
    pub read: usize,
    /// Requests with new use after the window (one audit event each).
    pub flagged: Vec<i64>,
    /// Requests whose trail could not be read this time (tried again next pass).
    pub failed: usize,
}

#[derive(Clone)]
pub struct Watch {
    engine: Engine,
    source: Arc<dyn ActivitySource>,
    clock: SharedClock,
}

impl Watch {
    pub fn new(engine: Engine, source: Arc<dyn ActivitySource>, clock: SharedClock) -> Self {
        Self {
            engine,
            source,
            clock,
        }
    }

    /// Runs passes every `interval` until `stop` resolves.
    pub async fn run(self, interval: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            match self.pass().await {
                Ok(report) if !report.flagged.is_empty() || report.failed > 0 => {
                    tracing::info!(read = report.read, flagged = ?report.flagged, failed = report.failed, "activity watch");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "activity watch could not list grants"),
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// One look at every grant still watched.
    pub async fn pass(&self) -> Result<WatchReport, EngineError> {
        let now = self.clock.now();
        let lag = chrono::Duration::from_std(self.source.delivery_lag()).unwrap_or_default();
        // A request made before this cannot have credentials left: its window started
        // within the longest lead, lasted at most the longest duration, and its
        // credentials at most the longest session.
        let oldest =
            now - chrono::Duration::seconds(
                i64::from(rules::MAX_LEAD_SECS) + i64::from(rules::MAX_DURATION_SECS),
            ) - chrono::Duration::from_std(LONGEST_SESSION).unwrap_or_default()
                - lag;
        let mut report = WatchReport::default();
        let mut before = None;
        loop {
            let page = self
                .engine
                .store()
                .list_requests(&RequestFilter {
                    states: vec![State::Ended, State::Ending, State::Failed],
                    before,
                    limit: PAGE,
                    ..RequestFilter::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            let done = page.len() < PAGE as usize || last.created_at < oldest;
            for request in page {
                match self.look(&request, now, lag).await {
                    Ok(None) => {}
                    Ok(Some(flagged)) => {
                        report.read += 1;
                        if flagged {
                            report.flagged.push(request.id);
                        }
                    }
                    Err(Failure::Trail(e)) => {
                        report.read += 1;
                        report.failed += 1;
                        tracing::warn!(request_id = request.id, error = %e, "could not read a grant's activity");
                    }
                    Err(Failure::Engine(e)) => return Err(e),
                }
            }
            if done {
                break;
            }
        }
        Ok(report)
    }

    /// `None` when the request is not watched now; otherwise whether it was flagged.
    async fn look(
        &self,
        request: &Request,
        now: DateTime<Utc>,
        lag: chrono::Duration,
    ) -> Result<Option<bool>, Failure> {
        let Some(window) = window_of(request, now) else {
            return Ok(None);
        };
        if now <= window.end || now > window.watched_until + lag {
            return Ok(None);
        }
        let previous = self.last_flagged(request.id).await?;
        let query = TrailQuery {
            session: window.session.clone(),
            from: window.end,
            to: window.watched_until.min(now),
            after: previous,
            limit: 1000,
        };
        let batch = self.source.events(&query).await.map_err(Failure::Trail)?;
        let late: Vec<_> = select(batch.events, &window)
            .into_iter()
            .filter(|m| m.after_window)
            .map(|m| m.event)
            .collect();
        let Some(last) = late.last() else {
            return Ok(Some(false));
        };
        let named: Vec<CallAfterWindow> = late
            .iter()
            .take(NAMED)
            .map(|e| CallAfterWindow {
                event_time: e.event_time,
                event_source: e.event_source.clone(),
                event_name: e.event_name.clone(),
                aws_region: e.aws_region.clone(),
                source_ip_address: e.source_ip_address.clone(),
                event_id: e.event_id.clone(),
            })
            .collect();
        let first = &late[0];
        let finding = Finding {
            alert: true,
            state: request.state,
            detail: format!(
                "{} call{} with this grant's credentials after it ended at {}, the first {} {} at {}",
                late.len(),
                if late.len() == 1 { "" } else { "s" },
                window.end.to_rfc3339(),
                first.event_source.trim_end_matches(".amazonaws.com"),
                first.event_name,
                first.event_time.to_rfc3339(),
            ),
            count: late.len(),
            window_end: window.end,
            account_id: window.session.account_id.clone(),
            permission_set: window.session.permission_set.clone(),
            user_name: window.session.user_name.clone(),
            last_event_time: last.event_time,
            last_event_id: last.event_id.clone(),
            events: named,
        };
        let recorded = self
            .engine
            .flag_use_after_window(request, finding)
            .await
            .map_err(Failure::Engine)?;
        Ok(Some(recorded.is_some()))
    }

    /// Where the last finding about the request stopped.
    async fn last_flagged(&self, request_id: i64) -> Result<Option<Cursor>, Failure> {
        let events = self
            .engine
            .audit(AuditFilter {
                request_id: Some(request_id),
                kind: Some(ACTIVITY_AFTER_WINDOW.to_owned()),
                limit: 1000,
                ..AuditFilter::default()
            })
            .await
            .map_err(Failure::Engine)?;
        Ok(events
            .iter()
            .rev()
            .find_map(|e| match AuditEvent::decode(&e.kind, &e.data).ok()? {
                AuditEvent::ActivityAfterWindow(f) => Some(Cursor {
                    event_time: f.last_event_time,
                    event_id: f.last_event_id,
                }),
                _ => None,
            }))
    }
}

enum Failure {
    Trail(ActivityError),
    Engine(EngineError),
}
