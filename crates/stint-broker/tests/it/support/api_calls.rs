//! What tests do through an in-process API: HTTP calls as a user, access requests and the
//! actions on them, and what the simulator holds and was asked; the demo names and the
//! request history the lifecycle tests read.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stint_api::AccessRequest;

use super::api::{Api, eventually};

pub const PROD: &str = "prod";
pub const DEV: &str = "dev";
pub const POWER: &str = "PowerUserAccess";

pub fn kinds(r: &AccessRequest) -> Vec<String> {
    r.history
        .as_ref()
        .expect("a fetched request carries its history")
        .iter()
        .map(|h| h.kind.clone())
        .collect()
}

pub fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

impl Api {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the broker answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Asks for access; panics unless the broker records it.
    pub async fn request(
        &self,
        token: &str,
        account: &str,
        permission_set: &str,
        secs: u32,
    ) -> AccessRequest {
        self.request_with(
            token,
            json!({
                "account": account,
                "permissionSet": permission_set,
                "durationSecs": secs,
                "reason": "incident response",
            }),
        )
        .await
    }

    pub async fn request_with(&self, token: &str, body: Value) -> AccessRequest {
        let (status, body) = self.post(token, stint_api::routes::REQUESTS, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// One action on a request; panics unless it succeeds.
    pub async fn act(&self, token: &str, route: &str, id: i64, body: Value) -> AccessRequest {
        let (status, body) = self
            .post(token, &stint_api::routes::with_id(route, id), body)
            .await;
        assert_eq!(status, StatusCode::OK, "{route} {id}: {body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn fetch(&self, token: &str, id: i64) -> AccessRequest {
        let (status, body) = self
            .get(
                token,
                &stint_api::routes::with_id(stint_api::routes::REQUEST, id),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// Waits until the request, read through the API, is in `want`; fails at once if it
    /// reaches another final state.
    pub async fn wait_state(&self, token: &str, id: i64, want: stint_api::RequestState) {
        eventually(&format!("request {id} to be {want}"), || async {
            let got = self.fetch(token, id).await;
            assert!(
                got.state == want || !got.state.is_final(),
                "request {id} ended {}, expected {want}: {:?}",
                got.state,
                got.outcome
            );
            got.state == want
        })
        .await;
    }

    /// Whether the simulator holds a USER assignment of this tuple (its own state).
    pub fn holds(&self, user_id: &str, account_id: &str, permission_set_arn: &str) -> bool {
        self.sim.assignments().assignments.iter().any(|a| {
            a.principal_type == "USER"
                && a.principal_id == user_id
                && a.account_id == account_id
                && a.permission_set_arn == permission_set_arn
        })
    }

    pub fn holds_grant(&self, r: &AccessRequest) -> bool {
        self.holds(&r.requester.user_id, &r.account.id, &r.permission_set.arn)
    }

    /// Calls of `operation` for this request's tuple the simulator accepted.
    pub fn accepted(&self, operation: &str, r: &AccessRequest) -> usize {
        self.sim
            .calls_since(0)
            .calls
            .iter()
            .filter(|c| {
                c.operation == operation
                    && c.outcome == "ok"
                    && c.fields.get("principalId") == Some(&r.requester.user_id)
                    && c.fields.get("accountId") == Some(&r.account.id)
                    && c.fields.get("permissionSetArn") == Some(&r.permission_set.arn)
            })
            .count()
    }

    pub fn calls(&self, operation: &str) -> usize {
        self.sim
            .calls_since(0)
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }
}
