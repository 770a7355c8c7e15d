//! A list controller: one handle that owns what a list view shows (page, page size, search,
//! sort, filters, an always-applied base filter, the drafts toggle), its selection, its total,
//! and finding the page an entity is on.

use std::marker::PhantomData;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::entity::Entity;
use crate::query::{DraftsMode, ListQuery};
use crate::store::{EntityStore, ListView};

/// How rows of a list can be selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Selection {
    /// Not at all.
    #[default]
    None,
    /// One row at a time (radio buttons).
    Single,
    /// Any number of rows (checkboxes), with "select all on this page".
    Multiple,
}

/// The state of one list view and its selection (see [`use_list_controller`]). A `Copy`
/// handle: pass it to children and closures.
///
/// The controller holds state and reads the list's cached view; it does not fetch by itself.
/// Whatever shows the list observes it: an [`EntityTable`](crate::components::EntityTable)
/// given [`ListController::query`], or [`use_list`](super::use_list) of it. So a page can make
/// the controllers of all its tabs up front, and only the tab shown fetches.
///
/// Every setter keeps the query coherent the way users expect: a new search, filter, sort,
/// page size or drafts toggle goes back to page 1; the page stays within the known total.
pub struct ListController<E: Entity> {
    query: RwSignal<ListQuery>,
    initial: StoredValue<ListQuery>,
    selected: RwSignal<Vec<String>>,
    selection: Selection,
    view: Signal<ListView>,
    total: Memo<u64>,
    store: StoredValue<EntityStore<E>>,
    kind: PhantomData<fn() -> E>,
}

impl<E: Entity> Clone for ListController<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: Entity> Copy for ListController<E> {}

/// A [`ListController`] starting at `initial` (its team and base filters stay for the
/// controller's life; [`ListController::reset`] returns to it), selecting rows as `selection`
/// says.
///
/// ```no_run
/// use data_farm::prelude::*;
/// use data_farm::components::{Column, EntityTable};
/// use data_farm::hooks::{use_list_controller, Selection};
/// use data_farm::query::DraftsMode;
/// use leptos::prelude::*;
///
/// #[component]
/// fn Devices() -> impl IntoView {
///     let devices = use_list_controller::<Device>(ListQuery::new().team("team_1"), Selection::Multiple);
///     view! {
///         <button on:click=move |_| devices.set_drafts(DraftsMode::Only)>"Drafts only"</button>
///         <EntityTable<Device> label="Devices" columns=vec![Column::new("Name", |d: &Device| d.name.clone().into_any())]
///             query=devices.query() selection=devices.selection() selected=devices.selected()/>
///         <p>{move || format!("{} of {} selected", devices.selected().get().len(), devices.total())}</p>
///     }
/// }
/// ```
pub fn use_list_controller<E: Entity>(
    initial: ListQuery,
    selection: Selection,
) -> ListController<E> {
    let query = RwSignal::new(initial.clone());
    let store = super::use_store::<E>();
    let view = Signal::derive(move || query.with(|q| store.list_view(q)).get());
    // A page not fetched yet says 0: until it is, the last total known stands.
    let total = Memo::new(move |last: Option<&u64>| {
        view.with(|v| match v.fetched_at {
            Some(_) => v.total,
            None => last.copied().unwrap_or(0),
        })
    });
    ListController {
        total,
        query,
        initial: StoredValue::new(initial),
        selected: RwSignal::new(Vec::new()),
        selection,
        view,
        store: StoredValue::new(store),
        kind: PhantomData,
    }
}

impl<E: Entity> ListController<E> {
    /// The query shown (what a table reads and changes).
    pub fn query(&self) -> RwSignal<ListQuery> {
        self.query
    }

    /// The query the controller started at.
    pub fn initial(&self) -> ListQuery {
        self.initial.get_value()
    }

    /// The list's view: ids of the page, total, load state (tracked).
    pub fn view(&self) -> Signal<ListView> {
        self.view
    }

