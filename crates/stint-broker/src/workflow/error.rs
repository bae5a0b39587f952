use stint_api::ErrorCode;

use crate::model::{RequestId, State};
use crate::store::StoreError;

/// Why a command or query was refused. Each maps to one stable API error code.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "request {0} does not exist, or is not one you may see: `stint ls` lists your requests and those waiting for your approval"
    )]
    NotFound(RequestId),
    #[error("request {id} is {state}: it cannot be {action} now")]
    InvalidState {
        id: RequestId,
        state: State,
        action: &'static str,
    },
    #[error("nobody approves their own request: ask someone in {0} to decide it")]
    SelfApproval(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    NoApprover(String),
    #[error("request {0} kept changing while this was being applied; try again")]
    Busy(RequestId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::NotFound(_) => ErrorCode::NotFound,
            EngineError::InvalidState { .. } => ErrorCode::InvalidState,
            EngineError::SelfApproval(_) => ErrorCode::SelfApproval,
            EngineError::Forbidden(_) => ErrorCode::Forbidden,
            EngineError::InvalidInput(_) => ErrorCode::InvalidInput,
            EngineError::NoApprover(_) => ErrorCode::NoApprover,
            EngineError::Busy(_) | EngineError::Store(_) => ErrorCode::Unavailable,
        }
    }
}
