//! axum's extractors, with their rejections turned into the API's `{code, message}` shape
//! instead of plain-text bodies.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::AppError;

/// A JSON body, which must be an object: serde alone would also read an array as a
/// struct's fields in order, a body the OpenAPI document does not allow.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(object) = axum::Json::<Map<String, Value>>::from_request(req, state).await?;
        from_object(object).map(Json)
    }
}

fn from_object<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, AppError> {
    serde_json::from_value(Value::Object(object)).map_err(|e| {
        AppError::invalid(format!(
            "the request body is not what this endpoint takes: {e}"
        ))
    })
}

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
        let object: Map<String, Value> = serde_json::from_slice(&body).map_err(|e| {
            AppError::invalid(format!(
                "the request body is not a JSON object, or not valid JSON: {e}"
            ))
        })?;
        from_object(object).map(OptionalJson)
    }
}
