use data_farm_protocol::ChangeOp;

use super::Change;
use crate::query::ListQuery;

/// Which queries of the target kind a rule marks stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every list and detail of the kind.
    All,
    /// Lists filtered to the changed entity's team, and details of entities of that team.
    SameTeam,
}

/// "When a change like this happens, these queries are stale."
///
/// ```
/// use data_farm::change::{Change, ChangeOp, InvalidationRule, Origin, Scope};
/// let rule = InvalidationRule::when("device")
///     .ops(&[ChangeOp::Created, ChangeOp::Deleted])
///     .invalidate("team", Scope::SameTeam);
/// let created = Change {
///     kind: "device", op: ChangeOp::Created, id: "dev_9".into(),
///     team_id: Some("team_1".into()), origin: Origin::Remote,
/// };
/// assert!(rule.matches(&created));
/// assert!(!rule.matches(&Change { op: ChangeOp::Updated, ..created }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidationRule {
    kind: String,
    ops: Option<Vec<ChangeOp>>,
    id: Option<String>,
    /// The kind whose queries become stale.
    pub target: String,
    /// Which of them.
    pub scope: Scope,
}

impl InvalidationRule {
    /// A rule for changes of `kind` (any op, any id until narrowed).
    pub fn when(kind: &str) -> Self {
        InvalidationRule {
            kind: kind.to_owned(),
            ops: None,
            id: None,
            target: String::new(),
            scope: Scope::All,
        }
    }

    /// Only these ops.
    pub fn ops(mut self, ops: &[ChangeOp]) -> Self {
        self.ops = Some(ops.to_vec());
        self
    }

    /// Only this entity.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// Marks `scope` queries of `target` stale when the rule matches.
    pub fn invalidate(mut self, target: &str, scope: Scope) -> Self {
        self.target = target.to_owned();
        self.scope = scope;
        self
    }

    /// Whether `change` triggers this rule.
    pub fn matches(&self, change: &Change) -> bool {
        self.kind == change.kind
            && self.ops.as_ref().is_none_or(|ops| ops.contains(&change.op))
            && self.id.as_ref().is_none_or(|id| *id == change.id)
    }

    /// Whether a list of the target kind is in scope for `change`.
    pub fn covers_list(&self, change: &Change, query: &ListQuery) -> bool {
        match self.scope {
            Scope::All => true,
            Scope::SameTeam => match (&change.team_id, &query.team) {
                (Some(changed), Some(listed)) => changed == listed,
                // A list across teams includes the changed team's entities.
                (_, None) => true,
                (None, Some(_)) => true,
            },
        }
    }

    /// Whether a detail of the target kind, owned by `team`, is in scope for `change`.
    pub fn covers_detail(&self, change: &Change, team: Option<&str>) -> bool {
        match self.scope {
            Scope::All => true,
            Scope::SameTeam => change
                .team_id
                .as_deref()
                .is_none_or(|changed| team.is_none_or(|t| t == changed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Origin;

    fn change(kind: &'static str, op: ChangeOp, team: &str) -> Change {
        Change {
            kind,
            op,
            id: "x".into(),
            team_id: Some(team.into()),
            origin: Origin::Local,
        }
    }

    #[test]
    fn matches_kind_op_and_id() {
        let rule = InvalidationRule::when("device")
            .id("x")
            .invalidate("team", Scope::All);
        assert!(rule.matches(&change("device", ChangeOp::Status, "t1")));
        assert!(!rule.matches(&change("instance", ChangeOp::Status, "t1")));
        assert!(!rule.matches(&Change {
            id: "y".into(),
            ..change("device", ChangeOp::Status, "t1")
        }));
    }

    #[test]
    fn same_team_scope_spares_other_teams() {
        let rule = InvalidationRule::when("device").invalidate("application", Scope::SameTeam);
        let c = change("device", ChangeOp::Created, "t1");
        assert!(rule.covers_list(&c, &ListQuery::new().team("t1")));
        assert!(!rule.covers_list(&c, &ListQuery::new().team("t2")));
        assert!(rule.covers_list(&c, &ListQuery::new()));
        assert!(rule.covers_detail(&c, Some("t1")));
        assert!(!rule.covers_detail(&c, Some("t2")));
    }
}
