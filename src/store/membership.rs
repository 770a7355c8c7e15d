//! Where a changed entity goes in a cached list page: decided locally when the page holds
//! enough to know, marked stale for revalidation when it does not.

use crate::entity::Entity;
use crate::query::ListQuery;

/// What was known about the entity before this change.
#[derive(Debug)]
pub enum Prior<'a, E> {
    /// Known: its previous value, or known not to have existed (a create).
    Known(Option<&'a E>),
    /// Not known (e.g. an update of an entity never fetched): the total cannot be adjusted.
    Unknown,
}

impl<E> Clone for Prior<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Prior<'_, E> {}

/// A cached page: its ids in order and the total over all pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Ids on this page, in the query's order.
    pub ids: Vec<String>,
    /// Matching entities over all pages.
    pub total: u64,
}

/// The outcome of placing a change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// The page or its total changed.
    pub changed: bool,
    /// The page can no longer be trusted and should be refetched.
    pub stale: bool,
}

/// Applies the change of `id` (now `next`, `None` when gone) to `page` of `query`.
/// `lookup` gives the current value of other ids on the page.
pub fn place<'r, E: Entity>(
    query: &ListQuery,
    page: &mut Page,
    id: &str,
    prior: Prior<'_, E>,
    next: Option<&E>,
    lookup: &dyn Fn(&str) -> Option<&'r E>,
) -> Placement {
    let mut outcome = Placement::default();
    let per_page = query.per_page as usize;
    let complete = query.page == 1 && page.ids.len() as u64 == page.total;
    let found = locate(query, page, id, prior, lookup);
    let listed = found.is_some();
    let now = next.is_some_and(|e| query.matches(e));
    let was = match prior {
        Prior::Known(before) => Some(listed || before.is_some_and(|b| query.matches(b))),
        Prior::Unknown if listed => Some(true),
        Prior::Unknown => None,
    };
    match (was, now) {
        (Some(true), false) => {
            page.total = page.total.saturating_sub(1);
            outcome.changed = true;
        }
        (Some(false), true) => {
            page.total += 1;
            outcome.changed = true;
        }
        (None, _) => outcome.stale = !complete,
        _ => {}
    }

    if let Some(pos) = found {
        // Still between the same neighbours (a status change on a list sorted by name): the
        // page is unchanged, and nothing is copied or republished.
        if let Some(next) = next.filter(|_| now) {
            if stays_between_neighbours(query, &page.ids, pos, next, lookup) {
                return outcome;
            }
        }
        page.ids.remove(pos);
        outcome.changed = true;
    }
    let last_page = (query.page as u64) * (query.per_page as u64) >= page.total;
    let Some(next) = next.filter(|_| now) else {
        // Gone from this list: a middle page now lacks the first item of the next one.
        if listed && !complete && !last_page {
            outcome.stale = true;
        }
        return outcome;
    };

    let Some(position) = sorted_position(query, &page.ids, id, next, lookup) else {
        outcome.stale = true;
        return outcome;
    };
    let len = page.ids.len();
    let starts_here = position > 0 || query.page == 1;
    let ends_here = position < len || (len < per_page && last_page);
    if complete || (starts_here && ends_here) {
        page.ids.insert(position, id.to_owned());
        if page.ids.len() > per_page {
            page.ids.pop();
        }
        outcome.changed = true;
    } else {
        // It sorts before this page's first item or after its last: another page's business.
        // If it sat on that same side before the change (a status change of a row on another
        // page of a list sorted by name), this page's boundaries did not move; otherwise they
        // may have.
        let same_side = was == Some(true)
            && !listed
            && match prior {
                Prior::Known(Some(before)) => {
                    sorted_position(query, &page.ids, id, before, lookup) == Some(position)
                }
                _ => false,
            };
        outcome.stale = !same_side;
    }
    outcome
}

