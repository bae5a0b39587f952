//! How many `/v1/events` streams each session holds open: every stream is a connection and
//! a follower of the change feed, so one leaked token (or a client reconnecting in a loop
//! without closing) must not take the broker's connections for itself. A slot is held for
//! the stream's life and given back when it ends, however it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The open streams per session id.
#[derive(Debug)]
pub struct StreamSlots {
    max: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One open stream of a session; dropping it gives the slot back.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    session: String,
}

impl StreamSlots {
    pub fn new(max: usize) -> Arc<StreamSlots> {
        Arc::new(StreamSlots {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot for `session`, or `None` when it already holds `max` streams.
    pub fn take(self: &Arc<Self>, session: &str) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(session.to_owned()).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            slots: self.clone(),
            session: session.to_owned(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.session) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_at_most_max_and_gets_slots_back_when_streams_end() {
        let slots = StreamSlots::new(2);
        let a = slots.take("s1").unwrap();
        let _b = slots.take("s1").unwrap();
        assert!(slots.take("s1").is_none());
        let _other = slots.take("s2").expect("another session is not held back");
        drop(a);
        let _c = slots
            .take("s1")
            .expect("a slot comes back when its stream ends");
        assert!(slots.take("s1").is_none());
    }
}
