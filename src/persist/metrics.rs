//! Sync metrics: how the outbox's operations against the server fared, and how local writes did.

use std::collections::VecDeque;

/// How many recent durations are kept.
pub const RECENT: usize = 100;

/// Counters and timings of sync operations (outbox items sent to the server) and of local
/// writes. Read through [`Persistence::metrics`](super::Persistence::metrics), a signal.
///
/// ```
/// use data_farm::persist::SyncMetrics;
/// let mut metrics = SyncMetrics::default();
/// metrics.record_sync(true, 40.0, 1_000.0);
/// metrics.record_sync(false, 20.0, 2_000.0);
/// assert_eq!((metrics.total, metrics.succeeded, metrics.failed), (2, 1, 1));
/// assert_eq!(metrics.average_ms(), Some(30.0));
/// assert_eq!(metrics.last_at, Some(2_000.0));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncMetrics {
    /// Sync operations attempted.
    pub total: u64,
    /// Those the server accepted.
    pub succeeded: u64,
    /// Those that failed (conflicts, refusals, network errors).
    pub failed: u64,
    /// Outbox items waiting to be sent.
    pub pending: usize,
    /// When the last operation ended (ms since the epoch).
    pub last_at: Option<f64>,
    /// Durations of the last [`RECENT`] operations, oldest first, in milliseconds.
    pub recent_ms: VecDeque<f64>,
    /// Sum of all durations, for the average.
    pub total_ms: f64,
    /// Records written to local storage.
    pub records_written: u64,
    /// Local write batches that failed (each failed alone; the others went on).
    pub write_failures: u64,
    /// Records waiting for their write-behind timer.
    pub writes_pending: usize,
    /// The last write-behind run that had something to write.
    pub last_write: Option<WriteRun>,
}

/// One write-behind run: the batches due at one moment, written to local storage.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WriteRun {
    /// When it ended (ms since the epoch).
    pub at: f64,
    /// How long it took, in milliseconds.
    pub ms: f64,
    /// Records written.
    pub records: u64,
    /// Batches (one storage transaction each) it wrote or tried.
    pub batches: usize,
    /// Batches that failed.
    pub failures: u64,
}

impl SyncMetrics {
    /// Counts one sync operation.
    pub fn record_sync(&mut self, ok: bool, duration_ms: f64, at: f64) {
        self.total += 1;
        if ok {
            self.succeeded += 1;
        } else {
            self.failed += 1;
        }
        self.last_at = Some(at);
        self.total_ms += duration_ms;
        if self.recent_ms.len() == RECENT {
            self.recent_ms.pop_front();
        }
        self.recent_ms.push_back(duration_ms);
    }

    /// The mean duration of every operation counted, if any.
    pub fn average_ms(&self) -> Option<f64> {
        (self.total > 0).then(|| self.total_ms / self.total as f64)
    }

    /// Back to zero, keeping what describes the present (pending counts).
    pub fn reset(&mut self) {
        *self = SyncMetrics {
            pending: self.pending,
            writes_pending: self.writes_pending,
            ..SyncMetrics::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_hundred_durations_are_kept() {
        let mut metrics = SyncMetrics::default();
        for i in 0..150 {
            metrics.record_sync(true, i as f64, i as f64);
        }
        assert_eq!(metrics.recent_ms.len(), RECENT);
        assert_eq!(metrics.recent_ms.front(), Some(&50.0));
        assert_eq!(metrics.average_ms(), Some(74.5));
    }

    #[test]
    fn reset_keeps_the_pending_counts() {
        let mut metrics = SyncMetrics {
            pending: 3,
            ..SyncMetrics::default()
        };
        metrics.record_sync(true, 5.0, 1.0);
        metrics.reset();
        assert_eq!(metrics.total, 0);
        assert_eq!(metrics.pending, 3);
        assert!(metrics.recent_ms.is_empty());
    }
}