/// Where `id` sits on the page. With its previous value known, a binary search finds it (the
/// page is in query order of the values before this change); otherwise, or if the search comes
/// up empty (a page being refetched may hold rows not re-placed yet), a scan.
fn locate<'r, E: Entity>(
    query: &ListQuery,
    page: &Page,
    id: &str,
    prior: Prior<'_, E>,
    lookup: &dyn Fn(&str) -> Option<&'r E>,
) -> Option<usize> {
    if let Prior::Known(Some(before)) = prior {
        let pos = sorted_position(query, &page.ids, id, before, lookup);
        if let Some(pos) = pos.filter(|&p| page.ids.get(p).is_some_and(|x| x == id)) {
            return Some(pos);
        }
    }
    page.ids.iter().position(|x| x == id)
}

/// Binary search (the page is in query order, so this stays cheap on long pages): the index of
/// the first id that does not sort before `value`. `id` itself is passed over, since `lookup`
/// may already give its new value. `None` when another id's value is not known.
fn sorted_position<'r, E: Entity>(
    query: &ListQuery,
    ids: &[String],
    id: &str,
    value: &E,
    lookup: &dyn Fn(&str) -> Option<&'r E>,
) -> Option<usize> {
    let missing = std::cell::Cell::new(false);
    let position = ids.partition_point(|other| {
        if other == id {
            return false;
        }
        match lookup(other) {
            Some(other) => query.compare(other, value).is_lt(),
            None => {
                missing.set(true);
                false
            }
        }
    });
    (!missing.get()).then_some(position)
}

