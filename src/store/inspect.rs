//! What the devtools panel shows of a store (feature `devtools`): a plain copy of its records,
//! tombstones and queries, taken only when asked (nothing is kept or counted per event), and
//! the panel's actions on one query.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::record::Rec;
use super::source::Source;
use super::state::{Overlay, QueryMeta, State};
use super::StoreCore;
use crate::cache::CachePolicy;

/// One step of a change of this client, or an event that changed nothing, for the devtools
/// timeline: with the change bus (which announces what changed), it follows an edit from the
/// click to the server's confirmation and the realtime echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The kind.
    pub kind: &'static str,
    /// The entity's id.
    pub id: String,
    /// What happened: "optimistic update", "server confirmed v4", "realtime echo of v4", …
    pub step: String,
}

/// Whether someone listens (checked first, so that without a listener a trace costs one
/// relaxed load).
static TRACING: AtomicBool = AtomicBool::new(false);
type Tracer = Arc<dyn Fn(Trace) + Send + Sync>;
static TRACER: Mutex<Option<Tracer>> = Mutex::new(None);

/// Sends every store's [`Trace`]s to `tracer` from now on (`None`: nowhere). One listener for
/// the page (the devtools panel while it is open).
pub fn set_tracer(tracer: Option<Arc<dyn Fn(Trace) + Send + Sync>>) {
    TRACING.store(tracer.is_some(), Ordering::Relaxed);
    *TRACER.lock().unwrap_or_else(|p| p.into_inner()) = tracer;
}

/// Whether a tracer listens.
pub(crate) fn tracing() -> bool {
    TRACING.load(Ordering::Relaxed)
}

/// Hands a step to the tracer, if there is one. Never call it with a store's lock held: the
/// tracer writes signals.
pub(crate) fn trace(kind: &'static str, id: &str, step: impl FnOnce() -> String) {
    if !tracing() {
        return;
    }
    let tracer = TRACER.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(tracer) = tracer {
        tracer(Trace {
            kind,
            id: id.to_owned(),
            step: step(),
        });
    }
}

impl StoreCore {
    /// Says where the confirmed state of `id` came from, when it is at `version` (a later
    /// change has its own source).
    pub(crate) fn note_source(&self, id: &str, version: u64, source: Source) {
        let now = self.now();
        let mut st = self.lock();
        if let Some(row) = st.rows.get_mut(id) {
            if row.confirmed.as_ref().map(|e| e.record_version()) == Some(version) {
                row.source = (source, Some(now));
            }
        }
    }
}

/// One record of a store.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSnapshot {
    /// Its id.
    pub id: String,
    /// The confirmed version (`None`: not confirmed, or deleted).
    pub confirmed_version: Option<u64>,
    /// The pending optimistic changes over it, oldest first: `update`, `delete`, `create`.
    pub pending: Vec<&'static str>,
    /// The fields whose shown value differs from the confirmed one (an overlay's effect).
    pub differs: Vec<String>,
    /// What readers see, as JSON (`null`: nothing).
    pub shown: Value,
    /// Where the confirmed state came from, and when (environment time, ms).
    pub source: (Source, Option<f64>),
}

/// The state of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryState {
    /// Never fetched.
    Idle,
    /// A fetch is in flight.
    Fetching,
    /// Fetched and within the stale time.
    Fresh,
    /// Invalidated or past the stale time.
    Stale,
    /// The last fetch failed.
    Error(String),
}

/// One list or detail query of a store.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySnapshot {
    /// The query's key: `list ?team=…&page=…`, or `detail <id>`.
    pub key: String,
    /// Its state.
    pub state: QueryState,
    /// How many components watch it.
    pub observers: usize,
    /// When it was last fetched (environment time, ms).
    pub fetched_at: Option<f64>,
    /// Lists: the total and the page's ids.
    pub page: Option<(u64, Vec<String>)>,
}

/// Everything a store holds.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSnapshot {
    /// The kind.
    pub kind: &'static str,
    /// Every record, by id.
    pub records: Vec<RecordSnapshot>,
    /// Deleted ids with the version of their delete.
    pub tombstones: Vec<(String, u64)>,
    /// Every list query, then every detail query.
    pub queries: Vec<QuerySnapshot>,
}

/// What the panel can do to one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryAction {
    /// Fetch it again now.
    Refetch,
    /// Mark it stale (observed queries then refetch).
    Invalidate,
    /// Forget it (its records stay).
    Drop,
}

fn state_of(meta: &QueryMeta, policy: &CachePolicy, now: f64) -> QueryState {
    if meta.in_flight {
        QueryState::Fetching
    } else if let Some(err) = &meta.error {
        QueryState::Error(err.to_string())
    } else if meta.fetched_at.is_none() {
        QueryState::Idle
    } else if policy.is_stale(meta.fetched_at, meta.invalidated, now) {
        QueryState::Stale
    } else {
        QueryState::Fresh
    }
}

/// The top-level fields where `a` and `b` (JSON objects) differ.
fn differing(a: &Value, b: &Value) -> Vec<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<String> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
                .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
                .collect();
            crate::sort::sort_by(&mut keys, Ord::cmp);
            keys.dedup();
            keys
        }
        _ if a == b => Vec::new(),
        _ => vec!["(whole record)".to_owned()],
    }
}

