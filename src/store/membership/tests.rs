//! Placement of changes in cached pages, case by case.

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