/// Whether `next`, the new value of the id at `pos`, still sorts between its neighbours.
fn stays_between_neighbours<'r, E: Entity>(
    query: &ListQuery,
    ids: &[String],
    pos: usize,
    next: &E,
    lookup: &dyn Fn(&str) -> Option<&'r E>,
) -> bool {
    let after_previous = match pos.checked_sub(1).map(|p| lookup(&ids[p])) {
        None => true,
        Some(Some(previous)) => query.compare(previous, next).is_lt(),
        Some(None) => false,
    };
    let before_following = match ids.get(pos + 1).map(|f| lookup(f)) {
        None => true,
        Some(Some(following)) => query.compare(next, following).is_lt(),
        Some(None) => false,
    };
    after_previous && before_following
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use data_farm_protocol::{Device, DeviceStatus, Owner, OwnerType};

    use super::*;
    use crate::query::Order;

    fn device(id: &str, name: &str, status: DeviceStatus) -> Device {
        Device {
            id: id.into(),
            version: 1,
            updated_at: String::new(),
            name: name.into(),
            team_id: "t".into(),
            owner: Owner {
                owner_type: OwnerType::Team,
                id: "t".into(),
            },
            status,
        }
    }

    struct Fixture {
        rows: HashMap<String, Device>,
    }

    impl Fixture {
        fn new(names: &[(&str, &str)]) -> Self {
            let rows = names
                .iter()
                .map(|(id, name)| (id.to_string(), device(id, name, DeviceStatus::Online)))
                .collect();
            Fixture { rows }
        }
        fn page(&self, ids: &[&str], total: u64) -> Page {
            Page {
                ids: ids.iter().map(|s| s.to_string()).collect(),
                total,
            }
        }
        fn lookup<'a>(&'a self) -> impl Fn(&str) -> Option<&'a Device> + 'a {
            move |id| self.rows.get(id)
        }
    }

    #[test]
    fn a_create_lands_in_sort_order_in_a_complete_list() {
        let f = Fixture::new(&[("d1", "alpha"), ("d2", "charlie")]);
        let mut page = f.page(&["d1", "d2"], 2);
        let new = device("d3", "Bravo", DeviceStatus::Online);
        let out = place(
            &ListQuery::new(),
            &mut page,
            "d3",
            Prior::Known(None),
            Some(&new),
            &f.lookup(),
        );
        assert_eq!(
            out,
            Placement {
                changed: true,
                stale: false
            }
        );
        assert_eq!(page, f.page(&["d1", "d3", "d2"], 3));
    }

    #[test]
    fn a_change_to_a_row_of_another_page_that_keeps_its_side_leaves_this_page_fresh() {
        // A count (page 1 of 1 row, sorted by name) and a held row that is on a later page.
        let mut f = Fixture::new(&[("d1", "alpha"), ("d2", "bravo"), ("d3", "charlie")]);
        let q = ListQuery::new().per_page(1);
        let before = f.rows["d3"].clone();
        let mut errored = before.clone();
        errored.status = DeviceStatus::Error;
        f.rows.insert("d3".into(), errored.clone());
        let mut page = f.page(&["d1"], 3);
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Known(Some(&before)),
            Some(&errored),
            &f.lookup(),
        );
        assert_eq!(out, Placement::default(), "nothing moved: no refetch");
        assert_eq!(page, f.page(&["d1"], 3));

        // Page 2 of 1 row ("bravo"): "charlie" renamed to sort before it crosses the page.
        let q2 = ListQuery::new().per_page(1).page(2);
        let mut moved = before.clone();
        moved.name = "aardvark".into();
        f.rows.insert("d3".into(), moved.clone());
        let mut page2 = f.page(&["d2"], 3);
        let out = place(
            &q2,
            &mut page2,
            "d3",
            Prior::Known(Some(&before)),
            Some(&moved),
            &f.lookup(),
        );
        assert!(out.stale, "it crossed from after this page to before it");
    }

    #[test]
    fn a_create_that_does_not_match_changes_nothing() {
        let f = Fixture::new(&[("d1", "alpha")]);
        let mut page = f.page(&["d1"], 1);
        let new = device("d3", "zulu", DeviceStatus::Offline);
        let q = ListQuery::new().filter("status", "online");
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Known(None),
            Some(&new),
            &f.lookup(),
        );
        assert_eq!(out, Placement::default());
        assert_eq!(page, f.page(&["d1"], 1));
    }

    #[test]
    fn an_update_that_stops_matching_leaves_and_the_total_drops() {
        let mut f = Fixture::new(&[("d1", "alpha"), ("d2", "bravo")]);
        let before = f.rows["d2"].clone();
        let after = device("d2", "bravo", DeviceStatus::Error);
        f.rows.insert("d2".into(), after.clone());
        let mut page = f.page(&["d1", "d2"], 2);
        let q = ListQuery::new().filter("status", "online");
        let out = place(
            &q,
            &mut page,
            "d2",
            Prior::Known(Some(&before)),
            Some(&after),
            &f.lookup(),
        );
        assert_eq!(
            out,
            Placement {
                changed: true,
                stale: false
            }
        );
        assert_eq!(page, f.page(&["d1"], 1));
    }

    #[test]
    fn a_status_change_that_keeps_the_order_leaves_the_page_untouched() {
        let names: Vec<(String, String)> = (0..1_000)
            .map(|i| (format!("d{i}"), format!("device-{i:04}")))
            .collect();
        let pairs: Vec<(&str, &str)> = names
            .iter()
            .map(|(i, n)| (i.as_str(), n.as_str()))
            .collect();
        let mut f = Fixture::new(&pairs);
        let ids: Vec<&str> = pairs.iter().map(|(i, _)| *i).collect();
        let mut page = f.page(&ids, 1_000);
        let before = f.rows["d500"].clone();
        let after = device("d500", "device-0500", DeviceStatus::Error);
        f.rows.insert("d500".into(), after.clone());
        let out = place(
            &ListQuery::new(),
            &mut page,
            "d500",
            Prior::Known(Some(&before)),
            Some(&after),
            &f.lookup(),
        );
        assert_eq!(out, Placement::default(), "nothing to republish");
        assert_eq!(page, f.page(&ids, 1_000));
    }

    #[test]
    fn a_status_change_that_leaves_a_filtered_list_is_found_and_removed() {
        let mut f = Fixture::new(&[("d1", "alpha"), ("d2", "bravo"), ("d3", "charlie")]);
        let before = f.rows["d3"].clone();
        let after = device("d3", "charlie", DeviceStatus::Offline);
        f.rows.insert("d3".into(), after.clone());
        let mut page = f.page(&["d1", "d2", "d3"], 3);
        let out = place(
            &ListQuery::new().filter("status", "online"),
            &mut page,
            "d3",
            Prior::Known(Some(&before)),
            Some(&after),
            &f.lookup(),
        );
        assert!(out.changed);
        assert_eq!(page, f.page(&["d1", "d2"], 2));
    }

    #[test]
    fn a_rename_reorders_in_place() {
        let mut f = Fixture::new(&[("d1", "alpha"), ("d2", "bravo"), ("d3", "charlie")]);
        let before = f.rows["d1"].clone();
        let after = device("d1", "delta", DeviceStatus::Online);
        f.rows.insert("d1".into(), after.clone());
        let mut page = f.page(&["d1", "d2", "d3"], 3);
        place(
            &ListQuery::new(),
            &mut page,
            "d1",
            Prior::Known(Some(&before)),
            Some(&after),
            &f.lookup(),
        );
        assert_eq!(page, f.page(&["d2", "d3", "d1"], 3));
    }

    #[test]
    fn a_delete_from_a_middle_page_makes_it_stale() {
        let f = Fixture::new(&[("d3", "c"), ("d4", "d")]);
        let q = ListQuery::new().per_page(2).page(2);
        let mut page = f.page(&["d3", "d4"], 6);
        let before = f.rows["d3"].clone();
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Known(Some(&before)),
            None,
            &f.lookup(),
        );
        assert_eq!(
            out,
            Placement {
                changed: true,
                stale: true
            }
        );
        assert_eq!(page, f.page(&["d4"], 5));
    }

    #[test]
    fn a_create_inside_a_full_middle_page_pushes_the_last_item_out() {
        let f = Fixture::new(&[("d3", "c"), ("d5", "e")]);
        let q = ListQuery::new().per_page(2).page(2);
        let mut page = f.page(&["d3", "d5"], 6);
        let new = device("d4", "d", DeviceStatus::Online);
        let out = place(
            &q,
            &mut page,
            "d4",
            Prior::Known(None),
            Some(&new),
            &f.lookup(),
        );
        assert_eq!(
            out,
            Placement {
                changed: true,
                stale: false
            }
        );
        assert_eq!(page, f.page(&["d3", "d4"], 7));
    }

    #[test]
    fn a_create_before_a_later_pages_start_cannot_be_placed() {
        let f = Fixture::new(&[("d3", "c"), ("d4", "d")]);
        let q = ListQuery::new().per_page(2).page(2);
        let mut page = f.page(&["d3", "d4"], 6);
        let new = device("d0", "a", DeviceStatus::Online);
        let out = place(
            &q,
            &mut page,
            "d0",
            Prior::Known(None),
            Some(&new),
            &f.lookup(),
        );
        assert_eq!(
            out,
            Placement {
                changed: true,
                stale: true
            }
        );
        assert_eq!(page.total, 7, "the total is still exact");
        assert_eq!(page.ids, ["d3", "d4"]);
    }

    #[test]
    fn an_update_of_an_unknown_entity_on_a_paged_list_is_stale() {
        let f = Fixture::new(&[("d1", "a"), ("d2", "b")]);
        let q = ListQuery::new().per_page(2);
        let mut page = f.page(&["d1", "d2"], 10);
        let stranger = device("d9", "zz", DeviceStatus::Online);
        let out = place(
            &q,
            &mut page,
            "d9",
            Prior::Unknown,
            Some(&stranger),
            &f.lookup(),
        );
        assert!(out.stale);
        assert_eq!(page.total, 10);
    }

    #[test]
    fn descending_lists_insert_in_reverse_order() {
        let f = Fixture::new(&[("d1", "alpha"), ("d3", "charlie")]);
        let q = ListQuery::new().sort("name", Order::Desc);
        let mut page = f.page(&["d3", "d1"], 2);
        let new = device("d2", "bravo", DeviceStatus::Online);
        place(
            &q,
            &mut page,
            "d2",
            Prior::Known(None),
            Some(&new),
            &f.lookup(),
        );
        assert_eq!(page.ids, ["d3", "d2", "d1"]);
    }
}
