//! One browser, one connection (feature `tabs`): the tabs a user has open elect a leader with
//! the Web Locks API; the leader alone holds the realtime connection and relays what it
//! applies to the other tabs over a `BroadcastChannel`.
//!
//! - **Election.** Every tab asks for the lock `data-farm/<name>/<user>`; the browser grants
//!   it to one tab at a time. The others wait in the lock's queue, so when the leader closes,
//!   reloads or is discarded, the next tab gets the lock at once.
//! - **Relay.** The leader sends every batch of events it applied, every team it refetched or
//!   forgot, and its connection state with the positions (`topic -> seq`) its applied events
//!   reached. Followers apply the batches through the same version-guarded merge as received
//!   events (a late or repeated relay is a no-op) and show the leader's connection state.
//! - **Hand-off.** A follower that becomes leader connects resuming every topic from the last
//!   positions relayed to it, so the events of the gap are replayed by the server, none lost,
//!   none applied twice (the positions never run ahead of what was relayed).
//! - **Outbox.** With persistence, only the leader replays the offline outbox; followers'
//!   queued changes are adopted by it from the shared storage (see
//!   [`Persistence`](crate::persist::Persistence)).
//! - **Fallback.** Without Web Locks or `BroadcastChannel` every tab runs its own connection,
//!   as without this feature; idempotency keys still keep replayed creates single.
//!
//! Turn it on per session with
//! [`SessionConfig::across_tabs`](crate::session::SessionConfig::across_tabs).

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod lock;
// Outside the browser no tab talks to another; the message format is still built and tested.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod wire;

use leptos::prelude::*;

use crate::farm::DataFarm;
use crate::realtime::{RealtimeConfig, RealtimeHandle};

/// This tab's part in the browser's set of tabs of one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TabRole {
    /// Waiting for the lock: another tab holds the connection; this one applies its relays.
    #[default]
    Follower,
    /// Holds the lock, the realtime connection and the outbox replay.
    Leader,
    /// Runs alone: the browser has no Web Locks or no `BroadcastChannel`, so this tab holds
    /// its own connection, as every tab does without the feature.
    Alone,
}

/// A running shared session: the realtime handle the app sees (whichever tab leads) and this
/// tab's role.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) realtime: RealtimeHandle,
    pub(crate) role: ArcReadSignal<TabRole>,
}

impl Shared {
    /// This tab on its own: its own connection, and it sends the outbox itself.
    fn alone(
        farm: &DataFarm,
        user_id: &str,
        team_ids: Vec<String>,
        config: RealtimeConfig,
    ) -> Shared {
        #[cfg(feature = "persist")]
        if let Some(persistence) = farm.persistence() {
            persistence.set_replaying(true);
        }
        Shared {
            realtime: crate::realtime::start_realtime(farm, user_id, team_ids, config),
            role: ArcRwSignal::new(TabRole::Alone).read_only(),
        }
    }
}

/// Starts realtime for `user_id` shared across the tabs of this browser that use `name`.
pub(crate) fn start_shared(
    farm: &DataFarm,
    name: &str,
    user_id: &str,
    team_ids: Vec<String>,
    config: RealtimeConfig,
) -> Shared {
    #[cfg(target_arch = "wasm32")]
    {
        browser::start(farm, name, user_id, team_ids, config)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = name;
        Shared::alone(farm, user_id, team_ids, config)
    }
}

/// The name of the lock (and of the channel) of `user_id`'s tabs of app `name`.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn lock_name(name: &str, user_id: &str) -> String {
    format!("data-farm/{name}/{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_of_each_app_has_a_lock_of_their_own() {
        assert_eq!(lock_name("demo", "u1"), "data-farm/demo/u1");
        assert_ne!(lock_name("demo", "u1"), lock_name("demo", "u2"));
        assert_ne!(lock_name("demo", "u1"), lock_name("other", "u1"));
    }
}
