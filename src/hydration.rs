//! Carrying the stores from a server render to the browser: the server's farm
//! [dehydrates](DataFarm::dehydrate) what its pages fetched into a [`FarmSnapshot`] (feature
//! `ssr`), the page carries it as JSON, and the browser's farm [hydrates](DataFarm::hydrate)
//! from it (feature `hydrate`), so the first render in the browser shows the same rows as the
//! server's HTML and fetches nothing within the stale time.
//!
//! The snapshot also carries the topic positions read *before* the server fetched
//! ([`ApiClient::positions`](crate::api::ApiClient::positions)). A session started in the
//! browser after hydrating resumes from them ([`DataFarm::resume_points`]), so a change made
//! between the render and the hydration is replayed, not lost; what the snapshot already
//! holds is dropped by the version rule.
//!
//! Lists can also stream instead: [`use_suspended_list`] makes the server's render wait for a
//! list inside Leptos `<Suspense>`, Leptos carries the page into the HTML stream, and the
//! browser installs it while hydrating ([`SuspendedList::ready`]). Sessions started after
//! hydration resume from the earliest positions any of these were read at
//! ([`DataFarm::resume_points`]).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::farm::DataFarm;
use crate::query::ListQuery;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
use crate::store::AnyStore;
use data_farm_protocol::Positions;

/// What a server-rendered page hands to the browser: the fresh list pages and records of its
/// stores, and the topic positions read before they were fetched.
///
#[cfg_attr(all(feature = "ssr", feature = "hydrate"), doc = "```")]
#[cfg_attr(not(all(feature = "ssr", feature = "hydrate")), doc = "```ignore")]
/// use data_farm::hydration::FarmSnapshot;
/// use data_farm::prelude::*;
/// use data_farm::protocol::ListResponse;
///
/// // On the server, after the page's queries were fetched:
/// let server = DataFarm::new(DataFarmConfig::new("").register::<Team>());
/// let page: ListResponse<Team> = serde_json::from_str(r#"{"items":[{"id":"t1","version":3,
///     "updated_at":"2026-01-01T00:00:00Z","name":"Acme </script>","description":""}],"total":1}"#).unwrap();
/// server.store::<Team>().unwrap().put_list(&ListQuery::new(), page);
/// let positions = [("team:t1".to_owned(), 41)].into();
/// let html_json = server.dehydrate(positions).to_script_json();
/// assert!(!html_json.contains("</script>"), "safe inside a <script> element");
///
/// // In the browser, before the first render:
/// let browser = DataFarm::new(DataFarmConfig::new("").register::<Team>());
/// let snapshot = FarmSnapshot::from_json(&html_json).unwrap();
/// let report = browser.hydrate(&snapshot);
/// assert_eq!((report.lists, report.refused.len()), (1, 0));
/// assert_eq!(browser.store::<Team>().unwrap().peek("t1").unwrap().version, 3);
/// assert_eq!(snapshot.positions.get("team:t1"), Some(&41));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FarmSnapshot {
    /// Topic name to the `seq` it had before the data was read: where realtime resumes.
    #[serde(default)]
    pub positions: Positions,
    /// The stores' state, one entry per kind that held anything fresh.
    #[serde(default)]
    pub kinds: Vec<KindSnapshot>,
}

/// The fresh state of one kind's store in a [`FarmSnapshot`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KindSnapshot {
    /// The kind's singular name (`"device"`).
    pub kind: String,
    /// Fetched list pages: each query with the server's answer to it.
    #[serde(default)]
    pub lists: Vec<ListSnapshot>,
    /// Entities fetched for their detail views, as the server's JSON.
    #[serde(default)]
    pub records: Vec<Box<RawValue>>,
}

/// One list page in a [`KindSnapshot`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListSnapshot {
    /// The query the page answers.
    pub query: ListQuery,
    /// The server's answer (`{"items": [...], "total": N}`).
    pub page: Box<RawValue>,
}

/// What [`DataFarm::hydrate`] installed, and what it could not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hydrated {
    /// List pages installed as fresh.
    pub lists: usize,
    /// Detail records installed as fresh.
    pub records: usize,
    /// What was left out, and why (an unregistered kind, JSON that is not the kind's): the
    /// queries concerned simply fetch as usual.
    pub refused: Vec<String>,
}

