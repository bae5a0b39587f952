//! How the CLI asks the agent. Every question has a short deadline, and anything short of
//! an answer — no socket, an agent for another login or protocol version, a refusal to
//! connect, silence — reads as "no agent": the caller then does the work itself, as it
//! would without one. One exception is said out loud: an address served by another
//! user's process (`Asked::Impostor`), which is refused before anything is sent.

use std::time::Duration;

use stint_client::{ConsoleRequest, Overview, Result, RoleCredentials, Secret};

use crate::location::Location;
use crate::protocol::{
    Envelope, Request, Response, Serving, Status, VERSION, read_frame, write_frame,
};
use crate::transport;

/// How long connecting to the socket may take (a live agent accepts at once).
const CONNECT_DEADLINE: Duration = Duration::from_millis(500);

/// How long an answer may take: a cold answer waits on the broker (1.5 s at most) and AWS
/// (10 s at most); past this the caller does the work itself.
const ANSWER_DEADLINE: Duration = Duration::from_secs(15);

/// The agent's answer, or why there is none.
#[derive(Debug)]
pub enum Asked<T> {
    Answered(T),
    NoAgent(String),
    /// Something of another user serves the agent's address (a named pipe created first
    /// by someone else): nothing was sent to it. The caller works without the agent, but
    /// tells the person, who should end that program.
    Impostor(String),
}

#[derive(Debug, Clone)]
pub struct AgentClient {
    location: Location,
    serving: Serving,
}

impl AgentClient {
    pub fn new(location: Location, serving: Serving) -> Self {
        Self { location, serving }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// One exchange with the agent.
    pub async fn ask(&self, request: Request) -> Asked<Response> {
        let envelope = Envelope {
            version: VERSION,
            serving: self.serving.clone(),
            request,
        };
        let mut conn = match tokio::time::timeout(
            CONNECT_DEADLINE,
            transport::connect(&self.location),
        )
        .await
        {
            Ok(Ok(conn)) => conn,
            Ok(Err(e))
                if e.get_ref()
                    .is_some_and(|e| e.is::<transport::ServedByAnother>()) =>
            {
                return Asked::Impostor(e.to_string());
            }
            Ok(Err(e)) => return Asked::NoAgent(format!("no agent at {}: {e}", self.where_())),
            Err(_) => {
                return Asked::NoAgent(format!("the agent at {} did not accept", self.where_()));
            }
        };
        let exchange = async {
            write_frame(&mut conn, &envelope).await?;
            read_frame::<Response, _>(&mut conn).await
        };
        match tokio::time::timeout(ANSWER_DEADLINE, exchange).await {
            Err(_) => Asked::NoAgent(format!(
                "the agent at {} did not answer within {} s",
                self.where_(),
                ANSWER_DEADLINE.as_secs()
            )),
            Ok(Err(e)) => Asked::NoAgent(format!("the agent at {}: {e}", self.where_())),
            Ok(Ok(Response::WrongLogin { agent })) => Asked::NoAgent(format!(
                "the agent serves sso-session {} ({}), not this one",
                agent.sso_session, agent.start_url
            )),
            Ok(Ok(Response::WrongVersion { agent })) => Asked::NoAgent(format!(
                "the agent speaks protocol {agent}, this stint {VERSION}"
            )),
            Ok(Ok(response)) => Asked::Answered(response),
        }
    }

    pub async fn credentials(&self, target: &str) -> Asked<Result<RoleCredentials>> {
        let request = Request::Credentials {
            target: target.to_owned(),
        };
        self.ask(request).await.then(|response| match response {
            Response::Credentials { credentials } => Some(Ok(credentials)),
            _ => None,
        })
    }

    pub async fn console(&self, target: &str, request: &ConsoleRequest) -> Asked<Result<Secret>> {
        let request = Request::Console {
            target: target.to_owned(),
            service: request.service.clone(),
            region: request.region.clone(),
            portal: request.portal,
        };
        self.ask(request).await.then(|response| match response {
            Response::Console { url } => Some(Ok(url)),
            _ => None,
        })
    }

    /// Everything `stint ls` shows.
    pub async fn overview(&self) -> Asked<Result<Overview>> {
        self.ask(Request::Overview)
            .await
            .then(|response| match response {
                Response::Overview { overview } => Some(Ok(*overview)),
                _ => None,
            })
    }

    pub async fn status(&self) -> Asked<Result<Status>> {
        self.ask(Request::Status)
            .await
            .then(|response| match response {
                Response::Status(status) => Some(Ok(status)),
                _ => None,
            })
    }

    fn where_(&self) -> String {
        self.location.path.display().to_string()
    }
}

impl Asked<Response> {
    /// The answer `pick` expects, an error the agent relayed, or (for any other answer,
    /// which only a confused agent gives) no agent.
    fn then<T>(self, pick: impl FnOnce(Response) -> Option<Result<T>>) -> Asked<Result<T>> {
        match self {
            Asked::NoAgent(why) => Asked::NoAgent(why),
            Asked::Impostor(why) => Asked::Impostor(why),
            Asked::Answered(Response::Error(failure)) => Asked::Answered(Err(failure.into())),
            Asked::Answered(other) => {
                let shown = format!("{other:?}");
                match pick(other) {
                    Some(answer) => Asked::Answered(answer),
                    None => Asked::NoAgent(format!("unexpected answer from the agent: {shown}")),
                }
            }
        }
    }
}
