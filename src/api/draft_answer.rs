//! The draft a change became, as the server answered it ([`ApiError::Drafted`]).

use data_farm_protocol::Draft;

use super::ApiError;

/// The draft a change became (a 202 naming one): its id at once, the whole [`Draft`] when
/// asked for.
///
/// The draft is decoded on demand ([`DraftAnswer::decode`]) rather than with every answer: an
/// app that never looks past the id does not carry the `Draft` decoder, about 13 KB of wasm
/// (4 KB gzip) that every app with a store used to link. The drafts themselves are records of
/// the `draft` kind; an app that registers it follows them live.
///
/// ```
/// use data_farm::api::DraftAnswer;
///
/// let answer = DraftAnswer::from_json(r#"{"id":"draft_3","version":1}"#.to_owned()).unwrap();
/// assert_eq!(answer.id, "draft_3");
/// // Not a whole draft: decoding it says so, typed.
/// assert!(answer.decode().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftAnswer {
    /// The draft's id (`draft_3`).
    pub id: String,
    /// The server's answer, a [`Draft`] as JSON.
    json: String,
}

impl DraftAnswer {
    /// The answer `json` of a change that became a draft; only its `id` is read now.
    pub fn from_json(json: String) -> Result<Self, ApiError> {
        #[derive(serde::Deserialize)]
        struct Head {
            id: String,
        }
        let head: Head = super::client::decode(&json)?;
        Ok(DraftAnswer { id: head.id, json })
    }

    /// The whole draft: its kind, team, operation, the change it holds, its review so far.
    pub fn decode(&self) -> Result<Draft, ApiError> {
        super::client::decode(&self.json)
    }

    /// The answer as the server sent it.
    pub fn json(&self) -> &str {
        &self.json
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_farm_protocol::{DraftOperation, DraftStatus};

    fn draft() -> Draft {
        Draft {
            id: "draft_7".into(),
            version: 2,
            updated_at: "2026-12-06T00:00:00Z".into(),
            team_id: "team_1".into(),
            kind: "device".into(),
            entity_id: Some("dev_1".into()),
            operation: DraftOperation::Update,
            status: DraftStatus::UnderReview,
            body: serde_json::json!({"name": "pump-9"}),
            base_version: Some(4),
            author_id: "user_2".into(),
            name: "pump-9".into(),
            comments: Vec::new(),
        }
    }

    #[test]
    fn the_id_is_read_at_once_and_the_whole_draft_on_demand() {
        let json = serde_json::to_string(&draft()).unwrap();
        let answer = DraftAnswer::from_json(json.clone()).unwrap();
        assert_eq!(answer.id, "draft_7");
        assert_eq!(answer.json(), json);
        assert_eq!(answer.decode().unwrap(), draft());
    }

    #[test]
    fn an_answer_without_an_id_is_a_decode_error() {
        for json in ["{}", "not json", r#"{"id": 7}"#] {
            assert!(
                matches!(
                    DraftAnswer::from_json(json.into()),
                    Err(ApiError::Decode(_))
                ),
                "{json}"
            );
        }
    }
}
