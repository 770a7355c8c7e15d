//! Write-behind: records queued by the stores go to storage in batches when their timer is
//! due (or at once on `flush`).

use super::*;

impl Persistence {
    /// Writes every queued record now, whatever its timer says.
    pub async fn flush(&self) {
        self.write_queued(f64::INFINITY).await;
    }

    /// Writes every queued record due by `until`, in each kind's batch size.
    pub(super) async fn write_queued(&self, until: f64) {
        let batches = {
            let mut st = self.lock();
            let config = self.inner.config.with_untracked(Clone::clone);
            let mut batches = Vec::new();
            for (kind, queue) in st.queues.iter_mut() {
                batches.extend(queue.take_due(until, config.settings(kind).batch_size));
            }
            batches
        };
        self.write_batches(batches).await;
    }

    pub(super) async fn write_batches(&self, batches: Vec<Vec<Write>>) {
        let Some(storage) = self.lock().storage.clone() else {
            return;
        };
        let (mut written, mut failures) = (0u64, 0u64);
        let (started, count) = (self.inner.env.now(), batches.len());
        for batch in batches {
            let len = batch.len() as u64;
            match storage.write(batch).await {
                Ok(()) => written += len,
                Err(StorageError::Quota(reason)) => {
                    failures += 1;
                    self.degrade(StorageError::Quota(reason));
                    break;
                }
                Err(_) => failures += 1,
            }
        }
        let pending = self.lock().queues.values().map(WriteQueue::len).sum();
        let ended = self.inner.env.now();
        self.inner.metrics.update(|m| {
            m.records_written += written;
            m.write_failures += failures;
            m.writes_pending = pending;
            if count > 0 {
                m.last_write = Some(WriteRun {
                    at: ended,
                    ms: ended - started,
                    records: written,
                    batches: count,
                    failures,
                });
            }
        });
    }

    /// Arms the write-behind timer for `due` unless one fires earlier already.
    pub(super) fn arm(&self, due: f64) {
        {
            let mut st = self.lock();
            if st.armed_until.is_some_and(|armed| armed <= due) {
                return;
            }
            st.armed_until = Some(due);
        }
        let this = self.clone();
        let wait = (due - self.inner.env.now()).max(0.0);
        self.inner.env.spawn(Box::pin(async move {
            this.inner.env.sleep(wait).await;
            {
                let mut st = this.lock();
                if st.armed_until != Some(due) {
                    return; // an earlier timer took over
                }
                st.armed_until = None;
            }
            this.write_queued(this.inner.env.now()).await;
            let next = this
                .lock()
                .queues
                .values()
                .filter_map(WriteQueue::next_due)
                .reduce(f64::min);
            if let Some(next) = next {
                this.arm(next);
            }
        }));
    }
}
