//! The call log behind `GET /_sim/calls`: how the broker's tests prove a side effect
//! happened exactly once, and how benchmarks measure revocation lag (wall-clock arrival
//! is kept to the microsecond).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::control::{CallPage, CallRecord};
use crate::faults::Api;

/// The operations worth recording: the ones that change state or hand out secrets.
pub fn is_logged(api: Api, operation: &str) -> bool {
    match api {
        Api::SsoAdmin => matches!(
            operation,
            "CreateAccountAssignment" | "DeleteAccountAssignment"
        ),
        Api::SsoOidc => matches!(
            operation,
            "RegisterClient" | "StartDeviceAuthorization" | "CreateToken"
        ),
        Api::Sso => matches!(operation, "GetRoleCredentials" | "Logout"),
        Api::IdentityStore => {
            matches!(operation, "CreateGroupMembership" | "DeleteGroupMembership")
        }
        _ => false,
    }
}

#[derive(Debug, Default)]
pub struct CallLog {
    records: Vec<CallRecord>,
}

pub struct NewCall<'a> {
    pub api: Api,
    pub operation: &'a str,
    pub fields: BTreeMap<String, String>,
    pub sim_time: DateTime<Utc>,
    pub wall_time_micros: i64,
    pub outcome: String,
}

impl CallLog {
    pub fn record(&mut self, call: NewCall<'_>) {
        let seq = self.records.len() as u64 + 1;
        self.records.push(CallRecord {
            seq,
            api: call.api.name().to_owned(),
            operation: call.operation.to_owned(),
            fields: call.fields,
            sim_time: call.sim_time,
            wall_time_micros: call.wall_time_micros,
            outcome: call.outcome,
        });
    }

    pub fn since(&self, seq: u64) -> CallPage {
        let start = usize::try_from(seq)
            .unwrap_or(usize::MAX)
            .min(self.records.len());
        CallPage {
            calls: self.records[start..].to_vec(),
            last_seq: self.records.len() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_returns_later_calls_only() {
        let mut log = CallLog::default();
        for op in ["RegisterClient", "CreateToken", "CreateToken"] {
            log.record(NewCall {
                api: Api::SsoOidc,
                operation: op,
                fields: BTreeMap::new(),
                sim_time: Utc::now(),
                wall_time_micros: 1,
                outcome: "ok".into(),
            });
        }
        let page = log.since(1);
        assert_eq!(page.last_seq, 3);
        assert_eq!(
            page.calls.iter().map(|c| c.seq).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(log.since(3).calls.is_empty());
        assert!(log.since(99).calls.is_empty());
        assert!(is_logged(Api::SsoAdmin, "CreateAccountAssignment"));
        assert!(!is_logged(Api::SsoAdmin, "ListInstances"));
    }
}
