//! Who is asking: the session cookie, the user it belongs to, and the origin checks that keep
//! other sites from acting with it.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use cookie::{Cookie, SameSite};
use data_farm_protocol::{User, SESSION_COOKIE};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::users;

/// The signed-in user of a request; extracting it answers 401 when there is none, and 429 when
/// the user exceeds the request rate.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user.
    pub user: User,
    /// Their session's id (the digest of the cookie's token).
    pub session_id: String,
}

/// The session token in the request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

/// A `Set-Cookie` value for a session token; `None` clears the cookie.
pub fn session_cookie(token: Option<&str>, max_age_secs: i64) -> String {
    let cookie = Cookie::build((SESSION_COOKIE, token.unwrap_or("").to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(if token.is_some() {
            max_age_secs
        } else {
            0
        }));
    cookie.build().to_string()
}

/// Whether the request's `Origin` (when it has one) is the server's own or an allowed one.
/// Requests without `Origin` come from non-browser clients, which cookies do not protect against anyway.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let own = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        });
    own || allowed.iter().any(|a| a == origin)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let (user, session_id) = state
            .db()
            .read(move |conn| users::session_user(conn, &token))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if !state.allow_request(&user.id) {
            return Err(ApiError::rate_limited());
        }
        Ok(CurrentUser { user, session_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn finds_the_session_among_other_cookies() {
        let h = headers(&[
            ("cookie", "theme=dark; df_session=abc123"),
            ("cookie", "x=1"),
        ]);
        assert_eq!(session_token(&h).as_deref(), Some("abc123"));
        assert_eq!(session_token(&headers(&[("cookie", "theme=dark")])), None);
    }

    #[test]
    fn session_cookie_is_http_only_and_strict() {
        let set = session_cookie(Some("tok"), 60);
        assert!(set.contains("df_session=tok"));
        assert!(set.contains("HttpOnly"));
        assert!(set.contains("SameSite=Strict"));
        assert!(session_cookie(None, 60).contains("Max-Age=0"));
    }

    #[test]
    fn same_origin_and_listed_origins_pass_others_do_not() {
        let allowed = vec!["http://localhost:9000".to_owned()];
        assert!(origin_allowed(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://localhost:9000")
            ]),
            &allowed
        ));
        assert!(!origin_allowed(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://evil.example")
            ]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[("host", "127.0.0.1:8080")]),
            &allowed
        ));
    }
}
