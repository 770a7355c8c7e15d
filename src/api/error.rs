use data_farm_protocol::{ErrorCode, ErrorEnvelope};

/// Everything that can go wrong talking to the backend, typed so that a UI can react to each
/// case (sign in again, show field messages, offer to reload a newer version, retry later).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 401: the session is missing or over.
    #[error("{message}")]
    Unauthorized {
        /// The server's explanation.
        message: String,
    },
    /// 403: not allowed.
    #[error("{message}")]
    Forbidden {
        /// The server's explanation.
        message: String,
    },
    /// 404: absent, or not visible to this user.
    #[error("{message}")]
    NotFound {
        /// The server's explanation.
        message: String,
    },
    /// 202 with a draft: the team's changes of this kind need approval, so the server saved
    /// the change as `draft` instead of making it. Nothing changed yet; the draft (a record
    /// of kind `draft`) takes it through review.
    #[error("{message}")]
    Drafted {
        /// What the client tells the user.
        message: String,
        /// The draft the change became: its id, and the whole draft on demand.
        draft: Box<super::DraftAnswer>,
    },
    /// 409: someone else changed it first (`current` holds their version), or the change
    /// clashes with existing state.
    #[error("{message}")]
    Conflict {
        /// The server's explanation.
        message: String,
        /// The entity as it is now, on a version conflict, as the server sent it: read it
        /// typed with [`conflict_current`](crate::store::conflict_current).
        current: Option<data_farm_protocol::JsonText>,
    },
    /// 400/415/422: the request was refused; `fields` says why per field.
    #[error("{message}")]
    Invalid {
        /// The server's explanation.
        message: String,
        /// Reasons per field name.
        fields: data_farm_protocol::StrMap<String>,
    },
    /// 413: the request was too large.
    #[error("{message}")]
    TooLarge {
        /// The server's explanation.
        message: String,
    },
    /// 429: too many requests; try again later.
    #[error("{message}")]
    RateLimited {
        /// The server's explanation.
        message: String,
    },
    /// 5xx or an error code this client does not know.
    #[error("server error ({status}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's explanation.
        message: String,
    },
    /// The request did not complete: offline, server unreachable, connection dropped.
    #[error("network error: {0}")]
    Network(String),
    /// No complete answer within the client's timeout
    /// ([`ApiClient::timeout`](crate::api::ApiClient::timeout)); the request was aborted.
    #[error("the server did not answer within {after_ms} ms")]
    Timeout {
        /// The timeout that passed.
        after_ms: u32,
    },
    /// The answer was not what the protocol promises.
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ApiError {
    /// Builds the error for a non-success `status` and its body text.
    ///
    /// ```
    /// use data_farm::api::ApiError;
    /// let body = r#"{"error":{"code":"invalid","message":"see fields","fields":{"name":"is required"}}}"#;
    /// match ApiError::from_response(422, body) {
    ///     ApiError::Invalid { fields, .. } => assert_eq!(fields["name"], "is required"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn from_response(status: u16, body: &str) -> Self {
        let Ok(envelope) = serde_json::from_str::<ErrorEnvelope>(body) else {
            return ApiError::Server {
                status,
                message: format!("HTTP {status} without an error envelope"),
            };
        };
        let message = envelope.error.message;
        match envelope.error.code {
            ErrorCode::Unauthorized => ApiError::Unauthorized { message },
            ErrorCode::Forbidden => ApiError::Forbidden { message },
            ErrorCode::NotFound => ApiError::NotFound { message },
            ErrorCode::Conflict => ApiError::Conflict {
                message,
                current: envelope.current,
            },
            ErrorCode::Invalid => ApiError::Invalid {
                message,
                fields: envelope.error.fields,
            },
            ErrorCode::TooLarge => ApiError::TooLarge { message },
            ErrorCode::RateLimited => ApiError::RateLimited { message },
            ErrorCode::Internal | ErrorCode::Unknown => ApiError::Server { status, message },
        }
    }

    /// Whether trying again later may succeed (network trouble, rate limits, server errors).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Network(_)
                | ApiError::Timeout { .. }
                | ApiError::RateLimited { .. }
                | ApiError::Server { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_carries_the_current_entity() {
        let body =
            r#"{"error":{"code":"conflict","message":"changed"},"current":{"id":"a","version":3}}"#;
        let ApiError::Conflict { current, .. } = ApiError::from_response(409, body) else {
            panic!()
        };
        assert_eq!(current.unwrap().get(), r#"{"id":"a","version":3}"#);
    }

    #[test]
    fn a_body_that_is_not_an_envelope_is_a_server_error() {
        let err = ApiError::from_response(502, "<html>Bad Gateway</html>");
        assert_eq!(
            err,
            ApiError::Server {
                status: 502,
                message: "HTTP 502 without an error envelope".into()
            }
        );
        assert!(err.is_transient());
    }

    #[test]
    fn each_code_maps_to_its_variant() {
        let make = |code: &str| format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        assert!(matches!(
            ApiError::from_response(401, &make("unauthorized")),
            ApiError::Unauthorized { .. }
        ));
        assert!(matches!(
            ApiError::from_response(403, &make("forbidden")),
            ApiError::Forbidden { .. }
        ));
        assert!(matches!(
            ApiError::from_response(404, &make("not_found")),
            ApiError::NotFound { .. }
        ));
        assert!(matches!(
            ApiError::from_response(413, &make("too_large")),
            ApiError::TooLarge { .. }
        ));
        assert!(matches!(
            ApiError::from_response(429, &make("rate_limited")),
            ApiError::RateLimited { .. }
        ));
        assert!(matches!(
            ApiError::from_response(500, &make("internal")),
            ApiError::Server { status: 500, .. }
        ));
        assert!(matches!(
            ApiError::from_response(418, &make("teapot")),
            ApiError::Server { status: 418, .. }
        ));
        assert!(!ApiError::from_response(404, &make("not_found")).is_transient());
    }
}
