//! The event log: per-topic sequence numbers and a bounded window of recent events.

use super::sql::{params, Conn, DbResult};
use axum::extract::ws::Utf8Bytes;
use data_farm_protocol::{ChangeOp, EventMessage, ServerMessage, Topic};
use serde_json::value::RawValue;

use super::counters;
use crate::fanout::StoredEvent;

/// What a subscriber resuming after `since` gets.
#[derive(Debug)]
pub enum Replay {
    /// Every event after `since`, in order, up to `head`.
    Events {
        /// The topic's current seq.
        head: u64,
        /// Frames `since + 1 ..= head`.
        events: Vec<StoredEvent>,
    },
    /// Some events after `since` are no longer kept (or `since` is ahead of the log):
    /// the subscriber must refetch.
    TooOld {
        /// The topic's current seq.
        head: u64,
    },
}

fn counter_name(topic: &str) -> String {
    format!("topic:{topic}")
}

/// Appends an event, assigning the next `seq`, and forgets events older than the window.
#[allow(clippy::too_many_arguments)]
pub fn append(
    conn: &Conn,
    topic: &Topic,
    kind: &str,
    op: ChangeOp,
    id: &str,
    version: u64,
    data: Option<Box<RawValue>>,
    window: u64,
) -> DbResult<StoredEvent> {
    let topic = topic.to_string();
    let seq = counters::next(conn, &counter_name(&topic))?;
    let message = ServerMessage::Event(EventMessage {
        topic: topic.clone(),
        seq,
        kind: kind.to_owned(),
        op,
        id: id.to_owned(),
        version,
        data,
    });
    let frame = message.encode();
    conn.prepare_cached("INSERT INTO events(topic, seq, frame) VALUES (?1, ?2, ?3)")?
        .execute(params![topic, seq as i64, frame])?;
    if seq > window {
        conn.prepare_cached("DELETE FROM events WHERE topic = ?1 AND seq <= ?2")?
            .execute(params![topic, (seq - window) as i64])?;
    }
    Ok(StoredEvent {
        topic,
        seq,
        frame: Utf8Bytes::from(frame),
    })
}

/// The topic's current seq.
pub fn head(conn: &Conn, topic: &str) -> DbResult<u64> {
    counters::current(conn, &counter_name(topic))
}

/// The current seq of each of `topics`, in their order, read in one statement.
pub fn heads(conn: &Conn, topics: &[String]) -> DbResult<Vec<u64>> {
    let names: Vec<String> = topics.iter().map(|topic| counter_name(topic)).collect();
    let json = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
    let sql = format!(
        "SELECT name, value FROM counters WHERE name IN ({})",
        conn.dialect().json_texts("?1")
    );
    let found: std::collections::HashMap<String, u64> = conn
        .query_map(&sql, [json], |row| Ok((row.get(0)?, row.get(1)?)))?
        .into_iter()
        .collect();
    Ok(names
        .iter()
        .map(|name| found.get(name).copied().unwrap_or(0))
        .collect())
}

/// Events of `topic` after `since`.
pub fn replay(conn: &Conn, topic: &str, since: u64) -> DbResult<Replay> {
    let head = head(conn, topic)?;
    if since > head {
        return Ok(Replay::TooOld { head });
    }
    let mut stmt = conn.prepare_cached(
        "SELECT seq, frame FROM events WHERE topic = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let events = stmt.query_map(params![topic, since as i64], |row| {
        Ok(StoredEvent {
            topic: topic.to_owned(),
            seq: row.get::<i64>(0)? as u64,
            frame: Utf8Bytes::from(row.get::<String>(1)?),
        })
    })?;
    let complete = events.len() as u64 == head - since
        && events.first().is_none_or(|first| first.seq == since + 1);
    if complete {
        Ok(Replay::Events { head, events })
    } else {
        Ok(Replay::TooOld { head })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Conn {
        let mut conn = Conn::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        super::super::schema::migrate(&mut conn).unwrap();
        conn
    }

    fn publish(conn: &Conn, n: usize, window: u64) {
        let topic = Topic::Team("t1".into());
        for i in 0..n {
            append(
                conn,
                &topic,
                "device",
                ChangeOp::Updated,
                &format!("d{i}"),
                2,
                None,
                window,
            )
            .unwrap();
        }
    }

    #[test]
    fn seq_increases_by_one_per_topic() {
        let conn = log();
        publish(&conn, 3, 100);
        let other = append(
            &conn,
            &Topic::Team("t2".into()),
            "team",
            ChangeOp::Created,
            "t2",
            1,
            None,
            100,
        )
        .unwrap();
        assert_eq!(head(&conn, "team:t1").unwrap(), 3);
        assert_eq!(other.seq, 1);
    }

    #[test]
    fn replays_everything_after_since() {
        let conn = log();
        publish(&conn, 5, 100);
        let Replay::Events { head, events } = replay(&conn, "team:t1", 2).unwrap() else {
            panic!("expected events")
        };
        assert_eq!(head, 5);
        assert_eq!(
            events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert!(events[0].frame.as_str().contains(r#""seq":3"#));
    }

    #[test]
    fn since_older_than_the_window_is_too_old() {
        let conn = log();
        publish(&conn, 10, 4);
        assert!(matches!(
            replay(&conn, "team:t1", 5).unwrap(),
            Replay::TooOld { head: 10 }
        ));
        assert!(matches!(
            replay(&conn, "team:t1", 6).unwrap(),
            Replay::Events { head: 10, .. }
        ));
    }

    #[test]
    fn since_ahead_of_the_log_is_too_old() {
        let conn = log();
        publish(&conn, 2, 100);
        assert!(matches!(
            replay(&conn, "team:t1", 7).unwrap(),
            Replay::TooOld { head: 2 }
        ));
    }

    #[test]
    fn heads_answer_every_topic_in_order() {
        let conn = log();
        publish(&conn, 3, 100);
        let topics = ["team:nobody".to_owned(), "team:t1".to_owned()];
        assert_eq!(heads(&conn, &topics).unwrap(), vec![0, 3]);
    }

    #[test]
    fn an_unknown_topic_is_at_zero() {
        let conn = log();
        assert!(matches!(
            replay(&conn, "team:nobody", 0).unwrap(),
            Replay::Events { head: 0, .. }
        ));
    }
}
