//! The write-behind queue of one entity kind: the latest write per key, in the order keys were
//! first queued, each waiting out its own debounce before it may be written.

use std::collections::{HashMap, VecDeque};

use super::storage::Write;

/// Pending writes with a per-key debounce.
///
/// ```
/// use data_farm::persist::{Write, WriteQueue};
/// let mut queue = WriteQueue::default();
/// queue.record(Write::Put("a".into(), "1".into()), 0.0, 300.0);
/// queue.record(Write::Put("b".into(), "1".into()), 100.0, 300.0);
/// queue.record(Write::Put("a".into(), "2".into()), 200.0, 300.0); // a's timer restarts
/// assert!(queue.take_due(350.0, 10).is_empty());
/// assert_eq!(queue.take_due(400.0, 10), vec![vec![Write::Put("b".into(), "1".into())]]);
/// assert_eq!(queue.take_due(500.0, 10), vec![vec![Write::Put("a".into(), "2".into())]]);
/// ```
#[derive(Debug, Default)]
pub struct WriteQueue {
    order: VecDeque<String>,
    pending: HashMap<String, (Write, f64)>,
}

impl WriteQueue {
    /// Queues `write`, replacing any write of the same key (which keeps its place in line) and
    /// restarting that key's timer: it becomes due `debounce_ms` after `now`.
    pub fn record(&mut self, write: Write, now: f64, debounce_ms: f64) {
        let key = write.key().to_owned();
        let due = now + debounce_ms.max(0.0);
        if self.pending.insert(key.clone(), (write, due)).is_none() {
            self.order.push_back(key);
        }
    }

    /// Removes and returns every write due at `now`, in first-queued order, in batches of at
    /// most `batch_size`.
    pub fn take_due(&mut self, now: f64, batch_size: usize) -> Vec<Vec<Write>> {
        self.take_where(batch_size, |due| due <= now)
    }

    /// Removes and returns every write, due or not (a flush).
    pub fn take_all(&mut self, batch_size: usize) -> Vec<Vec<Write>> {
        self.take_where(batch_size, |_| true)
    }

    fn take_where(&mut self, batch_size: usize, ready: impl Fn(f64) -> bool) -> Vec<Vec<Write>> {
        let mut taken = Vec::new();
        let pending = &mut self.pending;
        self.order.retain(|key| match pending.get(key) {
            Some((_, due)) if ready(*due) => {
                if let Some((write, _)) = pending.remove(key) {
                    taken.push(write);
                }
                false
            }
            Some(_) => true,
            None => false,
        });
        let size = batch_size.max(1);
        let mut batches = Vec::with_capacity(taken.len().div_ceil(size));
        let mut taken = taken.into_iter().peekable();
        while taken.peek().is_some() {
            batches.push(taken.by_ref().take(size).collect());
        }
        batches
    }

    /// Drops every queued write whose key starts with `prefix` (data being deleted anyway).
    pub fn drop_prefix(&mut self, prefix: &str) {
        self.pending.retain(|key, _| !key.starts_with(prefix));
        let pending = &self.pending;
        self.order.retain(|key| pending.contains_key(key));
    }

    /// Keeps only the queued writes `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Write) -> bool) {
        self.pending.retain(|_, (write, _)| keep(write));
        let pending = &self.pending;
        self.order.retain(|key| pending.contains_key(key));
    }

    /// When the next write becomes due.
    pub fn next_due(&self) -> Option<f64> {
        self.pending.values().map(|(_, due)| *due).reduce(f64::min)
    }

    /// How many writes wait.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &str) -> Write {
        Write::Put(key.into(), value.into())
    }

    #[test]
    fn each_key_waits_out_its_own_debounce() {
        let mut queue = WriteQueue::default();
        queue.record(put("a", "1"), 0.0, 300.0);
        queue.record(put("b", "1"), 250.0, 300.0);
        assert_eq!(queue.take_due(300.0, 10), vec![vec![put("a", "1")]]);
        assert_eq!(queue.next_due(), Some(550.0));
        assert!(queue.take_due(549.0, 10).is_empty());
        assert_eq!(queue.take_due(550.0, 10), vec![vec![put("b", "1")]]);
        assert!(queue.is_empty());
    }

    #[test]
    fn the_latest_write_of_a_key_wins_and_keeps_the_first_place() {
        let mut queue = WriteQueue::default();
        queue.record(put("a", "1"), 0.0, 0.0);
        queue.record(put("b", "1"), 0.0, 0.0);
        queue.record(Write::Delete("a".into()), 0.0, 0.0);
        assert_eq!(
            queue.take_all(10),
            vec![vec![Write::Delete("a".into()), put("b", "1")]]
        );
    }

    #[test]
    fn writes_go_in_batches_of_the_configured_size() {
        let mut queue = WriteQueue::default();
        for i in 0..25 {
            queue.record(put(&format!("k{i:02}"), "v"), 0.0, 0.0);
        }
        let batches = queue.take_due(0.0, 10);
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [10, 10, 5]
        );
        assert_eq!(batches[0][0].key(), "k00");
        assert_eq!(batches[2][4].key(), "k24");
    }

    #[test]
    fn dropping_a_prefix_forgets_only_those_keys() {
        let mut queue = WriteQueue::default();
        queue.record(put("alice/r/1", "v"), 0.0, 0.0);
        queue.record(put("bob/r/1", "v"), 0.0, 0.0);
        queue.drop_prefix("alice/");
        assert_eq!(queue.take_all(10), vec![vec![put("bob/r/1", "v")]]);
    }
}
