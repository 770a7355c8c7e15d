//! JSON request bodies whose every failure is an error envelope, and the `If-Match` header.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Like `axum::Json`, but bad bodies answer with the protocol's error envelope.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::unsupported_media_type(),
                JsonRejection::JsonDataError(err) => {
                    let mut invalid = ApiError::bad_request(err.body_text());
                    invalid.status = StatusCode::UNPROCESSABLE_ENTITY;
                    invalid
                }
                JsonRejection::JsonSyntaxError(err) => ApiError::bad_request(err.body_text()),
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::too_large(state.config().max_body_bytes)
                }
                other => ApiError::bad_request(other.body_text()),
            }),
        }
    }
}

/// The version named by `If-Match` (`3`, `"3"` or `W/"3"`), if any.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let bare = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    bare.parse::<u64>()
        .map(Some)
        .map_err(|_| ApiError::bad_request("If-Match must be an entity version, e.g. If-Match: 3"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::IF_MATCH,
            HeaderValue::from_static(value),
        );
        headers
    }

    #[test]
    fn accepts_bare_quoted_and_weak_versions() {
        assert_eq!(if_match(&with("3")).unwrap(), Some(3));
        assert_eq!(if_match(&with("\"4\"")).unwrap(), Some(4));
        assert_eq!(if_match(&with("W/\"5\"")).unwrap(), Some(5));
        assert_eq!(if_match(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn refuses_anything_else() {
        assert_eq!(
            if_match(&with("*")).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert!(if_match(&with("abc")).is_err());
    }
}
