//! A list controller's state in the page's URL (feature `router`, for apps on
//! `leptos_router`): a reload or a shared link shows the same list, and back and forward step
//! through the user's changes.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;

use super::ListController;
use crate::entity::Entity;

type Pairs = Vec<(String, String)>;

fn pairs(map: &ParamsMap) -> impl Iterator<Item = (&str, &str)> {
    map.into_iter().map(|(key, value)| (key.as_ref(), value))
}

impl<E: Entity> ListController<E> {
    /// Keeps this list's user-controlled state (search, filters, sort, page, page size, drafts
    /// toggle) in the URL's query string under `prefix` (`"devices."`), as
    /// [`ListQuery::url_params`](crate::query::ListQuery::url_params) writes it: what the URL
    /// holds now is shown at once, each change the user makes is a new history entry, and a
    /// URL that changes (back, forward, a link) is shown. Keys of other prefixes are left as
    /// they are, so several lists (and the app's own keys) share one URL. Call it once, in
    /// the component that made the controller, inside a `leptos_router` `Router`.
    pub fn bind_to_url(&self, prefix: &'static str) {
        let url = use_query_map();
        let (navigate, location) = (use_navigate(), use_location());
        let initial = self.initial();
        let query = self.query();
        let from_url = {
            let initial = initial.clone();
            move |map: &ParamsMap| initial.from_url_params(prefix, pairs(map))
        };
        let now = url.with_untracked(&from_url);
        if query.with_untracked(|q| *q != now) {
            query.set(now);
        }
        // The URL changed: show what it says.
        crate::effect::effect(move || {
            let next = url.with(&from_url);
            if query.with_untracked(|q| *q != next) {
                query.set(next);
            }
        });
        // The user changed the list: a new history entry with it.
        crate::effect::effect(move || {
            let own = query.with(|q| q.url_params(&initial, prefix));
            let (mut have, mut wanted): (Pairs, Pairs) = url.with_untracked(|map| {
                let all: Pairs = pairs(map)
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                let others = all
                    .iter()
                    .filter(|(k, _)| !k.starts_with(prefix))
                    .cloned()
                    .collect();
                (all, others)
            });
            wanted.extend(own);
            let target: ParamsMap = wanted.iter().cloned().collect();
            crate::sort::sort_by(&mut wanted, Ord::cmp);
            crate::sort::sort_by(&mut have, Ord::cmp);
            if wanted != have {
                let path = location.pathname.get_untracked();
                navigate(
                    &format!("{path}{}", target.to_query_string()),
                    NavigateOptions {
                        scroll: false,
                        ..Default::default()
                    },
                );
            }
        });
    }
}
