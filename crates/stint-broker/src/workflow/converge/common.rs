//! The steps whose effect is the same whatever the target is: beginning an addition from
//! absent, resting while a present target is kept, and the bookkeeping every new Identity
//! Center change starts with.

use chrono::{DateTime, Utc};

use super::Flow;
use crate::model::{Actual, Origin, Step, Tuple};
use crate::workflow::backoff::to_chrono;
use crate::workflow::{Engine, EngineError};

impl Engine {
    /// Absent: a grant needs the target, so its addition begins with a look; or none does,
    /// and the tuple rests.
    pub(super) async fn step_absent(
        &self,
        t: &mut Tuple,
        desired: bool,
    ) -> Result<Flow, EngineError> {
        let mut next = t.clone();
        if desired {
            self.begin(&mut next, Actual::Creating, Step::Check, self.now());
            next.origin = None;
            self.then(t, next, vec![], None, Flow::Continue).await
        } else {
            next.step = None;
            self.rest(t, next).await
        }
    }

    /// Present and kept, with nothing to call: a grant needs it, or it is standing (never
    /// removed by Stint), or a removal already failed (reconciliation schedules the next
    /// attempt). `None` when its removal should begin.
    pub(super) async fn keep_if_kept(
        &self,
        t: &mut Tuple,
        desired: bool,
    ) -> Option<Result<Flow, EngineError>> {
        let mut next = t.clone();
        if desired || t.origin == Some(Origin::Standing) {
            next.leaked = false;
            next.step = None;
            Some(self.rest(t, next).await)
        } else if t.leaked {
            Some(self.rest(t, next).await)
        } else {
            None
        }
    }

    /// Nothing to do until the next change or check.
    async fn rest(&self, t: &mut Tuple, mut next: Tuple) -> Result<Flow, EngineError> {
        self.release(&mut next, None);
        self.then(t, next, vec![], None, Flow::Done).await
    }

    /// The bookkeeping a new addition or removal starts with: no operation, no attempt or
    /// poll yet, and the retry deadline counted from now.
    pub(super) fn begin(&self, next: &mut Tuple, actual: Actual, step: Step, now: DateTime<Utc>) {
        next.actual = actual;
        next.step = Some(step);
        next.operation_id = None;
        next.attempt = 0;
        next.polls = 0;
        next.op_started_at = Some(now);
        next.deadline = Some(now + to_chrono(self.inner.settings.retry_deadline));
    }
}
