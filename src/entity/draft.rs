//! Drafts as a kind: proposed changes waiting for approval, each a record of its own (never the
//! entity it changes), listed and kept live like any other kind.

use data_farm_protocol::{Draft, DraftEdit};

use super::{Entity, FieldValue, ReadOnly};

/// Drafts are made by the server when a change needs approval (the change answers
/// [`ApiError::Drafted`](crate::api::ApiError::Drafted)); their patch is the author's new
/// proposal, and their review steps are actions (`POST /drafts/{id}/submit`, …) through
/// [`EntityStore::action`](crate::store::EntityStore::action).
impl Entity for Draft {
    const KIND: &'static str = "draft";
    const PLURAL: &'static str = "drafts";
    type Create = ReadOnly;
    type Patch = DraftEdit;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    /// The changed entity's name after the change.
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            "status" => Some(FieldValue::Text(self.status.as_str())),
            "kind" => Some(FieldValue::Text(&self.kind)),
            "operation" => Some(FieldValue::Text(self.operation.as_str())),
            "entity_id" => self.entity_id.as_deref().map(FieldValue::Text),
            "author_id" => Some(FieldValue::Text(&self.author_id)),
            // Ids grow with time, close enough to creation order.
            "created_at" => Some(FieldValue::Number(
                self.id
                    .rsplit('_')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            )),
            _ => None,
        }
    }
    fn patched(&self, patch: &DraftEdit) -> Self {
        Draft {
            body: patch.body.clone(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{DraftOperation, DraftStatus};

    use super::*;
    use crate::query::ListQuery;

    fn draft(id: &str, status: DraftStatus, entity: Option<&str>) -> Draft {
        Draft {
            id: id.into(),
            version: 1,
            updated_at: "2026-12-01T10:00:00.000000Z".into(),
            team_id: "team_1".into(),
            kind: "device".into(),
            entity_id: entity.map(str::to_owned),
            operation: DraftOperation::Update,
            status,
            body: serde_json::json!({"name": "x"}),
            base_version: Some(1),
            author_id: "user_2".into(),
            name: "x".into(),
            comments: Vec::new(),
        }
    }

    #[test]
    fn lists_of_drafts_filter_by_status_and_entity_like_the_server() {
        let open = draft("draft_1", DraftStatus::UnderReview, Some("dev_1"));
        let done = draft("draft_2", DraftStatus::Effective, Some("dev_1"));
        let create = draft("draft_3", DraftStatus::Draft, None);
        let review = ListQuery::new()
            .team("team_1")
            .filter("status", "under_review");
        assert!(review.matches(&open) && !review.matches(&done));
        let of_device = ListQuery::new().base("entity_id", "dev_1");
        assert!(of_device.matches(&open) && of_device.matches(&done));
        assert!(!of_device.matches(&create), "a create has no entity yet");
        assert!(!open.can_edit("user_2"), "submitted");
        assert!(create.can_edit("user_2") && !create.can_edit("user_1"));
    }
}
