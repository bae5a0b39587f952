//! The engine's knobs. The broker's config file fills these; tests shorten them.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Names this engine in tuple leases. Unique per replica.
    pub node_id: String,
    /// How long a failing create or delete is retried before the request goes `failed`.
    pub retry_deadline: Duration,
    /// Backoff for throttling, 5xx and conflicts: full jitter over `base * 2^attempt`,
    /// capped at `retry_cap`.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Polling an operation's status: starts at `poll_initial`, doubles up to `poll_max`.
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// How often Stint compares its assignments with Identity Center's.
    pub reconcile_interval: Duration,
    /// How long a claimed tuple stays reserved; a crashed replica's claims free up after it.
    /// Must be well above `call_timeout`.
    pub lease: Duration,
    /// Longest wait for one Identity Center call.
    pub call_timeout: Duration,
    /// Tuples claimed per round, and how many are worked on at once.
    pub batch: u32,
    pub concurrency: usize,
    /// How often the change feed looks for changes made by other replicas.
    pub change_poll: Duration,
}

impl EngineSettings {
    /// Refuses settings that would break the engine's guarantees, saying which and why.
    pub fn check(&self) -> Result<(), String> {
        if self.node_id.trim().is_empty() {
            return Err("the engine's node id is empty: give each replica a unique name".into());
        }
        // A lease shorter than a call could run out while its holder is still calling, and
        // another replica would then repeat the call.
        if self.lease < self.call_timeout * 2 {
            return Err(format!(
                "the tuple lease ({:?}) must be at least twice the call timeout ({:?})",
                self.lease, self.call_timeout
            ));
        }
        for (name, value) in [
            ("retry_deadline", self.retry_deadline),
            ("retry_cap", self.retry_cap),
            ("poll_max", self.poll_max),
            ("reconcile_interval", self.reconcile_interval),
            ("change_poll", self.change_poll),
        ] {
            if value.is_zero() {
                return Err(format!("{name} must be longer than zero"));
            }
        }
        if self.batch == 0 || self.concurrency == 0 {
            return Err("batch and concurrency must be at least 1".into());
        }
        Ok(())
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            node_id: format!("stint-{}", uuid::Uuid::new_v4().simple()),
            retry_deadline: Duration::from_secs(600),
            retry_base: Duration::from_millis(250),
            retry_cap: Duration::from_secs(15),
            poll_initial: Duration::from_millis(200),
            poll_max: Duration::from_secs(3),
            reconcile_interval: Duration::from_secs(300),
            lease: Duration::from_secs(60),
            call_timeout: Duration::from_secs(20),
            batch: 64,
            concurrency: 16,
            change_poll: Duration::from_secs(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_a_lease_shorter_than_calls_is_refused() {
        assert_eq!(EngineSettings::default().check(), Ok(()));
        let short = EngineSettings {
            lease: Duration::from_secs(10),
            call_timeout: Duration::from_secs(20),
            ..EngineSettings::default()
        };
        assert!(short.check().unwrap_err().contains("lease"));
        let unnamed = EngineSettings {
            node_id: " ".into(),
            ..EngineSettings::default()
        };
        assert!(unnamed.check().is_err());
    }
}