/// `value` as JSON that is safe inside an HTML `<script type="application/json">` element (every
/// `<` written `\u003c`): for what an app carries beside a [`FarmSnapshot`] (the signed-in user,
/// the page shown). `null` for a value that cannot be JSON (a map with non-string keys).
///
/// ```
/// # #[cfg(any(feature = "ssr", feature = "hydrate"))] {
/// let json = data_farm::hydration::script_json(&["</script><b>"]);
/// assert_eq!(json, r#"["\u003c/script>\u003cb>"]"#);
/// assert_eq!(serde_json::from_str::<Vec<String>>(&json).unwrap(), ["</script><b>"]);
/// # }
/// ```
pub fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".to_owned())
        .replace('<', "\\u003c")
}

impl FarmSnapshot {
    /// The snapshot as JSON that is safe inside an HTML `<script type="application/json">`
    /// element: every `<` is written `\u003c`, so no entity text (a name holding
    /// `</script>`) can end the element early. It reads back with [`FarmSnapshot::from_json`].
    pub fn to_script_json(&self) -> String {
        script_json(self)
    }

    /// Reads a snapshot written by [`FarmSnapshot::to_script_json`] (or any JSON of it).
    pub fn from_json(text: &str) -> Result<FarmSnapshot, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl DataFarm {
    /// The fresh state of every store (pages fetched within the stale time with nothing
    /// optimistic on them, and fetched details), with the topic `positions` read before the
    /// fetches, for the page to carry to the browser. Feature `ssr`.
    ///
    /// Call it once the page's queries have resolved (after `Suspense` settled). Lists asking
    /// for drafts are left out: their drafts are not cached with them.
    #[cfg(feature = "ssr")]
    pub fn dehydrate(&self, positions: Positions) -> FarmSnapshot {
        let kinds = self
            .kinds()
            .into_iter()
            .filter_map(|kind| {
                let (lists, records) = self.core_of_kind(kind)?.dehydrate_json();
                let lists: Vec<ListSnapshot> = lists
                    .into_iter()
                    .filter_map(|(query, page)| {
                        let page = RawValue::from_string(page).ok()?;
                        Some(ListSnapshot { query, page })
                    })
                    .collect();
                let records: Vec<Box<RawValue>> = records
                    .into_iter()
                    .filter_map(|record| RawValue::from_string(record).ok())
                    .collect();
                (!lists.is_empty() || !records.is_empty()).then(|| KindSnapshot {
                    kind: kind.to_owned(),
                    lists,
                    records,
                })
            })
            .collect();
        FarmSnapshot { positions, kinds }
    }

    /// Installs a server render's state into the stores as just fetched: observed lists and
    /// details show it at once and fetch nothing within the stale time. Records merge through
    /// the version rule, so a store that already holds something newer keeps it. Call it
    /// before the first render. The snapshot's positions join [`DataFarm::resume_points`],
    /// where a session started afterwards resumes. Feature `hydrate`.
    #[cfg(feature = "hydrate")]
    pub fn hydrate(&self, snapshot: &FarmSnapshot) -> Hydrated {
        let mut report = Hydrated::default();
        self.note_resume_points(&snapshot.positions);
        for state in &snapshot.kinds {
            let Some(store) = self.core_of_kind(&state.kind) else {
                report
                    .refused
                    .push(format!("kind {:?} is not registered", state.kind));
                continue;
            };
            for list in &state.lists {
                match store.hydrate_page_json(&list.query, list.page.get()) {
                    Ok(()) => report.lists += 1,
                    Err(why) => report.refused.push(why),
                }
            }
            for record in &state.records {
                match store.hydrate_record_json(record.get()) {
                    Ok(()) => report.records += 1,
                    Err(why) => report.refused.push(why),
                }
            }
        }
        report
    }
}

mod suspended;
pub use suspended::{use_suspended_list, SuspendedList};

#[cfg(all(test, feature = "ssr", feature = "hydrate"))]
mod tests;
