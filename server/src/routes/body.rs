//! JSON request bodies whose every failure is an error envelope, and the `If-Match` header.
//!
//! A body of the wrong shape is 422 `invalid` with `fields` naming each field and saying, in
//! this server's words, what is wrong with it (`"name": "is required"`, `"status": "must be
//! a string"`, `"owner": "is not a known field"`), so a form can show it beside the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;
use crate::state::AppState;

/// Like `axum::Json`, but bad bodies answer with the protocol's error envelope.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(state.config().max_body_bytes)
            } else {
                ApiError::bad_request(rejection.body_text())
            }
        })?;
        decode(&bytes).map(Body)
    }
}

/// `Content-Type: application/json` (parameters allowed), or a `+json` type.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a body: 400 when it is not JSON, 422 with `fields` when it is JSON of the wrong shape.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut reader).map_err(|err| {
        let path = err.path().to_string();
        shape_error(&path, err.inner())
    })?;
    reader.end().map_err(|err| shape_error(".", &err))?;
    Ok(value)
}

fn shape_error(path: &str, err: &serde_json::Error) -> ApiError {
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(format!(
            "the body is not valid JSON (line {}, column {})",
            err.line(),
            err.column()
        )),
        Category::Data => {
            let (field, why) = field_problem(path, &err.to_string());
            if field.starts_with('[') {
                // A struct read from an array: the body is not an object at all.
                let mut invalid = ApiError::bad_request("the body must be a JSON object");
                invalid.status = StatusCode::UNPROCESSABLE_ENTITY;
                invalid
            } else if field == "." {
                let mut invalid = ApiError::bad_request(format!("the body {why}"));
                invalid.status = StatusCode::UNPROCESSABLE_ENTITY;
                invalid
            } else {
                ApiError::invalid_field(&field, why)
            }
        }
    }
}

/// The field a data error is about and what is wrong, in this server's words.
fn field_problem(path: &str, message: &str) -> (String, String) {
    // serde_json appends " at line L column C"; the field says where.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message, |(text, _)| text);
    let join = |name: &str| {
        if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = |text: &str| text.split('`').nth(1).unwrap_or("").to_owned();
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (join(&quoted(rest)), "is required".into());
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // The path already ends at the unknown field.
        let name = quoted(rest);
        let field = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            join(&name)
        };
        return (field, "is not a known field".into());
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
        return (
            path.to_owned(),
            format!("must be {}", expected.replace('`', "\"")),
        );
    }
    if message.starts_with("invalid type: ") || message.starts_with("invalid value: ") {
        let expected = message
            .split_once(", expected ")
            .map_or("valid", |(_, e)| e);
        let expected = if expected.starts_with("struct ") || expected.starts_with("a map") {
            "a JSON object"
        } else {
            expected
        };
        return (path.to_owned(), format!("must be {expected}"));
    }
    (path.to_owned(), "is not valid".into())
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

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        name: String,
        tags: Option<Vec<u32>>,
        kind: Option<Kind>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Team,
        Application,
    }

    fn fields(body: &str) -> Vec<(String, String)> {
        let err = decode::<Shape>(body.as_bytes()).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
        err.body.fields.into_iter().collect()
    }

    #[test]
    fn each_shape_problem_names_its_field_in_plain_words() {
        assert_eq!(fields("{}"), [("name".into(), "is required".into())]);
        assert_eq!(
            fields(r#"{"name": 5}"#),
            [("name".into(), "must be a string".into())]
        );
        assert_eq!(
            fields(r#"{"name": "x", "owner": "me"}"#),
            [("owner".into(), "is not a known field".into())]
        );
        assert_eq!(
            fields(r#"{"name": "x", "tags": [1, "two"]}"#),
            [("tags[1]".into(), "must be u32".into())]
        );
        assert_eq!(
            fields(r#"{"name": "x", "kind": "robot"}"#),
            [("kind".into(), "must be \"team\" or \"application\"".into())]
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_or_not_json_says_so() {
        let err = decode::<Shape>(b"[1, 2]").unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.body.message, "the body must be a JSON object");
        let err = decode::<Shape>(b"{nope").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(err.body.message.starts_with("the body is not valid JSON"));
        let err = decode::<Shape>(br#"{"name": "x"} trailing"#).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(decode::<Shape>(br#"{"name": "x"}"#).is_ok());
    }

    use proptest::prelude::Strategy;

    proptest::proptest! {
        /// Every request body the server reads decodes or is refused with an envelope,
        /// whatever the bytes (a longer run: scripts/fuzz-decoders.sh).
        #[test]
        fn any_body_decodes_or_is_refused_never_panics(
            body in proptest::prop_oneof![
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..96),
                "\\{(\"[a-z_]{0,8}\": ?(\"[^\"]{0,8}\"|[0-9]{1,3}|null|true|\\[\\]|\\{\\}), ?){0,4}\\}"
                    .prop_map(String::into_bytes),
            ]
        ) {
            use data_farm_protocol::*;
            for err in [
                decode::<CreateTeam>(&body).err(),
                decode::<CreateApplication>(&body).err(),
                decode::<CreateInstance>(&body).err(),
                decode::<CreateDevice>(&body).err(),
                decode::<PatchNamed>(&body).err(),
                decode::<PatchInstance>(&body).err(),
                decode::<PatchDevice>(&body).err(),
                decode::<LoginRequest>(&body).err(),
            ]
            .into_iter()
            .flatten()
            {
                proptest::prop_assert!(
                    err.status == StatusCode::BAD_REQUEST
                        || err.status == StatusCode::UNPROCESSABLE_ENTITY
                );
                proptest::prop_assert!(!err.body.message.is_empty());
            }
        }
    }

    #[test]
    fn json_content_types_are_recognised() {
        let with = |v: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!is_json(&HeaderMap::new()));
    }

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
