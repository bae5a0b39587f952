//! A clock for tests that run the broker in real time against the simulator.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use stint_broker::clock::{Clock, Sleep};
use tokio::sync::Notify;

/// The wall clock plus an offset that only grows: the engine's polls and backoffs run in
/// real time against the simulator, and a test jumps over a window instead of waiting it out.
#[derive(Clone, Default)]
pub struct JumpClock {
    offset: Arc<Mutex<chrono::Duration>>,
    moved: Arc<Notify>,
}

impl JumpClock {
    pub fn jump(&self, by: chrono::Duration) {
        *self.offset.lock().unwrap() += by;
        self.moved.notify_waiters();
    }
}

impl Clock for JumpClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        Box::pin(async move {
            loop {
                let moved = self.moved.notified();
                tokio::pin!(moved);
                moved.as_mut().enable();
                match (deadline - self.now()).to_std() {
                    Ok(left) if !left.is_zero() => {
                        tokio::select! {
                            _ = tokio::time::sleep(left) => {}
                            _ = moved => {}
                        }
                    }
                    _ => return,
                }
            }
        })
    }
}