    /// The store of the kind.
    pub fn store(&self) -> EntityStore<E> {
        self.store.get_value()
    }

    /// How many entities the list holds over all pages (tracked); while a newly asked page
    /// has not been fetched, the last total known.
    pub fn total(&self) -> u64 {
        self.total.get()
    }

    /// How many pages there are at the current page size, at least one (tracked).
    pub fn pages(&self) -> u64 {
        let total = self.total();
        self.query.with(|q| q.page_count(total))
    }

    fn change(&self, f: impl FnOnce(ListQuery) -> ListQuery) {
        let next = f(self.query.get_untracked());
        if self.query.with_untracked(|q| *q != next) {
            self.query.set(next);
        }
    }

    /// Searches names for `text` (blank clears it).
    pub fn set_search(&self, text: &str) {
        self.change(|q| q.search(text));
    }

    /// Filters `field` by `value`, or clears that filter for `None`.
    pub fn set_filter(&self, field: &str, value: Option<&str>) {
        self.change(|q| match value {
            Some(value) => q.filter(field, value),
            None => q.unfilter(field),
        });
    }

    /// Sorts by `field`: ascending first, and the other way when it already sorts by it.
    pub fn sort_by(&self, field: &str) {
        self.change(|q| q.toggle_sort(field));
    }

    /// Shows page `page` (from 1, at most the last known page).
    pub fn set_page(&self, page: u32) {
        let last = u32::try_from(self.pages()).unwrap_or(u32::MAX);
        self.change(|q| q.page(page.min(last)));
    }

    /// The next page, if any.
    pub fn next_page(&self) {
        let page = self.query.with_untracked(|q| q.page);
        self.set_page(page.saturating_add(1));
    }

    /// The previous page, if any.
    pub fn previous_page(&self) {
        let page = self.query.with_untracked(|q| q.page);
        self.set_page(page.saturating_sub(1).max(1));
    }

    /// Shows `per_page` rows a page (1 to 100), from page 1.
    pub fn set_per_page(&self, per_page: u32) {
        self.change(|q| q.per_page(per_page).page(1));
    }

    /// What the list says about drafts (tracked).
    pub fn drafts(&self) -> DraftsMode {
        self.query.with(|q| q.drafts)
    }

    /// Shows the entities with their drafts, only the drafted ones, or neither.
    pub fn set_drafts(&self, mode: DraftsMode) {
        self.change(|q| q.drafts(mode));
    }

    /// Back to the initial query; the selection is kept.
    pub fn reset(&self) {
        let initial = self.initial.get_value();
        self.change(|_| initial);
    }

    /// How rows are selected.
    pub fn selection(&self) -> Selection {
        self.selection
    }

    /// The selected ids, in the order they were selected (what a table reads and changes).
    pub fn selected(&self) -> RwSignal<Vec<String>> {
        self.selected
    }

    /// Whether `id` is selected (tracked).
    pub fn is_selected(&self, id: &str) -> bool {
        self.selected.with(|s| s.iter().any(|x| x == id))
    }

    /// Selects `id` (the only one, for [`Selection::Single`]); nothing for [`Selection::None`].
    pub fn select(&self, id: &str) {
        match self.selection {
            Selection::None => {}
            Selection::Single => {
                if self.selected.with_untracked(|s| s.len() != 1 || s[0] != id) {
                    self.selected.set(vec![id.to_owned()]);
                }
            }
            Selection::Multiple => {
                if !self.selected.with_untracked(|s| s.iter().any(|x| x == id)) {
                    self.selected.update(|s| s.push(id.to_owned()));
                }
            }
        }
    }

    /// Selects `id` when it is not selected, and the other way round.
    pub fn toggle(&self, id: &str) {
        if self.selected.with_untracked(|s| s.iter().any(|x| x == id)) {
            self.selected.update(|s| s.retain(|x| x != id));
        } else {
            self.select(id);
        }
    }

