//! The offline outbox: mutations made while the server could not be reached, kept in order
//! (and persisted) until they are replayed, resolved or discarded by the user.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::port::{rewrite_strings, OutboxOp, ReplayItem};

/// What the store needs to send an item again: the mutation, as plain data.
impl From<&OutboxItem> for ReplayItem {
    fn from(item: &OutboxItem) -> Self {
        ReplayItem {
            op: item.op,
            id: item.id.clone(),
            body: item.body.clone(),
            base_version: item.base_version,
        }
    }
}

/// Where an item is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemState {
    /// Waiting to be sent.
    Pending,
    /// Being sent now.
    Syncing,
    /// The server holds a newer version: the user chooses (see [`Resolution`]).
    Conflict {
        /// The server's current entity.
        theirs: Value,
    },
    /// Refused for another reason; kept until the user retries or discards it.
    Failed {
        /// The reason, for display.
        error: String,
    },
}

/// One queued mutation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    /// Position in the queue (also its storage key).
    pub seq: u64,
    /// The entity kind (`"device"`).
    pub kind: String,
    /// What it does.
    pub op: OutboxOp,
    /// The entity's id (temporary for a create not yet sent).
    pub id: String,
    /// The request body: the create body or the patch (`null` for a delete).
    pub body: Value,
    /// The version the change was based on (`If-Match`).
    pub base_version: Option<u64>,
    /// When it was queued (ms since the epoch).
    pub queued_at: f64,
    /// How many times it was sent.
    pub attempts: u32,
    /// Where it is.
    #[serde(flatten)]
    pub state: ItemState,
}

const STATES: [&str; 4] = ["pending", "syncing", "conflict", "failed"];

/// An item as it is stored: its fields and its state's side by side (the derived serializer
/// flattens the state into the item).
#[derive(Deserialize)]
struct StoredItem {
    seq: u64,
    kind: String,
    op: OutboxOp,
    id: String,
    body: Value,
    base_version: Option<u64>,
    queued_at: f64,
    attempts: u32,
    state: String,
    // Present (`null` included) or absent: a conflict's `theirs` may be `null`.
    #[serde(default, deserialize_with = "present")]
    theirs: Option<Value>,
    error: Option<String>,
}

fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl ItemState {
    /// A short label: the state's name as stored (`"pending"`, `"syncing"`, `"conflict"`,
    /// `"failed"`).
    pub fn label(&self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Syncing => "syncing",
            ItemState::Conflict { .. } => "conflict",
            ItemState::Failed { .. } => "failed",
        }
    }

    /// The state named `state`, with the fields of its kind.
    fn from_parts<E: serde::de::Error>(
        state: &str,
        theirs: Option<Value>,
        error: Option<String>,
    ) -> Result<Self, E> {
        Ok(match state {
            "pending" => ItemState::Pending,
            "syncing" => ItemState::Syncing,
            "conflict" => ItemState::Conflict {
                theirs: theirs.ok_or_else(|| E::missing_field("theirs"))?,
            },
            "failed" => ItemState::Failed {
                error: error.ok_or_else(|| E::missing_field("error"))?,
            },
            other => return Err(E::unknown_variant(other, &STATES)),
        })
    }
}

// Items and states read through flat views of the stored object: serde's `flatten` and
// internally tagged enums first buffer the whole value in a generic tree (with their
// visitors, about 7 KB of wasm in an app with persistence). The same shapes as the derived
// serializers write, the same errors.

impl<'de> Deserialize<'de> for ItemState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct StoredState {
            state: String,
            #[serde(default, deserialize_with = "present")]
            theirs: Option<Value>,
            error: Option<String>,
        }
        let stored = StoredState::deserialize(deserializer)?;
        ItemState::from_parts(&stored.state, stored.theirs, stored.error)
    }
}

impl<'de> Deserialize<'de> for OutboxItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredItem::deserialize(deserializer)?;
        Ok(OutboxItem {
            state: ItemState::from_parts(&stored.state, stored.theirs, stored.error)?,
            seq: stored.seq,
            kind: stored.kind,
            op: stored.op,
            id: stored.id,
            body: stored.body,
            base_version: stored.base_version,
            queued_at: stored.queued_at,
            attempts: stored.attempts,
        })
    }
}

/// How the user settles a conflict.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Send my change again, over the server's current version.
    KeepMine,
    /// Drop my change; the server's version stands.
    TakeTheirs,
    /// Send this body (the fields the user kept from each side) over the current version.
    Merge(Value),
}

/// Whether `needle` is one of the strings in `value`.
pub(crate) fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s == needle,
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

