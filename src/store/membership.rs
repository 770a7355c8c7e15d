//! Where a changed entity goes in a cached list page: decided locally when the page holds
//! enough to know, marked stale for revalidation when it does not.

use crate::entity::Fields;
use crate::query::{DraftsMode, ListQuery};

/// What was known about the entity before this change.
#[derive(Clone, Copy)]
pub enum Prior<'a> {
    /// Known: its previous value, or known not to have existed (a create).
    Known(Option<&'a dyn Fields>),
    /// Not known (e.g. an update of an entity never fetched): the total cannot be adjusted.
    Unknown,
    /// Known from a fetch older than the page's snapshot: for a page that does not list it,
    /// whether its total counted it is a guess (the snapshot may hold a delete or a change
    /// whose event is still on its way). Such a change adjusts nothing and asks the server
    /// whenever it would change the page or its total.
    Doubtful(Option<&'a dyn Fields>),
}

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
pub fn place<'r>(
    query: &ListQuery,
    page: &mut Page,
    id: &str,
    prior: Prior<'_>,
    next: Option<&dyn Fields>,
    lookup: &dyn Fn(&str) -> Option<&'r dyn Fields>,
) -> Placement {
    let mut outcome = Placement::default();
    let per_page = query.per_page as usize;
    // Whether a later page existed before this change: a row leaving this page then leaves a
    // gap that the next page's first row fills, which this page cannot know.
    let more_after = (query.page as u64) * (query.per_page as u64) < page.total;
    let complete = query.page == 1 && page.ids.len() as u64 == page.total;
    let found = locate(query, page, id, prior, lookup);
    let listed = found.is_some();
    if query.drafts == DraftsMode::Only && !listed {
        return unlisted_in_drafts_only(query, complete, prior, next);
    }
    // The value before the change, when known (`Some(None)`: known not to have existed).
    let known: Option<Option<&dyn Fields>> = match prior {
        Prior::Known(before) => Some(before),
        // Listed: the snapshot counted it. Complete: the snapshot holds every match.
        Prior::Doubtful(before) if listed || complete => Some(before),
        Prior::Doubtful(before) => return doubtful(query, page, id, before, next, lookup),
        Prior::Unknown => None,
    };
    let now = next.is_some_and(|e| query.matches(e));
    let was = match known {
        // A complete list holds every match: what it does not list, it did not count (a
        // record remembered from before may have left it by the time it was fetched).
        _ if complete => Some(listed),
        Some(before) => Some(listed || before.is_some_and(|b| query.matches(b))),
        None if listed => Some(true),
        None => None,
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
            let before = known.flatten();
            let edges = Edges {
                first_page: query.page <= 1,
                more_after,
                before,
            };
            if stays_between_neighbours(query, &page.ids, pos, next, edges, lookup) {
                return outcome;
            }
        }
        page.ids.remove(pos);
        outcome.changed = true;
    }
    let last_page = (query.page as u64) * (query.per_page as u64) >= page.total;
    let Some(next) = next.filter(|_| now) else {
        // Gone from this list: a page with more after it now lacks the next page's first row.
        if listed && !complete && more_after {
            outcome.stale = true;
        }
        // Gone from another page: whether this page's total still counted it (its snapshot
        // may be newer than what is remembered of the row) and whether its rows shift, only
        // the server knows.
        if !listed && !complete && was == Some(true) {
            outcome.stale = true;
        }
        return outcome;
    };

    let Some(position) = sorted_position(query, &page.ids, id, next, lookup) else {
        outcome.stale = true;
        return outcome;
    };
    // A row that sat on an earlier page and now sorts into this one moves this page's first
    // row up to the page before: only the server can say which row comes in at the end
    // (found by the convergence property test).
    let came_from_before = !listed
        && !complete
        && was == Some(true)
        && query.page > 1
        && match known {
            Some(Some(before)) => sorted_position(query, &page.ids, id, before, lookup) == Some(0),
            _ => false,
        };
    outcome.stale |= came_from_before;
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
            && match known {
                Some(Some(before)) => {
                    sorted_position(query, &page.ids, id, before, lookup) == Some(position)
                }
                _ => false,
            };
        outcome.stale = !same_side;
    }
    outcome
}

