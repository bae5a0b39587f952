//! The engine's metrics, rendered as Prometheus text: requests by state (read from the
//! database when rendered), Identity Center call latency by operation, retries by reason,
//! drift found by reconciliation, failures, and scheduler lag (due → started).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::model::State;

/// Bucket bounds, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; LATENCY_BUCKETS.len()],
    sum: f64,
    total: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.total += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.total
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.total);
    }
}

#[derive(Debug, Default)]
struct Inner {
    calls: BTreeMap<(&'static str, &'static str), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    retries: BTreeMap<&'static str, u64>,
    drift: BTreeMap<&'static str, u64>,
    failures: BTreeMap<&'static str, u64>,
    lag: Histogram,
}

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut inner)
    }

    /// One Identity Center call: its operation, how long it took, and how it ended.
    pub fn observe_call(&self, op: &'static str, took: Duration, outcome: &'static str) {
        self.with(|m| {
            m.latency.entry(op).or_default().observe(took.as_secs_f64());
            *m.calls.entry((op, outcome)).or_default() += 1;
        });
    }

    pub fn count_retry(&self, reason: &'static str) {
        self.with(|m| *m.retries.entry(reason).or_default() += 1);
    }

    pub fn count_drift(&self, kind: &'static str) {
        self.with(|m| *m.drift.entry(kind).or_default() += 1);
    }

    pub fn count_failure(&self, kind: &'static str) {
        self.with(|m| *m.failures.entry(kind).or_default() += 1);
    }

    /// How late a due step started.
    pub fn observe_lag(&self, late: chrono::Duration) {
        let seconds = late.num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6;
        self.with(|m| m.lag.observe(seconds));
    }

    pub fn retries(&self, reason: &str) -> u64 {
        self.with(|m| m.retries.get(reason).copied().unwrap_or(0))
    }

    pub fn drift(&self, kind: &str) -> u64 {
        self.with(|m| m.drift.get(kind).copied().unwrap_or(0))
    }

    /// Prometheus text exposition, with requests by state from `counts`.
    pub fn render(&self, counts: &[(State, i64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP stint_requests Requests by state.\n# TYPE stint_requests gauge\n");
        for state in State::ALL {
            let n = counts
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "stint_requests{{state=\"{state}\"}} {n}");
        }
        self.with(|m| {
            out.push_str("# HELP stint_idc_call_seconds Identity Center call latency by operation.\n# TYPE stint_idc_call_seconds histogram\n");
            for (op, h) in &m.latency {
                h.render(&mut out, "stint_idc_call_seconds", &format!("operation=\"{op}\""));
            }
            out.push_str("# HELP stint_idc_calls_total Identity Center calls by operation and outcome.\n# TYPE stint_idc_calls_total counter\n");
            for ((op, outcome), n) in &m.calls {
                let _ = writeln!(
                    out,
                    "stint_idc_calls_total{{operation=\"{op}\",outcome=\"{outcome}\"}} {n}"
                );
            }
            out.push_str("# HELP stint_retries_total Identity Center calls retried, by reason.\n# TYPE stint_retries_total counter\n");
            for (reason, n) in &m.retries {
                let _ = writeln!(out, "stint_retries_total{{reason=\"{reason}\"}} {n}");
            }
            out.push_str("# HELP stint_reconcile_drift_total Drift found by reconciliation, by kind.\n# TYPE stint_reconcile_drift_total counter\n");
            for (kind, n) in &m.drift {
                let _ = writeln!(out, "stint_reconcile_drift_total{{kind=\"{kind}\"}} {n}");
            }
            out.push_str("# HELP stint_assignment_failures_total Assignment operations given up, by kind.\n# TYPE stint_assignment_failures_total counter\n");
            for (kind, n) in &m.failures {
                let _ = writeln!(out, "stint_assignment_failures_total{{kind=\"{kind}\"}} {n}");
            }
            out.push_str("# HELP stint_scheduler_lag_seconds How late due steps started.\n# TYPE stint_scheduler_lag_seconds histogram\n");
            m.lag.render(&mut out, "stint_scheduler_lag_seconds", "");
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_its_values() {
        let m = Metrics::default();
        m.observe_call("create_assignment", Duration::from_millis(30), "ok");
        m.count_retry("throttled");
        m.count_retry("throttled");
        m.count_drift("assignment_removed_outside");
        m.observe_lag(chrono::Duration::milliseconds(200));
        let text = m.render(&[(State::Active, 3)]);
        assert!(text.contains("stint_requests{state=\"active\"} 3"));
        assert!(text.contains("stint_requests{state=\"pending\"} 0"));
        assert!(text.contains(
            "stint_idc_call_seconds_bucket{operation=\"create_assignment\",le=\"0.05\"} 1"
        ));
        assert!(text.contains(
            "stint_idc_call_seconds_bucket{operation=\"create_assignment\",le=\"0.025\"} 0"
        ));
        assert!(text.contains("stint_retries_total{reason=\"throttled\"} 2"));
        assert!(
            text.contains("stint_reconcile_drift_total{kind=\"assignment_removed_outside\"} 1")
        );
        assert!(text.contains("stint_scheduler_lag_seconds_count 1"));
    }
}