/// The queue itself: pure bookkeeping, no I/O.
///
/// ```
/// use data_farm::persist::{Outbox, OutboxOp};
/// use serde_json::json;
/// let mut outbox = Outbox::default();
/// let create = outbox.push("team", OutboxOp::Create, "tmp-1", json!({"name": "Acme"}), None, 0.0).unwrap();
/// let rename = outbox.push("team", OutboxOp::Update, "tmp-1", json!({"name": "Acme 2"}), None, 0.0).unwrap();
/// // The update waits for the create, then goes to the id the server assigned.
/// assert_eq!(outbox.next_ready().map(|i| i.seq), Some(create));
/// outbox.remove(create);
/// outbox.map_temp_id("tmp-1", "team_9");
/// assert_eq!(outbox.get(rename).unwrap().id, "team_9");
/// ```
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outbox {
    items: Vec<OutboxItem>,
    next_seq: u64,
    /// This page's random low bits of new seqs (see [`Outbox::set_nonce`]).
    nonce: u64,
}

impl Outbox {
    /// An outbox holding `items` (read back from storage), in queue order.
    pub fn restore(mut items: Vec<OutboxItem>) -> Self {
        crate::sort::sort_by(&mut items, |a, b| a.seq.cmp(&b.seq));
        for item in &mut items {
            // An item being sent when the page went away may or may not have arrived; sending
            // it again is safe: `If-Match` makes a repeated update a conflict, never a double.
            if item.state == ItemState::Syncing {
                item.state = ItemState::Pending;
            }
        }
        let next_seq = items.last().map_or(0, |i| i.seq);
        Outbox {
            items,
            next_seq,
            nonce: 0,
        }
    }

    /// Makes new seqs unique among the tabs that share one storage: each is at least the
    /// queue time in milliseconds shifted left by 20 bits, plus these 20 random bits of this
    /// page, so two tabs queueing at the same moment still write different keys (and the
    /// shared outbox stays in time order). Without a nonce, seqs count from 1.
    pub fn set_nonce(&mut self, nonce: u32) {
        self.nonce = u64::from(nonce) & 0xF_FFFF;
    }

    /// Takes in an item another tab queued (read from the shared storage), in seq order;
    /// `false` when it is already here.
    pub fn adopt(&mut self, mut item: OutboxItem) -> bool {
        if self.get(item.seq).is_some() {
            return false;
        }
        if item.state == ItemState::Syncing {
            item.state = ItemState::Pending;
        }
        self.next_seq = self.next_seq.max(item.seq);
        let at = self.items.partition_point(|i| i.seq < item.seq);
        self.items.insert(at, item);
        true
    }

    /// Queues a mutation; returns its seq, or `None` when it cancelled out: deleting an entity
    /// whose create was never sent drops the create and everything queued for it.
    pub fn push(
        &mut self,
        kind: &str,
        op: OutboxOp,
        id: &str,
        body: Value,
        base_version: Option<u64>,
        now: f64,
    ) -> Option<u64> {
        if op == OutboxOp::Delete {
            let unsent_create = self.items.iter().any(|i| {
                i.kind == kind
                    && i.id == id
                    && i.op == OutboxOp::Create
                    && i.state != ItemState::Syncing
            });
            if unsent_create {
                self.items.retain(|i| !(i.kind == kind && i.id == id));
                return None;
            }
        }
        let floor = if self.nonce == 0 {
            0
        } else {
            ((now.max(0.0) as u64) << 20) | self.nonce
        };
        self.next_seq = (self.next_seq + 1).max(floor);
        self.items.push(OutboxItem {
            seq: self.next_seq,
            kind: kind.to_owned(),
            op,
            id: id.to_owned(),
            body,
            base_version,
            queued_at: now,
            attempts: 0,
            state: ItemState::Pending,
        });
        Some(self.next_seq)
    }

    /// Whether an earlier item holds `item` back: one for the same entity not yet done, or an
    /// unsent create whose temporary id `item` refers to.
    fn blocked(&self, item: &OutboxItem) -> bool {
        self.items.iter().take_while(|e| e.seq < item.seq).any(|e| {
            (e.kind == item.kind && e.id == item.id)
                || (e.op == OutboxOp::Create && mentions(&item.body, &e.id))
        })
    }

    /// The first item that may be sent now, in queue order.
    pub fn next_ready(&self) -> Option<&OutboxItem> {
        self.items
            .iter()
            .find(|i| i.state == ItemState::Pending && !self.blocked(i))
    }

    /// One item.
    pub fn get(&self, seq: u64) -> Option<&OutboxItem> {
        self.items.iter().find(|i| i.seq == seq)
    }

    /// One item, to change.
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut OutboxItem> {
        self.items.iter_mut().find(|i| i.seq == seq)
    }