impl StoreCore {
    /// A copy of everything this store holds, for the devtools panel.
    pub(crate) fn inspect(&self) -> StoreSnapshot {
        let now = self.now();
        let policy = self.inner.policy.clone();
        // Copied under the lock, turned into JSON after it.
        type Copied = (
            String,
            Option<Rec>,
            Option<Rec>,
            Vec<&'static str>,
            (Source, Option<f64>),
        );
        let (rows, tombstones, queries) = {
            let st: std::sync::MutexGuard<'_, State> = self.lock();
            let rows: Vec<Copied> = st
                .rows
                .iter()
                .filter(|(_, row)| row.confirmed.is_some() || row.visible.is_some())
                .map(|(id, row)| {
                    let pending = row
                        .overlays
                        .iter()
                        .map(|(_, o)| match o {
                            Overlay::Patch(_) => "update",
                            Overlay::Delete => "delete",
                            Overlay::Create(_) => "create",
                        })
                        .collect();
                    (
                        id.clone(),
                        row.confirmed.clone(),
                        row.visible.clone(),
                        pending,
                        row.source,
                    )
                })
                .collect();
            let tombstones: Vec<(String, u64)> = st
                .tombstones
                .iter()
                .map(|(id, (version, _))| (id.clone(), *version))
                .collect();
            let mut queries: Vec<QuerySnapshot> = st
                .lists
                .iter()
                .map(|(query, entry)| QuerySnapshot {
                    key: format!("list ?{}", query.to_query_string()),
                    state: state_of(&entry.meta, &policy, now),
                    observers: entry.meta.observers,
                    fetched_at: entry.meta.fetched_at,
                    page: Some((entry.page.total, entry.page.ids.clone())),
                })
                .collect();
            crate::sort::sort_by(&mut queries, |a, b| a.key.cmp(&b.key));
            let mut details: Vec<QuerySnapshot> = st
                .details
                .iter()
                .map(|(id, entry)| QuerySnapshot {
                    key: format!("detail {id}"),
                    state: state_of(&entry.meta, &policy, now),
                    observers: entry.meta.observers,
                    fetched_at: entry.meta.fetched_at,
                    page: None,
                })
                .collect();
            crate::sort::sort_by(&mut details, |a, b| a.key.cmp(&b.key));
            queries.extend(details);
            (rows, tombstones, queries)
        };
        let json = |e: &Option<Rec>| {
            e.as_ref()
                .and_then(|e| e.json())
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null)
        };
        let mut records: Vec<RecordSnapshot> = rows
            .into_iter()
            .map(|(id, confirmed, shown, pending, source)| {
                let (confirmed_json, shown_json) = (json(&confirmed), json(&shown));
                RecordSnapshot {
                    id,
                    confirmed_version: confirmed.as_ref().map(|e| e.record_version()),
                    pending,
                    differs: differing(&confirmed_json, &shown_json),
                    shown: shown_json,
                    source,
                }
            })
            .collect();
        crate::sort::sort_by(&mut records, |a, b| a.id.cmp(&b.id));
        let mut tombstones = tombstones;
        crate::sort::sort_by(&mut tombstones, Ord::cmp);
        StoreSnapshot {
            kind: self.kind(),
            records,
            tombstones,
            queries,
        }
    }

    /// Does `action` to the query whose [`QuerySnapshot::key`] is `key`; false when there is
    /// no such query. A refetch runs in the background.
    pub(crate) fn query_action(&self, key: &str, action: QueryAction) -> bool {
        let list = {
            let st = self.lock();
            if let Some(id) = key.strip_prefix("detail ") {
                if !st.details.contains_key(id) {
                    return false;
                }
                Err(id.to_owned())
            } else {
                match st
                    .lists
                    .keys()
                    .find(|q| format!("list ?{}", q.to_query_string()) == key)
                {
                    Some(query) => Ok(query.clone()),
                    None => return false,
                }
            }
        };
        match (list, action) {
            (Ok(query), QueryAction::Refetch) => {
                let store = self.clone();
                self.inner.env.spawn(Box::pin(async move {
                    let _ = store.fetch_list(&query).await;
                }));
            }
            (Err(id), QueryAction::Refetch) => {
                let store = self.clone();
                self.inner.env.spawn(Box::pin(async move {
                    let _ = store.fetch_one(&id).await;
                }));
            }
            (Ok(query), QueryAction::Invalidate) => {
                if let Some(entry) = self.lock().lists.get_mut(&query) {
                    entry.meta.invalidated = true;
                }
                self.revalidate_observed();
            }
            (Err(id), QueryAction::Invalidate) => {
                if let Some(entry) = self.lock().details.get_mut(&id) {
                    entry.meta.invalidated = true;
                }
                self.revalidate_observed();
            }
            (Ok(query), QueryAction::Drop) => {
                self.lock().lists.remove(&query);
            }
            (Err(id), QueryAction::Drop) => {
                self.lock().details.remove(&id);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_names_the_changed_top_level_fields() {
        let a = serde_json::json!({"name": "a", "version": 1, "status": "online"});
        let b = serde_json::json!({"name": "b", "version": 1, "status": "online", "x": 1});
        assert_eq!(differing(&a, &b), vec!["name".to_owned(), "x".to_owned()]);
        assert!(differing(&a, &a).is_empty());
        assert_eq!(
            differing(&Value::Null, &a),
            vec!["(whole record)".to_owned()]
        );
    }
}
