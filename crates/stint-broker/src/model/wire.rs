//! Conversions of the model's types to the API's wire types, at the edge.

use stint_api::{
    AccessRequest, AccountRef, Grant, GroupRef, PermissionSetRef, RequestState, UserRef,
};

use super::{Person, Request, State};

pub fn state_to_api(state: State) -> RequestState {
    match state {
        State::Pending => RequestState::Pending,
        State::Approved => RequestState::Approved,
        State::Activating => RequestState::Activating,
        State::Active => RequestState::Active,
        State::Ending => RequestState::Ending,
        State::Ended => RequestState::Ended,
        State::Rejected => RequestState::Rejected,
        State::Cancelled => RequestState::Cancelled,
        State::Expired => RequestState::Expired,
        State::Failed => RequestState::Failed,
    }
}

pub fn state_from_api(state: RequestState) -> State {
    match state {
        RequestState::Pending => State::Pending,
        RequestState::Approved => State::Approved,
        RequestState::Activating => State::Activating,
        RequestState::Active => State::Active,
        RequestState::Ending => State::Ending,
        RequestState::Ended => State::Ended,
        RequestState::Rejected => State::Rejected,
        RequestState::Cancelled => State::Cancelled,
        RequestState::Expired => State::Expired,
        RequestState::Failed => State::Failed,
    }
}

impl From<&Person> for UserRef {
    fn from(p: &Person) -> Self {
        UserRef {
            user_id: p.user_id.clone(),
            user_name: p.user_name.clone(),
            display_name: p.display_name.clone(),
        }
    }
}

impl Request {
    pub fn to_api(&self) -> AccessRequest {
        AccessRequest {
            id: self.id,
            requester: (&self.requester).into(),
            account: AccountRef {
                id: self.account.id.clone(),
                name: self.account.name.clone(),
            },
            permission_set: self.permission_set_ref(),
            set_id: self.set_id,
            group: self.group_ref(),
            state: state_to_api(self.state),
            reason: self.reason.clone(),
            ticket: self.ticket.clone(),
            duration_secs: self.duration_secs,
            start_at: self.start_at,
            end_at: self.end_at,
            pending_end_at: self.pending_end_at,
            approval_required: self.approval_required,
            approval_deadline: self.approval_deadline,
            decided_by: self.decided_by.as_ref().map(UserRef::from),
            decision_comment: self.decision_comment.clone(),
            outcome: self.outcome.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            history: None,
        }
    }

    pub fn to_grant(&self) -> Grant {
        Grant {
            request_id: self.id,
            user: (&self.requester).into(),
            account: AccountRef {
                id: self.account.id.clone(),
                name: self.account.name.clone(),
            },
            permission_set: self.permission_set_ref(),
            group: self.group_ref(),
            started_at: self.start_at,
            end_at: self.end_at,
        }
    }

    fn group_ref(&self) -> Option<GroupRef> {
        self.group.as_ref().map(|g| GroupRef {
            id: g.id.clone(),
            name: g.name.clone(),
            // What the group gives is the policy's knowledge, not the request's: the API
            // layer fills it in (`api::wire`).
            gives: Vec::new(),
        })
    }

    fn permission_set_ref(&self) -> PermissionSetRef {
        PermissionSetRef {
            name: self.permission_set.name.clone(),
            arn: self.permission_set.arn.clone(),
            description: self.permission_set.description.clone(),
            session_duration_secs: self.permission_set.session_duration_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_both_ways() {
        for state in State::ALL {
            let api = state_to_api(state);
            assert_eq!(api.as_str(), state.as_str());
            assert_eq!(state_from_api(api), state);
        }
    }
}
