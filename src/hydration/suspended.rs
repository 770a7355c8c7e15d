//! Lists a server render waits for inside Leptos `<Suspense>`: the server fetches the page
//! while the HTML streams, Leptos serializes the answer into the stream, and the browser puts
//! that answer into the store during hydration instead of fetching it.

use data_farm_protocol::ListResponse;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::entity::Entity;
use crate::farm::DataFarm;
use crate::hooks::{use_data_farm, use_list, UseList};
use crate::query::ListQuery;

/// What a suspended list's resource carries from the server to the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FetchedPage<E> {
    /// The user's topic positions, read before the page was fetched.
    positions: data_farm_protocol::Positions,
    /// The page as the server answered it (`None` when it could not be fetched: the browser
    /// then fetches it as usual).
    page: Option<ListResponse<E>>,
}

impl<E> Default for FetchedPage<E> {
    fn default() -> Self {
        FetchedPage {
            positions: Default::default(),
            page: None,
        }
    }
}

/// A list that a server render waits for (see [`use_suspended_list`]).
pub struct SuspendedList<E: Entity> {
    /// The list, as [`use_list`] gives it.
    pub list: UseList<E>,
    /// The query the server rendered (the resource's).
    first: ListQuery,
    resource: Resource<FetchedPage<E>>,
    farm: DataFarm,
}

impl<E: Entity> Clone for SuspendedList<E> {
    fn clone(&self) -> Self {
        SuspendedList {
            list: self.list,
            first: self.first.clone(),
            resource: self.resource,
            farm: self.farm.clone(),
        }
    }
}

impl<E: Entity> SuspendedList<E> {
    /// Resolves once the list's page is in the store: on the server when it was fetched, in
    /// the browser when the server's answer (from the HTML stream) was put in. Await it in a
    /// `Suspend` inside `<Suspense>` before rendering what shows the list, so that both sides
    /// render the same rows.
    pub async fn ready(&self) {
        let fetched = self.resource.await;
        #[cfg(feature = "hydrate")]
        install::<E>(&self.farm, &self.first, &fetched);
        let _ = fetched;
    }
}

/// [`use_list`] for a server-rendered page: the server render waits (inside `<Suspense>`, see
/// [`SuspendedList::ready`]) for the page of `query`, fetched by the farm the app provided
/// for the request (with the user's cookie forwarded), and Leptos carries the answer to the
/// browser, which installs it instead of fetching it. Realtime started after it resumes from
/// the positions read before that fetch ([`DataFarm::resume_points`]). Features `ssr` (the
/// server's build) and `hydrate` (the browser's).
///
/// ```no_run
/// use data_farm::hydration::use_suspended_list;
/// use data_farm::prelude::*;
/// use leptos::prelude::*;
///
/// #[component]
/// fn Devices() -> impl IntoView {
///     let devices = use_suspended_list::<Device>(ListQuery::new().team("team_1"));
///     view! {
///         <Suspense fallback=|| "Loading…">
///             {move || {
///                 let devices = devices.clone();
///                 Suspend::new(async move {
///                     devices.ready().await;
///                     let total = devices.list.view.get_untracked().total;
///                     view! { <p>{total} " devices"</p> }
///                 })
///             }}
///         </Suspense>
///     }
/// }
/// ```
pub fn use_suspended_list<E: Entity>(query: impl Into<Signal<ListQuery>>) -> SuspendedList<E> {
    let query: Signal<ListQuery> = query.into();
    let farm = use_data_farm();
    // The resource carries the first page only (the one the server renders): later changes
    // of the query (paging, sorting, searching) are the list's, which observes them, so the
    // `Suspense` around it does not fall back and rebuild what it shows.
    let first = query.get_untracked();
    let fetching = farm.clone();
    let resource = Resource::new(
        move || first.clone(),
        move |query| fetch_page::<E>(fetching.clone(), query),
    );
    // Observing a list never fetched schedules its fetch; while hydrating, `ready` puts the
    // server's answer in first (in the same pass), so that the fetch finds it fresh and is
    // not sent.
    let list = use_list::<E>(query);
    SuspendedList {
        list,
        first: query.get_untracked(),
        resource,
        farm,
    }
}

/// Puts the page the server fetched for `query` into the store, as just fetched, unless the
/// store holds a fresh one already; notes the positions it was read at.
#[cfg(feature = "hydrate")]
fn install<E: Entity>(farm: &DataFarm, query: &ListQuery, fetched: &FetchedPage<E>) {
    let (Some(page), Some(store)) = (&fetched.page, farm.store::<E>()) else {
        return;
    };
    farm.note_resume_points(&fetched.positions);
    let view = store.list_view(query).get_untracked();
    if view.fetched_at.is_none() || view.stale {
        store.put_list(query, page.clone());
    }
}

/// On the server: the positions, then the page, fetched as the request's user. The stores'
/// futures are not `Send` (a browser has one thread), so they run to completion on a blocking
/// thread of the runtime.
#[cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
async fn fetch_page<E: Entity>(farm: DataFarm, query: ListQuery) -> FetchedPage<E> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return FetchedPage::default();
    };
    tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            let positions = farm.client().positions().await.unwrap_or_default();
            let Some(store) = farm.store::<E>() else {
                return FetchedPage::default();
            };
            if store.fetch_list(&query).await.is_err() {
                return FetchedPage::default();
            }
            let page = store.fresh_page(&query);
            FetchedPage { positions, page }
        })
    })
    .await
    .unwrap_or_default()
}

/// In the browser the resource is filled from the server's stream while hydrating; when its
/// query changes later, the list fetches the new page itself (it observes it) and the resource
/// has nothing to carry.
#[cfg(not(all(feature = "ssr", not(target_arch = "wasm32"))))]
async fn fetch_page<E: Entity>(farm: DataFarm, query: ListQuery) -> FetchedPage<E> {
    let _ = (farm, query);
    FetchedPage::default()
}