    /// Removes an item (sent, or dropped by the user).
    pub fn remove(&mut self, seq: u64) -> Option<OutboxItem> {
        let at = self.items.iter().position(|i| i.seq == seq)?;
        Some(self.items.remove(at))
    }

    /// Points every item at `real` where it said `tmp` (its id, or any value in its body);
    /// returns the seqs of the items changed.
    pub fn map_temp_id(&mut self, tmp: &str, real: &str) -> Vec<u64> {
        let mut changed = Vec::new();
        for item in &mut self.items {
            let mut hit = rewrite_strings(&mut item.body, tmp, real);
            if item.id == tmp {
                item.id = real.to_owned();
                hit = true;
            }
            if hit {
                changed.push(item.seq);
            }
        }
        changed
    }

    /// Settles a conflict; returns whether the item is still queued (false: it was dropped).
    pub fn resolve(&mut self, seq: u64, resolution: Resolution) -> Option<bool> {
        let item = self.get_mut(seq)?;
        let ItemState::Conflict { theirs } = &item.state else {
            return None;
        };
        let current = theirs.get("version").and_then(Value::as_u64);
        match resolution {
            Resolution::TakeTheirs => {
                self.remove(seq);
                Some(false)
            }
            Resolution::KeepMine => {
                item.base_version = current;
                item.state = ItemState::Pending;
                Some(true)
            }
            Resolution::Merge(body) => {
                item.body = body;
                item.base_version = current;
                item.state = ItemState::Pending;
                Some(true)
            }
        }
    }

    /// Puts a failed item back in line.
    pub fn retry(&mut self, seq: u64) -> bool {
        match self.get_mut(seq) {
            Some(item) if matches!(item.state, ItemState::Failed { .. }) => {
                item.state = ItemState::Pending;
                true
            }
            _ => false,
        }
    }

    /// Every item, in queue order.
    pub fn items(&self) -> &[OutboxItem] {
        &self.items
    }

