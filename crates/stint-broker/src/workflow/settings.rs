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