    /// Selects every row of the page shown ([`Selection::Multiple`] only).
    pub fn select_page(&self) {
        if self.selection == Selection::Multiple {
            for id in self.view.get_untracked().ids {
                self.select(&id);
            }
        }
    }

    /// Selects nothing.
    pub fn clear_selection(&self) {
        if self.selected.with_untracked(|s| !s.is_empty()) {
            self.selected.set(Vec::new());
        }
    }

    /// Shows the page holding entity `id` in this list and selects it (when the list
    /// selects); `Ok(false)` when the list does not hold it.
    pub async fn find(&self, id: &str) -> Result<bool, ApiError> {
        let query = self.query.get_untracked();
        let Some(position) = self.store().find_position(&query, id).await? else {
            return Ok(false);
        };
        let page = u32::try_from(position.page).unwrap_or(u32::MAX);
        self.change(|q| q.page(page));
        self.select(id);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use data_farm_protocol::{ListResponse, Team};
    use futures_util::future::LocalBoxFuture;

    use super::*;
    use crate::cache::ManualEnvironment;
    use crate::farm::DataFarmConfig;
    use crate::query::Order;

    /// Twelve teams `t01`..`t12`, named so, sorted and paged like the server.
    struct Teams;

    fn team(n: u32) -> Team {
        Team {
            id: format!("t{n:02}"),
            version: 1,
            updated_at: String::new(),
            name: format!("team {n:02}"),
            description: String::new(),
        }
    }

    impl crate::api::EntityApi<Team> for Teams {
        fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<Team, ApiError>> {
            let found = (1..=12).map(team).find(|t| t.id == id);
            Box::pin(async move {
                found.ok_or(ApiError::NotFound {
                    message: "no such team".into(),
                })
            })
        }
        fn get_many(
            &self,
            query: &ListQuery,
        ) -> LocalBoxFuture<'static, Result<ListResponse<Team>, ApiError>> {
            // Filters are the query's business, not this double's: every team matches.
            let mut all: Vec<Team> = (1..=12).map(team).collect();
            all.sort_by(|a, b| query.compare(a, b));
            let total = all.len() as u64;
            let skip = ((query.page - 1) * query.per_page) as usize;
            let items = all
                .into_iter()
                .skip(skip)
                .take(query.per_page as usize)
                .collect();
            Box::pin(async move { Ok(ListResponse::new(items, total)) })
        }
        fn create(
            &self,
            _body: &data_farm_protocol::CreateTeam,
            _key: &str,
        ) -> LocalBoxFuture<'static, Result<Team, ApiError>> {
            Box::pin(async {
                Err(ApiError::Forbidden {
                    message: "read-only".into(),
                })
            })
        }
        fn update(
            &self,
            _id: &str,
            _patch: &<Team as Entity>::Patch,
            _if_match: Option<u64>,
        ) -> LocalBoxFuture<'static, Result<Team, ApiError>> {
            Box::pin(async {
                Err(ApiError::Forbidden {
                    message: "read-only".into(),
                })
            })
        }
        fn delete(
            &self,
            _id: &str,
            _if_match: Option<u64>,
        ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
            Box::pin(async {
                Err(ApiError::Forbidden {
                    message: "read-only".into(),
                })
            })
        }
    }

    /// Leptos effects need an executor to be created; these tests drive the store through
    /// its own environment and need none of them to run, so spawned effects are dropped.
    struct NoEffects;

    impl any_spawner::CustomExecutor for NoEffects {
        fn spawn(&self, _fut: any_spawner::PinnedFuture<()>) {}
        fn spawn_local(&self, _fut: any_spawner::PinnedLocalFuture<()>) {}
        fn poll_local(&self) {}
    }

    /// A controller and, as a table would, an observer of its first query.
    fn controller(selection: Selection) -> (Owner, ManualEnvironment, ListController<Team>) {
        // Set once per test process; later calls find it set.
        let _ = any_spawner::Executor::init_custom_executor(NoEffects);
        let env = ManualEnvironment::new();
        let farm = DataFarmConfig::new("")
            .environment(Arc::new(env.clone()))
            .register_with::<Team>(Arc::new(Teams), None)
            .build();
        let owner = Owner::new();
        let list = owner.with(|| {
            provide_context(farm.clone());
            let list =
                use_list_controller::<Team>(ListQuery::new().per_page(5).base("x", "y"), selection);
            std::mem::forget(list.store().observe_list(list.initial()));
            list
        });
        (owner, env, list)
    }

    #[test]
    fn setters_keep_the_query_coherent() {
        let (owner, _env, list) = controller(Selection::Multiple);
        owner.with(|| {
            list.query().update(|q| q.page = 2);
            list.set_search("  pump ");
            let q = list.query().get_untracked();
            assert_eq!((q.search.as_deref(), q.page), (Some("pump"), 1));
            list.set_filter("status", Some("online"));
            list.query().update(|q| q.page = 3);
            list.set_filter("status", None);
            assert!(list.query().get_untracked().filters.is_empty());
            assert_eq!(
                list.query().get_untracked().page,
                1,
                "a cleared filter returns to page 1"
            );
            list.sort_by("updated_at");
            assert_eq!(list.query().get_untracked().order, Order::Asc);
            list.sort_by("updated_at");
            assert_eq!(list.query().get_untracked().order, Order::Desc);
            list.sort_by("name");
            assert_eq!(list.query().get_untracked().order, Order::Asc);
            list.set_drafts(DraftsMode::Only);
            assert_eq!(list.query().get_untracked().drafts, DraftsMode::Only);
            list.reset();
            assert_eq!(list.query().get_untracked(), list.initial());
            assert_eq!(list.initial().base["x"], "y", "the base filter stays");
        });
    }

    #[test]
    fn pages_stay_within_the_total_and_find_shows_the_page_of_an_entity() {
        let (owner, env, list) = controller(Selection::Single);
        env.run_until_idle();
        owner.with(|| {
            assert_eq!((list.total(), list.pages()), (12, 3));
            list.set_page(9);
            assert_eq!(list.query().get_untracked().page, 3, "the last page");
            list.next_page();
            assert_eq!(list.query().get_untracked().page, 3);
            list.previous_page();
            list.previous_page();
            list.previous_page();
            assert_eq!(list.query().get_untracked().page, 1);
            let found = futures_executor::block_on(list.find("t08")).expect("answered");
            assert!(found);
            assert_eq!(list.query().get_untracked().page, 2);
            assert_eq!(list.selected().get_untracked(), ["t08"]);
            assert!(!futures_executor::block_on(list.find("t99")).expect("answered"));
        });
    }

    #[test]
    fn selection_follows_its_mode() {
        let (owner, env, multiple) = controller(Selection::Multiple);
        env.run_until_idle();
        owner.with(|| {
            multiple.select("t01");
            multiple.toggle("t02");
            multiple.select("t01");
            assert_eq!(multiple.selected().get_untracked(), ["t01", "t02"]);
            multiple.toggle("t01");
            assert!(!multiple.is_selected("t01"));
            multiple.select_page();
            assert_eq!(
                multiple.selected().get_untracked(),
                ["t02", "t01", "t03", "t04", "t05"]
            );
            multiple.clear_selection();
            assert!(multiple.selected().get_untracked().is_empty());
        });
        let (owner, _env, single) = controller(Selection::Single);
        owner.with(|| {
            single.select("t01");
            single.select("t02");
            single.select_page();
            assert_eq!(single.selected().get_untracked(), ["t02"]);
        });
        let (owner, _env, none) = controller(Selection::None);
        owner.with(|| {
            none.select("t01");
            assert!(none.selected().get_untracked().is_empty());
        });
    }
}
