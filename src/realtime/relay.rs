//! What one tab's subscriber tells the other tabs of the browser, and how a tab that does not
//! hold the connection applies it.
//!
//! The leader tab (see [`crate::tabs`]) runs the one connection; every batch it applies, every
//! team it refetches or forgets, and its connection state go out as [`Relayed`] messages.
//! A follower applies them to its own stores through the same version-guarded merge as a
//! received event, so a relay that arrives late or twice changes nothing.

use data_farm_protocol::{ChangeOp, EventMessage};
use serde::{Deserialize, Serialize};

use super::status::{ConnectionState, Counters};
use crate::farm::DataFarm;
use crate::store::Applied;

/// One message from the leader tab's subscriber.
#[derive(Debug, Clone, Serialize, Deserialize)]
// Externally tagged: an internally tagged enum buffers its content, and a buffered event
// cannot hand its `data` over undecoded.
#[serde(rename_all = "snake_case")]
pub(crate) enum Relayed {
    /// Events the leader applied, in the order it applied them.
    Events {
        /// The events.
        events: Vec<EventMessage>,
    },
    /// The leader refetched what its stores hold of a team (`resync`, a first subscription).
    RefetchTeam {
        /// The team.
        team: String,
    },
    /// The user lost a team: forget everything of it.
    Purge {
        /// The team.
        team: String,
    },
    /// The user joined a team (the membership event, with the team's record).
    Joined {
        /// The event.
        event: EventMessage,
    },
    /// The leader reconnected: observed queries that went stale meanwhile refetch.
    Revalidate,
    /// The leader's connection now, with the positions every applied event reached.
    State {
        /// The connection state.
        state: ConnectionState,
        /// What its dispatcher has done.
        counters: Counters,
        /// `topic -> seq` of the last event applied (and relayed) per topic.
        positions: data_farm_protocol::Positions,
    },
}

/// What applying a batch did: (applied, stale, malformed).
pub(crate) type Outcomes = (u64, u64, u64);

/// Applies `events` to `farm`'s stores: one batch per kind, in arrival order within a kind.
/// `relayed`: the leader tab applied them first and relayed them here.
pub(crate) fn apply_events(farm: &DataFarm, events: &[EventMessage], relayed: bool) -> Outcomes {
    // A batch holds a few kinds: a vector, in the order they first came, is all it takes.
    let mut by_kind: Vec<(&str, Vec<&EventMessage>)> = Vec::new();
    for event in events {
        let kind = event.kind.as_str();
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, batch)) => batch.push(event),
            None => by_kind.push((kind, vec![event])),
        }
    }
    let (mut applied, mut stale, mut malformed) = (0, 0, 0);
    for (kind, batch) in by_kind {
        let Some(store) = farm.core_of_kind(kind) else {
            malformed += batch.len() as u64; // a kind this app does not register
            continue;
        };
        let items: Vec<_> = batch
            .iter()
            .map(|e| (e.op, e.id.as_str(), e.version, e.data.as_deref()))
            .collect();
        let outcomes = store.apply_events(&items);
        #[cfg(feature = "devtools")]
        for (event, outcome) in batch.iter().zip(&outcomes) {
            if matches!(outcome, Applied::Applied) {
                let source = crate::store::Source::Event {
                    seq: Some(event.seq),
                    relayed,
                };
                store.note_source(&event.id, event.version, source);
            }
        }
        #[cfg(not(feature = "devtools"))]
        let _ = relayed;
        for outcome in outcomes {
            match outcome {
                Applied::Applied | Applied::Refetching | Applied::Unseen => applied += 1,
                Applied::Stale => stale += 1,
                Applied::Malformed => malformed += 1,
            }
        }
    }
    (applied, stale, malformed)
}

/// A membership event: the team it carries goes into the team store.
pub(crate) fn apply_joined(farm: &DataFarm, event: &EventMessage) {
    let Some(team) = event.data.as_deref().and_then(super::core::joined_team) else {
        return;
    };
    if let Some(store) = farm.core_of_kind("team") {
        store.apply_event(ChangeOp::Created, &team.id, team.version, Some(team.record));
    }
}

