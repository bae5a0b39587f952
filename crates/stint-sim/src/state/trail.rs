//! The organization trail: a CloudTrail-shaped record of every call made with role
//! credentials the simulator issued, and of every console sign-in. Each record is
//! delivered to the trail's CloudWatch Logs log group `delivery_delay` after the event (on
//! the sim clock), as CloudTrail delivers minutes late; only delivered records are seen by
//! Logs Insights queries.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// The CloudTrail record format version AWS writes today.
pub const EVENT_VERSION: &str = "1.09";

/// Who made a call: an Identity Center role session.
#[derive(Debug, Clone)]
pub struct RoleSession {
    pub account_id: String,
    /// `AWSReservedSSO_<permission set>_<suffix>`.
    pub role_name: String,
    /// The role's unique id (`AROA...`).
    pub role_id: String,
    /// The session name: the Identity Center user name.
    pub user_name: String,
    /// `None` for a console sign-in, which CloudTrail records without a key.
    pub access_key_id: Option<String>,
    /// When the session's credentials were issued.
    pub issued_at: DateTime<Utc>,
}

impl RoleSession {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account_id, self.role_name, self.user_name
        )
    }

    /// Identity Center's roles live under this path in IAM.
    pub fn role_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role/aws-reserved/sso.amazonaws.com/{}",
            self.account_id, self.role_name
        )
    }

    fn user_identity(&self) -> Value {
        json!({
            "type": "AssumedRole",
            "principalId": format!("{}:{}", self.role_id, self.user_name),
            "arn": self.arn(),
            "accountId": self.account_id,
            "accessKeyId": self.access_key_id,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": self.role_id,
                    "arn": self.role_arn(),
                    "accountId": self.account_id,
                    "userName": self.role_name,
                },
                "attributes": {
                    "creationDate": iso(self.issued_at),
                    "mfaAuthenticated": "false",
                },
            },
        })
    }
}

/// One API call, as CloudTrail describes it.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// `s3.amazonaws.com`, `ec2.amazonaws.com`...
    pub event_source: String,
    pub event_name: String,
    pub aws_region: String,
    pub source_ip: String,
    pub user_agent: String,
    /// `Value::Null` when the call had none.
    pub request_parameters: Value,
    pub request_id: String,
    pub read_only: bool,
    /// The AWS error code and message when the call was refused.
    pub error: Option<(String, String)>,
}

pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An `AwsApiCall` record.
pub fn api_call_record(session: &RoleSession, call: &ApiCall, at: DateTime<Utc>) -> Value {
    let mut record = json!({
        "eventVersion": EVENT_VERSION,
        "userIdentity": session.user_identity(),
        "eventTime": iso(at),
        "eventSource": call.event_source,
        "eventName": call.event_name,
        "awsRegion": call.aws_region,
        "sourceIPAddress": call.source_ip,
        "userAgent": call.user_agent,
        "requestParameters": call.request_parameters,
        "responseElements": null,
        "requestID": call.request_id,
        "eventID": uuid::Uuid::new_v4().to_string(),
        "readOnly": call.read_only,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": session.account_id,
        "eventCategory": "Management",
    });
    if let Some((code, message)) = &call.error {
        record["errorCode"] = json!(code);
        record["errorMessage"] = json!(message);
    }
    record
}

/// A `ConsoleLogin` record (`AwsConsoleSignIn`): a federated sign-in to the console.
pub fn console_login_record(
    session: &RoleSession,
    destination: &str,
    source_ip: &str,
    user_agent: &str,
    at: DateTime<Utc>,
) -> Value {
    json!({
        "eventVersion": EVENT_VERSION,
        "userIdentity": session.user_identity(),
        "eventTime": iso(at),
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        // Federated console sign-ins are recorded in us-east-1.
        "awsRegion": "us-east-1",
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
        "requestParameters": null,
        "responseElements": { "ConsoleLogin": "Success" },
        "additionalEventData": {
            "LoginTo": destination,
            "MobileVersion": "No",
            "MFAUsed": "No",
        },
        "eventID": uuid::Uuid::new_v4().to_string(),
        "readOnly": false,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": true,
        "recipientAccountId": session.account_id,
        "eventCategory": "Management",
    })
}

/// A record in the trail.
#[derive(Debug, Clone)]
pub struct TrailEvent {
    pub event_time: DateTime<Utc>,
    /// When it lands in the log group.
    pub delivered_at: DateTime<Utc>,
    pub record: Value,
}

#[derive(Debug, Default)]
pub struct Trail {
    events: Vec<TrailEvent>,
}

impl Trail {
    pub fn record(&mut self, record: Value, at: DateTime<Utc>, delay: std::time::Duration) {
        let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        self.events.push(TrailEvent {
            event_time: at,
            delivered_at: at
                .checked_add_signed(delay)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            record,
        });
    }

    /// Everything recorded, delivered or not.
    pub fn all(&self) -> &[TrailEvent] {
        &self.events
    }

    /// What the log group holds at `now`.
    pub fn delivered(&self, now: DateTime<Utc>) -> impl Iterator<Item = &TrailEvent> {
        self.events.iter().filter(move |e| e.delivered_at <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_cloudtrail_field_names_and_arrive_late() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let session = RoleSession {
            account_id: "333333333333".into(),
            role_name: "AWSReservedSSO_ReadOnlyAccess_0123456789abcdef".into(),
            role_id: "AROAEXAMPLE1234567890".into(),
            user_name: "alice".into(),
            access_key_id: Some("ASIAEXAMPLE".into()),
            issued_at: at,
        };
        let call = ApiCall {
            event_source: "s3.amazonaws.com".into(),
            event_name: "ListBuckets".into(),
            aws_region: "eu-west-1".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            request_parameters: Value::Null,
            request_id: "r1".into(),
            read_only: true,
            error: None,
        };
        let record = api_call_record(&session, &call, at);
        assert_eq!(
            record["userIdentity"]["arn"],
            "arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_ReadOnlyAccess_0123456789abcdef/alice"
        );
        assert_eq!(
            record["userIdentity"]["principalId"],
            "AROAEXAMPLE1234567890:alice"
        );
        assert_eq!(record["eventTime"], "2027-01-15T08:00:00Z");
        assert_eq!(record["recipientAccountId"], "333333333333");
        assert!(record.get("errorCode").is_none());

        let mut trail = Trail::default();
        trail.record(record, at, std::time::Duration::from_secs(300));
        assert_eq!(trail.delivered(at).count(), 0);
        assert_eq!(
            trail.delivered(at + chrono::Duration::seconds(300)).count(),
            1
        );
    }
}
