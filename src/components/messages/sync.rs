//! The texts of the offline-persistence components (feature `persist`): the sync dashboard,
//! the pending badge and the conflict dialog.

/// The [`SyncDashboard`](crate::components::SyncDashboard)'s and the
/// [`PendingBadge`](crate::components::PendingBadge)'s texts. `kind` is an entity kind
/// ("device"); `what` names an outbox item ("update device d-1").
#[derive(Clone, Copy, Debug)]
pub struct SyncMessages {
    /// The status section's heading: "Status".
    pub status_heading: &'static str,
    /// "Connection".
    pub connection: &'static str,
    /// The connection's announcement: "Sync connection: Online".
    pub connection_label: fn(state: &str) -> String,
    /// "Online".
    pub online: &'static str,
    /// "Offline".
    pub offline: &'static str,
    /// "Sync".
    pub sync: &'static str,
    /// Sending the outbox: "Sending…".
    pub sending: &'static str,
    /// Nothing being sent: "Idle".
    pub idle: &'static str,
    /// "Storage".
    pub storage: &'static str,
    /// Storage not opened yet: "Not started".
    pub storage_idle: &'static str,
    /// "Saved in this browser (IndexedDB)".
    pub storage_persistent: &'static str,
    /// Storage unavailable, with why: "Memory only: …".
    pub memory_only: fn(reason: &str) -> String,
    /// The warning shown while only memory holds changes.
    pub memory_warning: &'static str,
    /// "Waiting to sync".
    pub waiting: &'static str,
    /// "Sync now".
    pub sync_now: &'static str,
    /// "Flush to storage".
    pub flush: &'static str,
    /// "Reset metrics".
    pub reset_metrics: &'static str,
    /// The outbox section's heading: "Outbox".
    pub outbox_heading: &'static str,
    /// The outbox table's column headers: kind, change, entity, attempts, state, actions.
    pub outbox_columns: [&'static str; 6],
    /// An empty outbox: "Nothing waits: every change reached the server."
    pub outbox_empty: &'static str,
    /// An item's state: "Pending".
    pub pending: &'static str,
    /// "Conflict".
    pub conflict: &'static str,
    /// "Failed: …".
    pub failed: fn(error: &str) -> String,
    /// "Resolve", and its accessible name "Resolve update device d-1".
    pub resolve: (&'static str, fn(what: &str) -> String),
    /// "Retry", and "Retry update device d-1".
    pub retry: (&'static str, fn(what: &str) -> String),
    /// "Discard", and "Discard update device d-1".
    pub discard: (&'static str, fn(what: &str) -> String),
    /// The metrics section's heading: "Metrics".
    pub metrics_heading: &'static str,
    /// The metrics' labels: operations, succeeded, failed, pending, last operation, average
    /// duration, records saved locally, local write failures.
    pub metrics: [&'static str; 8],
    /// No operation yet: "never".
    pub never: &'static str,
    /// A duration: "340 ms".
    pub milliseconds: fn(ms: &str) -> String,
    /// The settings section's heading: "Settings".
    pub settings_heading: &'static str,
    /// The settings table's column headers: kind, persist, debounce, batch size, offline sync.
    pub settings_columns: [&'static str; 5],
    /// "Persist device".
    pub persist_kind: fn(kind: &str) -> String,
    /// "Debounce for device (ms)".
    pub debounce_kind: fn(kind: &str) -> String,
    /// "Batch size for device".
    pub batch_kind: fn(kind: &str) -> String,
    /// "Sync device changes made offline".
    pub sync_kind: fn(kind: &str) -> String,
    /// The pending badge: "pending sync".
    pub pending_badge: &'static str,
    /// The pending badge's title.
    pub pending_badge_title: &'static str,
}

impl SyncMessages {
    /// English.
    pub const ENGLISH: SyncMessages = SyncMessages {
        status_heading: "Status",
        connection: "Connection",
        connection_label: |state| format!("Sync connection: {state}"),
        online: "Online",
        offline: "Offline",
        sync: "Sync",
        sending: "Sending…",
        idle: "Idle",
        storage: "Storage",
        storage_idle: "Not started",
        storage_persistent: "Saved in this browser (IndexedDB)",
        memory_only: |reason| format!("Memory only: {reason}"),
        memory_warning: "Changes are kept in memory only and will be lost on reload.",
        waiting: "Waiting to sync",
        sync_now: "Sync now",
        flush: "Flush to storage",
        reset_metrics: "Reset metrics",
        outbox_heading: "Outbox",
        outbox_columns: ["Kind", "Change", "Entity", "Attempts", "State", "Actions"],
        outbox_empty: "Nothing waits: every change reached the server.",
        pending: "Pending",
        conflict: "Conflict",
        failed: |error| format!("Failed: {error}"),
        resolve: ("Resolve", |what| format!("Resolve {what}")),
        retry: ("Retry", |what| format!("Retry {what}")),
        discard: ("Discard", |what| format!("Discard {what}")),
        metrics_heading: "Metrics",
        metrics: [
            "Sync operations",
            "Succeeded",
            "Failed",
            "Pending",
            "Last operation",
            "Average duration",
            "Records saved locally",
            "Local write failures",
        ],
        never: "never",
        milliseconds: |ms| format!("{ms} ms"),
        settings_heading: "Settings",
        settings_columns: [
            "Kind",
            "Persist",
            "Debounce (ms)",
            "Batch size",
            "Sync offline changes",
        ],
        persist_kind: |kind| format!("Persist {kind}"),
        debounce_kind: |kind| format!("Debounce for {kind} (ms)"),
        batch_kind: |kind| format!("Batch size for {kind}"),
        sync_kind: |kind| format!("Sync {kind} changes made offline"),
        pending_badge: "pending sync",
        pending_badge_title: "This change waits to be sent to the server",
    };
}

/// The [`ConflictDialog`](crate::components::ConflictDialog)'s texts. `kind` and `id` name the
/// entity ("device", "d-1").
#[derive(Clone, Copy, Debug)]
pub struct ConflictMessages {
    /// The heading: "Resolve conflict: device d-1".
    pub title: fn(kind: &str, id: &str) -> String,
    /// A delete that met a change: "You deleted device d-1; someone changed it since."
    pub deleted: fn(kind: &str, id: &str) -> String,
    /// A change that met a newer one: "Someone changed device d-1 after you did (now version 4)."
    pub changed: fn(kind: &str, id: &str, version: &str) -> String,
    /// The comparison table's label: "Your change and theirs".
    pub table: &'static str,
    /// Its column headers: field, mine, theirs, keep.
    pub columns: [&'static str; 4],
    /// A field's "keep mine" choice: "Mine (name)".
    pub mine_for: fn(field: &str) -> String,
    /// A field's "keep theirs" choice: "Theirs (name)".
    pub theirs_for: fn(field: &str) -> String,
    /// "Keep mine".
    pub keep_mine: &'static str,
    /// "Take theirs".
    pub take_theirs: &'static str,
    /// "Merge selected fields".
    pub merge: &'static str,
    /// "Close".
    pub close: &'static str,
}

impl ConflictMessages {
    /// English.
    pub const ENGLISH: ConflictMessages = ConflictMessages {
        title: |kind, id| format!("Resolve conflict: {kind} {id}"),
        deleted: |kind, id| format!("You deleted {kind} {id}; someone changed it since."),
        changed: |kind, id, version| {
            format!("Someone changed {kind} {id} after you did (now version {version}).")
        },
        table: "Your change and theirs",
        columns: ["Field", "Mine", "Theirs", "Keep"],
        mine_for: |field| format!("Mine ({field})"),
        theirs_for: |field| format!("Theirs ({field})"),
        keep_mine: "Keep mine",
        take_theirs: "Take theirs",
        merge: "Merge selected fields",
        close: "Close",
    };
}
