use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One header of the signed identity request, in the order the client sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SignedHeader {
    pub name: String,
    pub value: String,
}

/// `POST /v1/auth/aws`: a SigV4-signed `sts:GetCallerIdentity` request, made with the
/// caller's baseline-role credentials. The broker forwards it to STS; the credentials
/// themselves never leave the client.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AuthAwsRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<SignedHeader>,
    pub body: String,
}

impl std::fmt::Debug for AuthAwsRequest {
    // The signed headers include a session token; a log line must not carry it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthAwsRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|h| h.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// What the broker answers to a successful authentication.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct SessionGrant {
    /// Bearer token for every other endpoint. Secret.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub me: Me,
}

impl std::fmt::Debug for SessionGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionGrant")
            .field("token", &"***")
            .field("expires_at", &self.expires_at)
            .field("me", &self.me)
            .finish()
    }
}

/// The roles a person plays in Stint, derived from policy and group membership.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Persona {
    Requester,
    Approver,
    Auditor,
    Admin,
}

/// A person as Identity Center knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user: UserRef,
    pub email: Option<String>,
    /// Identity Center group names.
    pub groups: Vec<String>,
    pub personas: Vec<Persona>,
}

/// `GET /v1/auth/config` (public): how a client proves who it is to this broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AuthConfig {
    /// The value to sign into the `x-stint-broker` header.
    pub audience: String,
    /// The Identity Center access portal URL people sign in to.
    pub start_url: String,
    /// The region of the Identity Center instance (for sso and sso-oidc).
    pub sso_region: String,
    /// The account holding everyone's baseline permission set.
    pub baseline_account_id: String,
    /// The baseline permission set's name (the role name the portal lists).
    pub baseline_role_name: String,
}