/// Applies what the leader relayed to a follower's stores. [`Relayed::State`] is the
/// coordinator's to show; it changes no store.
#[cfg_attr(not(feature = "tabs"), allow(dead_code))]
pub(crate) fn apply(farm: &DataFarm, relayed: &Relayed) {
    match relayed {
        Relayed::Events { events } => {
            apply_events(farm, events, true);
        }
        Relayed::RefetchTeam { team } => farm.invalidate_team(team),
        Relayed::Purge { team } => farm.purge_team(team),
        Relayed::Joined { event } => apply_joined(farm, event),
        Relayed::Revalidate => farm.revalidate_observed(),
        Relayed::State { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::farm::DataFarmConfig;
    use crate::protocol::Team;

    fn team(id: &str, name: &str, version: u64) -> Team {
        Team {
            id: id.into(),
            version,
            updated_at: "2026-01-01T00:00:00Z".into(),
            name: name.into(),
            description: String::new(),
        }
    }

    fn event(seq: u64, team: &Team) -> EventMessage {
        EventMessage {
            topic: format!("team:{}", team.id),
            seq,
            kind: "team".into(),
            op: ChangeOp::Updated,
            id: team.id.clone(),
            version: team.version,
            data: serde_json::value::to_raw_value(team).ok(),
        }
    }

    #[test]
    fn a_relay_survives_its_wire_form_and_applies_once() {
        let farm = DataFarmConfig::new("").register::<Team>().build();
        let teams = farm.store::<Team>().unwrap();
        teams.put_list(
            &crate::query::ListQuery::new(),
            data_farm_protocol::ListResponse::new(vec![team("t1", "Acme", 1)], 1),
        );
        let relayed = Relayed::Events {
            events: vec![event(4, &team("t1", "Acme 2", 2))],
        };
        let wire = serde_json::to_string(&relayed).unwrap();
        let back: Relayed = serde_json::from_str(&wire).unwrap();
        apply(&farm, &back);
        assert_eq!(teams.peek("t1").unwrap().name, "Acme 2");
        #[cfg(feature = "devtools")]
        {
            let record = teams.inspect().records.into_iter().find(|r| r.id == "t1");
            assert_eq!(
                record.map(|r| r.source.0),
                Some(crate::store::Source::Event {
                    seq: Some(4),
                    relayed: true
                }),
                "the panel tells the event's seq and that the leader relayed it"
            );
        }

        // A late duplicate of an older relay changes nothing.
        let older = Relayed::Events {
            events: vec![event(3, &team("t1", "Acme", 1))],
        };
        apply(&farm, &older);
        apply(&farm, &back);
        assert_eq!(teams.peek("t1").unwrap().version, 2);
        assert_eq!(
            apply_events(&farm, &[event(3, &team("t1", "Acme", 1))], false),
            (0, 1, 0),
            "an older version is counted stale"
        );
    }

    #[test]
    fn the_state_relay_keeps_its_shape() {
        let relayed = Relayed::State {
            state: ConnectionState::Reconnecting {
                attempt: 2,
                next_retry_at: 10.0,
            },
            counters: Counters::default(),
            positions: [("team:t1".to_string(), 7)].into_iter().collect(),
        };
        let wire = serde_json::to_string(&relayed).unwrap();
        assert!(wire.starts_with(r#"{"state":"#), "{wire}");
        match serde_json::from_str::<Relayed>(&wire).unwrap() {
            Relayed::State {
                state, positions, ..
            } => {
                assert_eq!(state.label(), "reconnecting");
                assert_eq!(positions.get("team:t1"), Some(&7));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_membership_puts_the_joined_team_into_the_team_store() {
        let farm = DataFarmConfig::new("").register::<Team>().build();
        let teams = farm.store::<Team>().unwrap();
        let joined = data_farm_protocol::MembershipData {
            user_id: "u1".into(),
            team: team("t9", "New team", 3),
        };
        let mut membership = EventMessage {
            topic: "user:u1".into(),
            seq: 1,
            kind: "membership".into(),
            op: ChangeOp::Created,
            id: "m1".into(),
            version: 1,
            data: serde_json::value::to_raw_value(&joined).ok(),
        };
        apply_joined(&farm, &membership);
        let held = teams.peek("t9").expect("the joined team is held");
        assert_eq!((held.name.as_str(), held.version), ("New team", 3));

        // A team record without a version is not applied.
        membership.data = serde_json::value::to_raw_value(
            &serde_json::json!({"user_id": "u1", "team": {"id": "t8", "name": "No version"}}),
        )
        .ok();
        apply_joined(&farm, &membership);
        assert!(teams.peek("t8").is_none());
    }
}
