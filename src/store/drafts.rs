//! Drafts beside lists: the drafts a list asked with `drafts=include|only` answers go out
//! through a port (the store keeps no drafts of its own), and `drafts=only` lists are
//! refetched when a draft of the kind changes (only the server knows which entities have one).

use super::port::{DraftsPort, DraftsSeen};
use super::record::Rec;
use super::StoreCore;
use crate::query::DraftsMode;

impl StoreCore {
    /// Sends the drafts lists answer to `port` from now on (once; later calls are ignored).
    pub(crate) fn set_drafts_port(&self, port: DraftsPort) {
        let _ = self.inner.drafts.set(port);
    }

    /// Hands the drafts a list answered to the port, if any (outside the store's lock).
    pub(super) fn publish_drafts(&self, seen: Option<DraftsSeen>) {
        if let (Some(seen), Some(port)) = (seen, self.inner.drafts.get()) {
            port(seen);
        }
    }

    /// Marks stale the `drafts=only` lists that may show `team`'s entities (all of them for
    /// `None`); observed ones refetch (coalesced, like every revalidation).
    pub fn invalidate_drafts_only(&self, team: Option<&str>) {
        self.invalidate_where(
            |query| {
                query.drafts == DraftsMode::Only
                    && match (team, query.team.as_deref()) {
                        (Some(changed), Some(listed)) => changed == listed,
                        _ => true,
                    }
            },
            |_| false,
        );
    }

    /// Merges records obtained beside another answer (a list's drafts) as fetched now.
    pub(crate) fn merge_records(&self, records: Vec<Rec>) {
        if records.is_empty() {
            return;
        }
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            for record in records {
                self.merge_fetched(&mut st, record, &mut effects);
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }
}
