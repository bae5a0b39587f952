//! The agent's loops: accepting connections (each served on its own task, one frame
//! in, one frame out, until the client closes or goes quiet), following the broker's
//! event stream into the grant book, and reading `stint ls`'s picture when it went stale.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use stint_client::broker::EventStreamItem;
use stint_client::{Result, Stint};

use crate::location::Location;
use crate::protocol::{Envelope, FrameError, read_frame, write_frame};
use crate::service::Agent;
use crate::transport::{Accepted, Conn, Listener};

/// A connection that sends nothing for this long is closed.
const IDLE: Duration = Duration::from_secs(30);

/// After the event stream gives up (no login, say), it is tried again after this.
const STREAM_RETRY: Duration = Duration::from_secs(30);

/// A bound agent, not yet serving: the caller learns where it listens before it runs.
pub struct AgentHandle {
    agent: Arc<Agent>,
    listener: Listener,
}

impl AgentHandle {
    /// Binds the agent's socket for `stint`'s login.
    pub async fn bind(stint: Stint, location: &Location) -> Result<Self> {
        let listener = Listener::bind(location).await?;
        Ok(Self {
            agent: Arc::new(Agent::new(stint)),
            listener,
        })
    }

    pub fn path(&self) -> &std::path::Path {
        self.listener.path()
    }

    pub fn agent(&self) -> Arc<Agent> {
        self.agent.clone()
    }

    /// Serves until `shutdown` resolves or a client sends `stop`.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>) {
        let Self { agent, listener } = self;
        let follower = tokio::spawn(follow(agent.clone()));
        let reader = tokio::spawn({
            let agent = agent.clone();
            async move {
                let stint = agent.stint();
                agent.picture.keep_current(|| stint.overview()).await;
            }
        });
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = agent.stopped() => break,
                accepted = listener.accept() => match accepted {
                    Ok(Accepted::Admitted(conn)) => {
                        tokio::spawn(serve_conn(agent.clone(), conn));
                    }
                    Ok(Accepted::Refused { conn, peer }) => {
                        tracing::warn!(%peer, "refused a connection from another user");
                        tokio::spawn(refuse(conn, peer));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
        follower.abort();
        reader.abort();
    }
}

/// Binds and serves: what `stint agent` and the tray app run.
pub async fn run(
    stint: Stint,
    location: &Location,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    AgentHandle::bind(stint, location)
        .await?
        .serve(shutdown)
        .await;
    Ok(())
}

async fn serve_conn(agent: Arc<Agent>, mut conn: Conn) {
    loop {
        let envelope = match tokio::time::timeout(IDLE, read_frame::<Envelope, _>(&mut conn)).await
        {
            Err(_) | Ok(Err(FrameError::Closed)) => return,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "unreadable request");
                return;
            }
            Ok(Ok(envelope)) => envelope,
        };
        let response = agent.handle(envelope).await;
        if let Err(e) = write_frame(&mut conn, &response).await {
            tracing::debug!(error = %e, "the client left before the answer");
            return;
        }
    }
}

/// Reads the request (unanswered) before saying no: closing on a client still writing
/// would reset the connection, and the client would see "no agent" instead of why.
async fn refuse(mut conn: Conn, peer: String) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = read_frame::<serde_json::Value, _>(&mut conn).await;
        write_frame(&mut conn, &Agent::refusal(&peer)).await
    })
    .await;
}

/// Keeps the grant book current: the whole list on every (re)connection, then each event.
async fn follow(agent: Arc<Agent>) {
    let Ok(broker) = agent.stint().broker().cloned() else {
        return;
    };
    loop {
        let mut stream = std::pin::pin!(broker.events(None));
        while let Some(item) = stream.next().await {
            match item {
                Ok(EventStreamItem::Connected) => match resync(&broker).await {
                    Ok((me, grants)) => {
                        let mut book = agent
                            .book
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        book.replace(&me, &grants);
                        // Stale before `connected`: an `ls` must not be served a picture
                        // from before a reconnection.
                        agent.picture.changed();
                        book.set_connected(true);
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot read the grants after connecting"),
                },
                Ok(EventStreamItem::Event(event)) => {
                    let request = &event.request;
                    agent.picture.changed();
                    {
                        let mut book = agent
                            .book
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        book.apply(request);
                    }
                    for (account, role) in crate::grants::roles_of(
                        request.group.as_ref(),
                        &request.account.id,
                        &request.permission_set.name,
                    ) {
                        agent.forget_target(&account, &role);
                    }
                    // Nobody listening (no tray) is not an error.
                    let _ = agent.events.send(*event);
                }
                Ok(EventStreamItem::Reconnecting { reason, .. }) => {
                    tracing::info!(%reason, "event stream reconnecting");
                    set_connected(&agent, false);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event stream stopped; trying again later");
                    set_connected(&agent, false);
                    break;
                }
            }
        }
        tokio::time::sleep(STREAM_RETRY).await;
    }
}

fn set_connected(agent: &Agent, connected: bool) {
    agent
        .book
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .set_connected(connected);
}

async fn resync(
    broker: &stint_client::broker::BrokerClient,
) -> Result<(String, Vec<stint_api::Grant>)> {
    let me = broker.session().await?.me.user.user_id;
    let grants = broker.grants().await?;
    Ok((me, grants))
}
