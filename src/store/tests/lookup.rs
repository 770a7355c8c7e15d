//! Lookups by id: batched, asked once, kept current; positions.

use super::*;

#[test]
fn lookups_in_one_turn_make_one_request_and_each_id_is_asked_for_once() {
    let s = setup(vec![
        device("d1", "a", 1),
        device("d2", "b", 1),
        device("d3", "c", 1),
    ]);
    {
        let one = s.store.lookup("d1");
        let two = s.store.lookup("d2");
        let missing = s.store.lookup("nope");
        let _again = s.store.lookup("d1");
        assert_eq!(s.api.requests(), 0, "nothing is sent before the turn ends");
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 1, "one request for every id of the turn");
        assert_eq!(one.get_untracked().map(|d| d.name), Some("a".into()));
        assert_eq!(two.get_untracked().map(|d| d.name), Some("b".into()));
        assert_eq!(missing.get_untracked(), None);

        // Held ids and ids already asked for (found or not) are not asked again.
        let _ = s.store.lookup("d1");
        let _ = s.store.lookup("nope");
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 1);

        // A later turn asks only for what it lacks.
        let three = s.store.lookup("d3");
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 2);
        assert_eq!(three.get_untracked().map(|d| d.name), Some("c".into()));
    }
}

#[test]
fn a_looked_up_record_follows_events_and_a_failed_lookup_may_be_asked_again() {
    let s = setup(vec![device("d1", "a", 1)]);
    {
        // Refused (not transient: no retry): nothing is held, and the id may be asked again.
        *s.api.fail_next.lock().unwrap() = Some(ApiError::Forbidden {
            message: "not now".into(),
        });
        let record = s.store.lookup("d1");
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 1);
        assert_eq!(record.get_untracked(), None);
        let record = s.store.lookup("d1");
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 2, "asked again after the error");
        assert_eq!(record.get_untracked().map(|d| d.version), Some(1));

        let renamed = s.api.server_update("d1", |d| d.name = "renamed".into());
        s.store
            .apply_event(ChangeOp::Updated, "d1", 2, Some(&raw(&renamed)));
        assert_eq!(
            record.get_untracked().map(|d| d.name),
            Some("renamed".into())
        );
        assert_eq!(s.api.requests(), 2);
    }
}

#[test]
fn find_position_pages_by_the_querys_page_size() {
    let devices = (1..=30)
        .map(|i| device(&format!("d{i:02}"), &format!("n{i:02}"), 1))
        .collect();
    let s = setup(devices);
    let query = ListQuery::new().per_page(7).page(3);
    let found = block_on(s.store.find_position(&query, "d10")).unwrap();
    assert_eq!(
        found,
        Some(data_farm_protocol::Position {
            page: 2,
            index: 2,
            per_page: 7,
            total: 30
        })
    );
    let absent = block_on(s.store.find_position(&query.clone().search("zzz"), "d10")).unwrap();
    assert_eq!(absent, None);
}