    /// How many items are queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the outbox is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any item waits to be sent (not in conflict or failed).
    pub fn has_pending(&self) -> bool {
        self.items.iter().any(|i| i.state == ItemState::Pending)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_item_in_every_state_reads_back_as_stored_and_bad_ones_are_errors() {
        let states = [
            ItemState::Pending,
            ItemState::Syncing,
            ItemState::Conflict {
                theirs: json!({"id": "t1", "version": 4, "name": "Theirs"}),
            },
            ItemState::Conflict {
                theirs: Value::Null,
            },
            ItemState::Failed {
                error: "refused".into(),
            },
        ];
        for state in states {
            let item = OutboxItem {
                seq: 7,
                kind: "team".into(),
                op: OutboxOp::Update,
                id: "t1".into(),
                body: json!({"name": "Mine"}),
                base_version: Some(3),
                queued_at: 1_000.5,
                attempts: 2,
                state: state.clone(),
            };
            let text = serde_json::to_string(&item).expect("an item writes");
            let back: OutboxItem = serde_json::from_str(&text).expect("and reads back");
            assert_eq!(back, item, "{text}");
            let alone = serde_json::to_string(&state).expect("a state writes");
            let state_back: ItemState = serde_json::from_str(&alone).expect("reads back");
            assert_eq!(state_back, state, "{alone}");
            assert!(
                alone.contains(&format!(r#""state":"{}""#, state.label())),
                "{alone}"
            );
        }
        let item = |state: &str| {
            format!(
                r#"{{"seq":1,"kind":"team","op":"delete","id":"t1","body":null,
                "base_version":null,"queued_at":0,"attempts":0{state}}}"#
            )
        };
        let deleted: OutboxItem =
            serde_json::from_str(&item(r#","state":"pending""#)).expect("a delete");
        assert_eq!(deleted.body, Value::Null);
        for (state, why) in [
            (r#","state":"dozing""#, "unknown variant `dozing`"),
            (r#","state":"conflict""#, "missing field `theirs`"),
            (r#","state":"failed""#, "missing field `error`"),
            ("", "missing field `state`"),
        ] {
            let err = serde_json::from_str::<OutboxItem>(&item(state)).expect_err(why);
            assert!(err.to_string().contains(why), "{err}");
        }
    }

    #[test]
    fn items_go_in_queue_order_and_one_entitys_changes_wait_for_each_other() {
        let mut outbox = Outbox::default();
        let a1 = outbox
            .push(
                "device",
                OutboxOp::Update,
                "a",
                json!({"name": "1"}),
                Some(1),
                0.0,
            )
            .unwrap();
        let a2 = outbox
            .push(
                "device",
                OutboxOp::Update,
                "a",
                json!({"name": "2"}),
                Some(1),
                0.0,
            )
            .unwrap();
        let b = outbox
            .push(
                "device",
                OutboxOp::Update,
                "b",
                json!({"name": "x"}),
                Some(3),
                0.0,
            )
            .unwrap();
        assert_eq!(outbox.next_ready().map(|i| i.seq), Some(a1));
        outbox.get_mut(a1).unwrap().state = ItemState::Conflict {
            theirs: json!({"version": 2}),
        };
        // a's second change waits behind the conflict; b is independent and goes on.
        assert_eq!(outbox.next_ready().map(|i| i.seq), Some(b));
        outbox.remove(b);
        assert_eq!(outbox.next_ready(), None);
        assert_eq!(outbox.resolve(a1, Resolution::KeepMine), Some(true));
        assert_eq!(outbox.get(a1).unwrap().base_version, Some(2));
        assert_eq!(outbox.next_ready().map(|i| i.seq), Some(a1));
        outbox.remove(a1);
        assert_eq!(outbox.next_ready().map(|i| i.seq), Some(a2));
    }

    #[test]
    fn a_temporary_id_is_replaced_everywhere_it_is_referenced() {
        let mut outbox = Outbox::default();
        let app = outbox
            .push(
                "application",
                OutboxOp::Create,
                "tmp-app",
                json!({"name": "web"}),
                None,
                0.0,
            )
            .unwrap();
        let inst = outbox
            .push(
                "instance",
                OutboxOp::Create,
                "tmp-inst",
                json!({"application_id": "tmp-app", "tags": ["tmp-app"]}),
                None,
                0.0,
            )
            .unwrap();
        // The instance refers to the unsent application, so it waits.
        assert_eq!(outbox.next_ready().map(|i| i.seq), Some(app));
        outbox.remove(app);
        assert_eq!(outbox.map_temp_id("tmp-app", "app_7"), vec![inst]);
        let item = outbox.get(inst).unwrap();
        assert_eq!(
            item.body,
            json!({"application_id": "app_7", "tags": ["app_7"]})
        );
        assert_eq!(outbox.next_ready().map(|i| i.seq), Some(inst));
    }

    #[test]
    fn deleting_an_unsent_create_cancels_both() {
        let mut outbox = Outbox::default();
        outbox.push(
            "team",
            OutboxOp::Create,
            "tmp-1",
            json!({"name": "x"}),
            None,
            0.0,
        );
        outbox.push(
            "team",
            OutboxOp::Update,
            "tmp-1",
            json!({"name": "y"}),
            None,
            0.0,
        );
        assert_eq!(
            outbox.push("team", OutboxOp::Delete, "tmp-1", Value::Null, None, 0.0),
            None
        );
        assert!(outbox.is_empty());
    }

    #[test]
    fn take_theirs_drops_merge_sends_the_chosen_fields() {
        let mut outbox = Outbox::default();
        let one = outbox
            .push(
                "team",
                OutboxOp::Update,
                "t",
                json!({"name": "mine", "description": "mine"}),
                Some(1),
                0.0,
            )
            .unwrap();
        let two = outbox
            .push(
                "team",
                OutboxOp::Update,
                "u",
                json!({"name": "mine"}),
                Some(1),
                0.0,
            )
            .unwrap();
        for seq in [one, two] {
            outbox.get_mut(seq).unwrap().state = ItemState::Conflict {
                theirs: json!({"version": 5}),
            };
        }
        assert_eq!(
            outbox.resolve(one, Resolution::Merge(json!({"name": "mine"}))),
            Some(true)
        );
        let merged = outbox.get(one).unwrap();
        assert_eq!(
            (merged.body.clone(), merged.base_version),
            (json!({"name": "mine"}), Some(5))
        );
        assert_eq!(outbox.resolve(two, Resolution::TakeTheirs), Some(false));
        assert!(outbox.get(two).is_none());
        assert_eq!(
            outbox.resolve(one, Resolution::KeepMine),
            None,
            "only a conflict resolves"
        );
    }

    #[test]
    fn an_item_interrupted_while_sending_is_sent_again_after_reload() {
        let mut outbox = Outbox::default();
        let seq = outbox
            .push("team", OutboxOp::Update, "t", json!({}), Some(1), 0.0)
            .unwrap();
        outbox.get_mut(seq).unwrap().state = ItemState::Syncing;
        let text = serde_json::to_string(outbox.get(seq).unwrap()).unwrap();
        let mut restored = Outbox::restore(vec![serde_json::from_str(&text).unwrap()]);
        assert_eq!(restored.next_ready().map(|i| i.seq), Some(seq));
        assert_eq!(
            restored.push("team", OutboxOp::Delete, "t", Value::Null, Some(2), 0.0),
            Some(seq + 1)
        );
    }
}
