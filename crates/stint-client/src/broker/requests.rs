//! The broker's endpoints, typed: who am I, eligibility, requests and what people do to
//! them, grants, explanations. What people send is checked against `stint_api::rules`
//! first (`checks`), so bad input is explained without a round trip; the broker checks again.

use reqwest::Method;
use stint_api::rules::TextField;
use stint_api::{
    AccessRequest, ApproverExplanation, CreateRequest, Decision, Eligibility, ExplainQuery,
    Explanation, ExtendRequest, Grant, GrantsQuery, ListRequestsQuery, Me, Page, routes,
};

use super::BrokerClient;
use super::checks::{check_create, check_text};
use crate::error::Result;

impl BrokerClient {
    pub async fn me(&self) -> Result<Me> {
        self.call(Method::GET, routes::ME, None, None).await
    }

    pub async fn eligibility(&self) -> Result<Eligibility> {
        self.call(Method::GET, routes::ELIGIBILITY, None, None)
            .await
    }

    /// One page of requests; see [`Self::all_requests`] for every page.
    pub async fn requests(&self, query: &ListRequestsQuery) -> Result<Page<AccessRequest>> {
        self.call(Method::GET, routes::REQUESTS, Some(query), None)
            .await
    }

    pub async fn all_requests(&self, query: &ListRequestsQuery) -> Result<Vec<AccessRequest>> {
        let mut query = query.clone();
        let mut items = Vec::new();
        loop {
            let page = self.requests(&query).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(cursor) if query.cursor.as_ref() != Some(&cursor) => {
                    query.cursor = Some(cursor)
                }
                _ => return Ok(items),
            }
        }
    }

    pub async fn request(&self, id: i64) -> Result<AccessRequest> {
        self.call(
            Method::GET,
            &routes::with_id(routes::REQUEST, id),
            None,
            None,
        )
        .await
    }

    /// Checked against `stint_api::rules` before it is sent, so bad input is explained
    /// without a round trip (the broker checks again).
    pub async fn create_request(&self, body: &CreateRequest) -> Result<AccessRequest> {
        check_create(body)?;
        self.call(Method::POST, routes::REQUESTS, None, Some(body))
            .await
    }

    pub async fn approve(&self, id: i64, decision: &Decision) -> Result<AccessRequest> {
        self.decide(routes::APPROVE, id, decision).await
    }

    pub async fn reject(&self, id: i64, decision: &Decision) -> Result<AccessRequest> {
        self.decide(routes::REJECT, id, decision).await
    }

    pub async fn cancel(&self, id: i64, decision: &Decision) -> Result<AccessRequest> {
        self.decide(routes::CANCEL, id, decision).await
    }

    pub async fn revoke(&self, id: i64, decision: &Decision) -> Result<AccessRequest> {
        self.decide(routes::REVOKE, id, decision).await
    }

    async fn decide(&self, route: &str, id: i64, decision: &Decision) -> Result<AccessRequest> {
        check_text(TextField::Comment, decision.comment.as_deref())?;
        self.call(
            Method::POST,
            &routes::with_id(route, id),
            None,
            Some(decision),
        )
        .await
    }

    pub async fn extend(&self, id: i64, body: &ExtendRequest) -> Result<AccessRequest> {
        check_text(TextField::Reason, body.reason.as_deref())?;
        self.call(
            Method::POST,
            &routes::with_id(routes::EXTEND, id),
            None,
            Some(body),
        )
        .await
    }

    pub async fn approvers(&self, id: i64) -> Result<ApproverExplanation> {
        self.call(
            Method::GET,
            &routes::with_id(routes::APPROVERS, id),
            None,
            None,
        )
        .await
    }

    /// The caller's active grants (every page).
    pub async fn grants(&self) -> Result<Vec<Grant>> {
        let mut query = GrantsQuery::default();
        let mut items = Vec::new();
        loop {
            let page: Page<Grant> = self
                .call(Method::GET, routes::GRANTS, Some(&query), None)
                .await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) if query.cursor.as_ref() != Some(&next) => query.cursor = Some(next),
                _ => return Ok(items),
            }
        }
    }

    pub async fn explain(&self, query: &ExplainQuery) -> Result<Explanation> {
        self.call(Method::GET, routes::EXPLAIN, Some(query), None)
            .await
    }
}
