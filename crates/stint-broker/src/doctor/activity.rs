//! Session activity's AWS setup: the organization trail's log group answers a Logs
//! Insights query from the broker's role. The query names a session that does not exist
//! over the last minute, so it scans next to nothing (Insights bills per GB scanned).

use chrono::Utc;

use super::Check;
use crate::activity::{ActivityError, RoleSession, TrailQuery};
use crate::config::Config;

pub(super) async fn check(config: &Config, checks: &mut Vec<Check>) {
    let Some(log_group) = &config.activity.log_group else {
        checks.push(Check::skipped(
            "activity",
            "[activity] log_group is not set: session activity is off",
        ));
        return;
    };
    let source = crate::server::activity_source(config).await;
    // Doctor is a command run by a person, not broker logic: the wall clock is the point.
    let now = Utc::now();
    let probe = TrailQuery {
        session: RoleSession {
            account_id: "000000000000".to_owned(),
            permission_set: "StintDoctorProbe".to_owned(),
            user_name: "stint-doctor-probe-nobody".to_owned(),
        },
        from: now - chrono::Duration::seconds(60),
        to: now,
        after: None,
        limit: 1,
    };
    checks.push(match source.events(&probe).await {
        Ok(_) => Check::ok(
            "activity",
            format!("the trail's log group {log_group} answers Logs Insights queries"),
        ),
        Err(e @ ActivityError::AccessDenied(_)) => Check::fail(
            "activity",
            e.to_string(),
            "allow the broker's role logs:StartQuery, logs:GetQueryResults and logs:StopQuery (docs/iam-policy.json)",
        ),
        Err(e @ ActivityError::LogGroupNotFound(_)) => Check::fail(
            "activity",
            e.to_string(),
            "send the organization trail to CloudWatch Logs and name its log group (and region) in [activity]; see README, Session activity",
        ),
        Err(e) => Check::warn(
            "activity",
            e.to_string(),
            "run doctor again; if it persists, check the network path to CloudWatch Logs",
        ),
    });
}
