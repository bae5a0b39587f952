//! Following the broker: its event stream (the client reconnects with backoff and
//! `Last-Event-ID`), a full resync on every (re)connect so nothing missed goes unsaid,
//! and the one timer the countdowns need.

use futures::StreamExt;
use stint_api::{EventKind, ListRequestsQuery, RequestScope, RequestState};
use stint_client::broker::EventStreamItem;
use stint_client::{ErrorKind, Stint};

use super::Service;
use super::session::user_view;
use super::standing::roles_given;
use crate::error::{CommandError, broker_unreachable};
use crate::view::{BrokerLink, SessionView};

impl Service {
    /// Starts following the broker for the signed-in person (no-op without a broker).
    pub(super) fn follow(&self, stint: Stint, generation: u64) {
        let Ok(broker) = stint.broker().cloned() else {
            // No broker: the roles held without a request are all there is to show.
            self.read_standing(stint, generation);
            return;
        };
        let service = self.clone();
        let where_ = format!(
            "the Stint broker at {}",
            broker.base_url().as_str().trim_end_matches('/')
        );
        let task = self.inner.runtime.spawn(async move {
            service.set_link(generation, BrokerLink::Connecting);
            let events = broker.events(None);
            futures::pin_mut!(events);
            while let Some(item) = events.next().await {
                match item {
                    Ok(EventStreamItem::Connected) => {
                        service.set_link(generation, BrokerLink::Live);
                        if let Err(e) = service.resync(&stint, generation).await {
                            tracing::warn!(error = %e, "resync after connecting failed");
                        }
                        // What the portal lists may have changed while we were away.
                        service.read_standing(stint.clone(), generation);
                        service.read_revocations(stint.clone(), generation);
                    }
                    Ok(EventStreamItem::Event(event)) => {
                        // One of the person's grants ended: its assignment has left the
                        // portal's list, unless the role is also standing.
                        let ended = event.kind == EventKind::RequestChanged
                            && event.request.state == RequestState::Ended;
                        let notices = {
                            let mut state = service.state();
                            if state.generation != generation {
                                return;
                            }
                            let now = service.now();
                            if ended {
                                for role in roles_given(&event.request) {
                                    state.standing.forget(&role);
                                }
                            }
                            state.model.book.apply(&event, now)
                        };
                        service.deliver(notices);
                        service.publish();
                        if ended {
                            service.read_standing(stint.clone(), generation);
                            service.read_revocations(stint.clone(), generation);
                        }
                    }
                    Ok(EventStreamItem::Reconnecting { reason, after }) => {
                        tracing::info!(%reason, ?after, "event stream dropped; reconnecting");
                        service.set_link(
                            generation,
                            BrokerLink::Reconnecting {
                                message: broker_unreachable(&where_),
                                detail: reason,
                            },
                        );
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event stream ended");
                        if e.kind() == ErrorKind::NotLoggedIn {
                            service.set_session(
                                generation,
                                SessionView::SignedOut {
                                    reason: Some(CommandError::from(e).message),
                                },
                            );
                        }
                        service.set_link(generation, BrokerLink::Offline);
                        return;
                    }
                }
            }
        });
        let mut state = self.state();
        if state.generation == generation {
            state.stream = Some(task);
        } else {
            task.abort();
        }
    }

    fn set_link(&self, generation: u64, link: BrokerLink) {
        {
            let mut state = self.state();
            if state.generation != generation || state.link == link {
                return;
            }
            state.link = link;
        }
        self.publish();
    }

    /// Asks the broker for the whole picture and compares it with ours: what changed
    /// while we were not listening is announced once, what we knew is not repeated.
    pub(super) async fn resync(
        &self,
        stint: &Stint,
        generation: u64,
    ) -> Result<(), stint_client::Error> {
        let broker = stint.broker()?;
        let me = broker.session().await?.me;
        let user = user_view(&me);
        let mine = broker
            .all_requests(&ListRequestsQuery {
                scope: RequestScope::Mine,
                ..Default::default()
            })
            .await?;
        let approvable = if user.approver {
            broker
                .all_requests(&ListRequestsQuery {
                    scope: RequestScope::Approvable,
                    ..Default::default()
                })
                .await?
        } else {
            Vec::new()
        };
        // Policy's limits, for the Extend offered; without them every step is offered.
        let limits = match broker.eligibility().await {
            Ok(e) => Some(e.items),
            Err(e) => {
                tracing::warn!(error = %e, "eligibility not read; Extend offers every step");
                None
            }
        };
        let notices = {
            let mut state = self.state();
            if state.generation != generation {
                return Ok(());
            }
            if let Some(items) = &limits {
                state.model.set_limits(items);
            }
            state.session = SessionView::SignedIn { user };
            let now = self.now();
            state.model.book.replace(mine, approvable, now)
        };
        self.deliver(notices);
        self.publish();
        Ok(())
    }

    /// Sleeps until the model says something shown changes by itself (a minute label, a
    /// five-minute warning); with nothing counting down it sleeps until woken.
    pub(super) fn spawn_timer(&self) {
        let service = self.clone();
        self.inner.runtime.spawn(async move {
            loop {
                let next = service.state().model.next_wakeup(service.now());
                match next {
                    Some(at) => {
                        let wait = (at - service.now()).to_std().unwrap_or_default();
                        tokio::select! {
                            () = tokio::time::sleep(wait) => {}
                            () = service.inner.wake.notified() => continue,
                        }
                    }
                    None => {
                        service.inner.wake.notified().await;
                        continue;
                    }
                }
                let notices = {
                    let now = service.now();
                    service.state().model.book.due_warnings(now)
                };
                service.deliver(notices);
                // Redraw without waking ourselves again.
                service.redraw();
            }
        });
    }
}
