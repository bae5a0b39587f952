//! axum's extractors, with their rejections turned into the API's `{code, message}` shape
//! instead of plain-text bodies.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;

use super::error::AppError;

#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::new(
                stint_api::ErrorCode::TooLarge,
                format!("the request body is too large: {}", r.body_text()),
            );
        }
        AppError::invalid(format!(
            "the request body is not what this endpoint takes: {}",
            r.body_text()
        ))
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::invalid(format!(
            "the query string is not what this endpoint takes: {}",
            r.body_text()
        ))
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::invalid(format!(
            "the path is not what this endpoint takes (request ids are whole numbers): {}",
            r.body_text()
        ))
    }
}

/// A JSON body that may be left out, for actions whose body only carries an optional
/// comment (`curl -X POST .../cancel` works without `-d '{}'`).
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::invalid(format!("cannot read the request body: {e}")))?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_slice(&body)
            .map(OptionalJson)
            .map_err(|e| {
                AppError::invalid(format!(
                    "the request body is not valid JSON for this endpoint: {e}"
                ))
            })
    }
}