/// A change of an entity that a page of a [`DraftsMode::Only`] list does not hold. Which
/// entities have an open draft only the server knows (a draft's own events refetch these
/// lists), so the client never adds one here. A page holding the whole list knows it is not
/// in it; otherwise it may be on another page, and a change that could move it or end it
/// (a delete, a change of what the list sorts or filters by) asks the server.
fn unlisted_in_drafts_only(
    query: &ListQuery,
    complete: bool,
    prior: Prior<'_>,
    next: Option<&dyn Fields>,
) -> Placement {
    let unmoved = match (prior, next) {
        _ if complete => true,
        // A new entity has no draft yet (a drafted create has no entity).
        (Prior::Known(None), _) => true,
        (Prior::Known(Some(before)) | Prior::Doubtful(Some(before)), Some(next)) => {
            query.matches(before) == query.matches(next)
                && query.compare(before, next) == std::cmp::Ordering::Equal
        }
        _ => false,
    };
    Placement {
        changed: false,
        stale: !unmoved,
    }
}

/// A change of `id`, which `page` does not list, known only from a fetch older than the
/// page: if it joins or leaves the query, or now sorts into this page or across it, the page
/// cannot tell what that does to its rows and total (found by the convergence property test:
/// a late update and delete of a row the snapshot had already dropped left the total one
/// short), and asks the server. A change that keeps it on the same side of this page (a status
/// change of a row on another page of a list sorted by name) changes nothing.
fn doubtful<'r>(
    query: &ListQuery,
    page: &Page,
    id: &str,
    before: Option<&dyn Fields>,
    next: Option<&dyn Fields>,
    lookup: &dyn Fn(&str) -> Option<&'r dyn Fields>,
) -> Placement {
    let ask = Placement {
        changed: false,
        stale: true,
    };
    let before = before.filter(|b| query.matches(*b));
    let next = next.filter(|n| query.matches(*n));
    match (before, next) {
        (None, None) => Placement::default(),
        (Some(before), Some(next)) => {
            let side = |value: &dyn Fields| sorted_position(query, &page.ids, id, value, lookup);
            let len = page.ids.len();
            let first_page = query.page <= 1;
            let last_page = (query.page as u64) * (query.per_page as u64) >= page.total;
            // Before this page's first row on a later page, or after its last with more after.
            let outside = |pos: usize| (pos == 0 && !first_page) || (pos == len && !last_page);
            match (side(before), side(next)) {
                (Some(was), Some(now)) if was == now && outside(now) => Placement::default(),
                _ => ask,
            }
        }
        _ => ask,
    }
}

/// Where `id` sits on the page. With its previous value known, a binary search finds it (the
/// page is in query order of the values before this change); otherwise, or if the search comes
/// up empty (a page being refetched may hold rows not re-placed yet), a scan.
fn locate<'r>(
    query: &ListQuery,
    page: &Page,
    id: &str,
    prior: Prior<'_>,
    lookup: &dyn Fn(&str) -> Option<&'r dyn Fields>,
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
fn sorted_position<'r>(
    query: &ListQuery,
    ids: &[String],
    id: &str,
    value: &dyn Fields,
    lookup: &dyn Fn(&str) -> Option<&'r dyn Fields>,
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

/// What a page knows of its edges, for [`stays_between_neighbours`].
struct Edges<'e> {
    /// This is the first page: nothing sorts before its first row.
    first_page: bool,
    /// A later page exists: something sorts after its last row.
    more_after: bool,
    /// The row's value before the change, when known.
    before: Option<&'e dyn Fields>,
}

