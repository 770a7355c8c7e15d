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
mod tests;