/// Whether `next`, the new value of the id at `pos`, still sorts between its neighbours. At
/// an edge of the page the neighbour is on the next (or previous) page, which this page does
/// not hold: there the row stays only if it did not move towards that edge.
fn stays_between_neighbours<'r>(
    query: &ListQuery,
    ids: &[String],
    pos: usize,
    next: &dyn Fields,
    edges: Edges<'_>,
    lookup: &dyn Fn(&str) -> Option<&'r dyn Fields>,
) -> bool {
    let moved = |towards_start: bool| match edges.before {
        Some(before) => {
            let order = query.compare(next, before);
            if towards_start {
                order.is_lt()
            } else {
                order.is_gt()
            }
        }
        None => true,
    };
    let after_previous = match pos.checked_sub(1).map(|p| lookup(&ids[p])) {
        None => edges.first_page || !moved(true),
        Some(Some(previous)) => query.compare(previous, next).is_lt(),
        Some(None) => false,
    };
    let before_following = match ids.get(pos + 1).map(|f| lookup(f)) {
        None => !edges.more_after || !moved(false),
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
        fn lookup<'a>(&'a self) -> impl Fn(&str) -> Option<&'a dyn Fields> + 'a {
            move |id| self.rows.get(id).map(|d| d as &dyn Fields)
        }
    }

    #[test]
    fn a_drafts_only_page_never_takes_an_entity_it_does_not_list() {
        use crate::query::DraftsMode;
        let f = Fixture::new(&[("d1", "alpha"), ("d2", "charlie")]);
        let query = ListQuery::new().per_page(2).drafts(DraftsMode::Only);
        let before = device("d5", "zulu", DeviceStatus::Online);
        let renamed = device("d5", "bravo", DeviceStatus::Online);
        let status = device("d5", "zulu", DeviceStatus::Offline);
        // The page holds two of five: d5 may be on a later page.
        let mut page = f.page(&["d1", "d2"], 5);
        let moved = place(
            &query,
            &mut page,
            "d5",
            Prior::Known(Some(&before)),
            Some(&renamed),
            &f.lookup(),
        );
        assert_eq!(
            (moved.changed, moved.stale),
            (false, true),
            "only the server knows"
        );
        assert_eq!(page, f.page(&["d1", "d2"], 5));
        let same = place(
            &query,
            &mut page,
            "d5",
            Prior::Known(Some(&before)),
            Some(&status),
            &f.lookup(),
        );
        assert_eq!(
            (same.changed, same.stale),
            (false, false),
            "nothing the list reads"
        );
        let created = place(
            &query,
            &mut page,
            "d6",
            Prior::Known(None),
            Some(&renamed),
            &f.lookup(),
        );
        assert_eq!(
            (created.changed, created.stale),
            (false, false),
            "new entities have no draft"
        );
        let gone = place(
            &query,
            &mut page,
            "d5",
            Prior::Known(Some(&before)),
            None,
            &f.lookup(),
        );
        assert!(gone.stale, "a delete may have left a later page");
        // The whole list on one page: what it does not list is not in it.
        let mut whole = f.page(&["d1", "d2"], 2);
        let outside = place(
            &query,
            &mut whole,
            "d5",
            Prior::Unknown,
            Some(&renamed),
            &f.lookup(),
        );
        assert_eq!((outside.changed, outside.stale), (false, false));
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
    fn a_row_known_from_before_the_snapshot_asks_the_server_instead_of_guessing() {
        // Page 2 of 3 (names): "bravo" d2 only, 4 in all. d3 "charlie" was fetched before this
        // page, which does not list it: the snapshot may already hold its delete.
        let mut f = Fixture::new(&[("d1", "alpha"), ("d2", "bravo"), ("d4", "delta")]);
        let q = ListQuery::new().per_page(3).page(2);
        let before = device("d3", "charlie", DeviceStatus::Online);
        let mut renamed = before.clone();
        renamed.name = "bravo2".into();
        f.rows.insert("d3".into(), renamed.clone());
        let mut page = f.page(&["d2"], 4);
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Doubtful(Some(&before)),
            Some(&renamed),
            &f.lookup(),
        );
        assert!(out.stale && !out.changed, "{out:?}");
        assert_eq!(page, f.page(&["d2"], 4), "neither inserted nor counted");
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Doubtful(Some(&renamed)),
            None,
            &f.lookup(),
        );
        assert!(
            out.stale,
            "its delete: whether the total counted it, only the server knows"
        );
        assert_eq!(page.total, 4);
    }

    #[test]
    fn a_doubtful_row_that_stays_on_another_page_changes_nothing() {
        // Page 2 of 1 row per page: "bravo" d2. d1 "alpha" (page 1) changes status.
        let mut f = Fixture::new(&[("d2", "bravo")]);
        let q = ListQuery::new().per_page(1).page(2);
        let before = device("d1", "alpha", DeviceStatus::Online);
        let mut next = before.clone();
        next.status = DeviceStatus::Error;
        f.rows.insert("d1".into(), next.clone());
        let mut page = f.page(&["d2"], 3);
        let out = place(
            &q,
            &mut page,
            "d1",
            Prior::Doubtful(Some(&before)),
            Some(&next),
            &f.lookup(),
        );
        assert_eq!(
            out,
            Placement::default(),
            "no refetch for a row that stays put"
        );
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

    /// Found by the convergence property test (shrunk to one delete): the page's own end was
    /// compared with the total after the delete, so a first page of 3 out of 4 looked like the
    /// last page and kept a gap the fourth row should fill.
    #[test]
    fn a_delete_from_a_full_page_with_one_more_row_after_it_makes_it_stale() {
        let f = Fixture::new(&[("d0", "a"), ("d1", "b"), ("d2", "c")]);
        let q = ListQuery::new().per_page(3);
        let mut page = f.page(&["d0", "d1", "d2"], 4);
        let before = f.rows["d0"].clone();
        let out = place(
            &q,
            &mut page,
            "d0",
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
        assert_eq!(page, f.page(&["d1", "d2"], 3));
    }

    /// Found by the convergence property test (shrunk to one rename): the first row of page 2,
    /// renamed to sort before it, has no neighbour before it on this page, which was taken
    /// for "still in place"; it belongs to page 1 now, and page 1's last row comes here.
    #[test]
    fn a_row_renamed_past_the_edge_of_its_page_makes_it_stale() {
        let f = Fixture::new(&[("d2", "c"), ("d3", "d")]);
        let q = ListQuery::new().per_page(3).page(2);
        let mut page = f.page(&["d3"], 4);
        let before = f.rows["d3"].clone();
        let mut renamed = before.clone();
        renamed.name = "a".into();
        let lookup = |id: &str| -> Option<&dyn Fields> {
            if id == "d3" {
                Some(&renamed)
            } else {
                f.rows.get(id).map(|d| d as &dyn Fields)
            }
        };
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Known(Some(&before)),
            Some(&renamed),
            &lookup,
        );
        assert!(out.stale, "{out:?}");

        // A change that keeps its place (its status) leaves the page as it is.
        let mut page = f.page(&["d3"], 4);
        let mut status = before.clone();
        status.status = DeviceStatus::Offline;
        let lookup = |id: &str| -> Option<&dyn Fields> {
            if id == "d3" {
                Some(&status)
            } else {
                f.rows.get(id).map(|d| d as &dyn Fields)
            }
        };
        let out = place(
            &q,
            &mut page,
            "d3",
            Prior::Known(Some(&before)),
            Some(&status),
            &lookup,
        );
        assert_eq!(out, Placement::default());
    }

    /// Found by the convergence property test (shrunk to one delete): a row deleted from page 1
    /// moves page 2's first row up to page 1; page 2 did not notice.
    #[test]
    fn a_delete_on_an_earlier_page_makes_a_later_one_stale() {
        let f = Fixture::new(&[("d0", "a"), ("d3", "d")]);
        let q = ListQuery::new().per_page(3).page(2);
        let mut page = f.page(&["d3"], 4);
        let before = f.rows["d0"].clone();
        let lookup = |id: &str| -> Option<&dyn Fields> {
            if id == "d0" {
                None
            } else {
                f.rows.get(id).map(|d| d as &dyn Fields)
            }
        };
        let out = place(
            &q,
            &mut page,
            "d0",
            Prior::Known(Some(&before)),
            None,
            &lookup,
        );
        assert!(out.stale, "{out:?}");
        assert_eq!(page.total, 3);
    }

    /// Found by the convergence property test: the first row of page 1, renamed to sort into
    /// page 2, pushes page 2's first row up to page 1; page 2 took it in and kept that row.
    #[test]
    fn a_row_moving_in_from_an_earlier_page_makes_the_page_stale() {
        let f = Fixture::new(&[("d0", "a"), ("d4", "e"), ("d3", "z")]);
        let q = ListQuery::new().per_page(3).page(2);
        let mut page = f.page(&["d4", "d3"], 5);
        let before = f.rows["d0"].clone();
        let mut moved = before.clone();
        moved.name = "y".into();
        let lookup = |id: &str| -> Option<&dyn Fields> {
            if id == "d0" {
                Some(&moved)
            } else {
                f.rows.get(id).map(|d| d as &dyn Fields)
            }
        };
        let out = place(
            &q,
            &mut page,
            "d0",
            Prior::Known(Some(&before)),
            Some(&moved),
            &lookup,
        );
        assert!(out.stale, "{out:?}");
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
