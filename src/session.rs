//! A signed-in user's session: one call starts what the session runs, in the order that keeps
//! it correct; one call ends it and forgets the user.
//!
//! Starting: persistence (when the farm has it) fills the stores from what this browser kept
//! for the user, *then* realtime connects, so events arriving at once merge over the hydrated
//! records through the version rule instead of racing them. Ending: realtime stops first (no
//! event can land after the clear), then every store forgets everything and, with persistence,
//! the user's persisted data is deleted, so the next user of the page sees nothing of this one.

use crate::farm::DataFarm;
#[cfg(feature = "realtime")]
use crate::realtime::{start_realtime, ConnectionState, RealtimeConfig, RealtimeHandle};

/// Who signed in and what their session runs. Built with [`SessionConfig::new`].
#[derive(Debug, Clone)]
pub struct SessionConfig {
    user_id: String,
    team_ids: Vec<String>,
    #[cfg(feature = "realtime")]
    realtime: Option<RealtimeConfig>,
    #[cfg(feature = "tabs")]
    across_tabs: Option<String>,
}

impl SessionConfig {
    /// The session of `user_id`, a member of `team_ids` (the topics realtime follows).
    /// Realtime is on with [`RealtimeConfig::default`] (WebSocket) when the feature is.
    pub fn new(user_id: impl Into<String>, team_ids: Vec<String>) -> Self {
        SessionConfig {
            user_id: user_id.into(),
            team_ids,
            #[cfg(feature = "realtime")]
            realtime: Some(RealtimeConfig::default()),
            #[cfg(feature = "tabs")]
            across_tabs: None,
        }
    }

    /// Shares the session among the tabs of this browser that use the same `app` name (and
    /// user): one tab leads and holds the realtime connection and the outbox replay, the others
    /// follow its relays (see [`crate::tabs`]). Without Web Locks or `BroadcastChannel` every
    /// tab runs alone, as without this call.
    ///
    /// ```no_run
    /// use data_farm::session::SessionConfig;
    /// let config = SessionConfig::new("user_1", vec!["team_1".into()]).across_tabs("my-app");
    /// ```
    #[cfg(feature = "tabs")]
    pub fn across_tabs(mut self, app: impl Into<String>) -> Self {
        self.across_tabs = Some(app.into());
        self
    }

    /// How realtime runs, or `None` for a session without it (stores then stay current through
    /// their own refetches and polling only). Defaults to [`RealtimeConfig::default`].
    #[cfg(feature = "realtime")]
    pub fn realtime(mut self, config: Option<RealtimeConfig>) -> Self {
        self.realtime = config;
        self
    }
}

/// A running session (see [`DataFarm::start_session`]). Cheap to clone; ending one clone ends
/// it.
#[derive(Clone)]
pub struct Session {
    farm: DataFarm,
    user_id: String,
    #[cfg(feature = "realtime")]
    realtime: Option<RealtimeHandle>,
    #[cfg(feature = "tabs")]
    role: Option<leptos::prelude::ArcReadSignal<crate::tabs::TabRole>>,
}

impl DataFarm {
    /// Starts the session of a signed-in user: hydrates the stores from persisted data (with
    /// the `persist` feature and [`DataFarmConfig::persist`](crate::farm::DataFarmConfig)),
    /// then starts realtime (with the `realtime` feature). Call [`Session::end`] on sign-out.
    ///
    /// ```no_run
    /// use data_farm::prelude::*;
    /// use data_farm::session::SessionConfig;
    /// # async fn demo(farm: DataFarm) {
    /// let session = farm.start_session(SessionConfig::new("user_1", vec!["team_1".into()])).await;
    /// // … the user works; on sign-out:
    /// session.end();
    /// # }
    /// ```
    pub async fn start_session(&self, config: SessionConfig) -> Session {
        // After hydration, realtime resumes where the server render read its data.
        #[cfg(all(feature = "realtime", feature = "hydrate"))]
        let config = {
            let mut config = config;
            if let Some(realtime) = config.realtime.as_mut().filter(|r| r.resume.is_empty()) {
                realtime.resume = self.resume_points();
            }
            config
        };
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.persistence() {
            // Shared across tabs, a tab sends the outbox only once it leads.
            #[cfg(feature = "tabs")]
            persistence.set_replaying(config.across_tabs.is_none() || config.realtime.is_none());
            persistence.start(&config.user_id).await;
        }
        #[cfg(feature = "tabs")]
        if let (Some(app), Some(realtime)) = (&config.across_tabs, &config.realtime) {
            let shared = crate::tabs::start_shared(
                self,
                app,
                &config.user_id,
                config.team_ids.clone(),
                realtime.clone(),
            );
            return Session {
                farm: self.clone(),
                user_id: config.user_id,
                realtime: Some(shared.realtime),
                role: Some(shared.role),
            };
        }
        #[cfg(feature = "realtime")]
        let realtime = config.realtime.map(|realtime| {
            start_realtime(self, &config.user_id, config.team_ids.clone(), realtime)
        });
        #[cfg(not(feature = "realtime"))]
        let _ = config.team_ids;
        Session {
            farm: self.clone(),
            user_id: config.user_id,
            #[cfg(feature = "realtime")]
            realtime,
            #[cfg(feature = "tabs")]
            role: None,
        }
    }
}

impl Session {
    /// The signed-in user.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The realtime subscriber, when the session runs one.
    #[cfg(feature = "realtime")]
    pub fn realtime(&self) -> Option<&RealtimeHandle> {
        self.realtime.as_ref()
    }

    /// This tab's part when the session is shared across tabs
    /// ([`SessionConfig::across_tabs`]); `None` otherwise. Reactive.
    #[cfg(feature = "tabs")]
    pub fn tab_role(&self) -> Option<crate::tabs::TabRole> {
        use leptos::prelude::Get;
        self.role.as_ref().map(|role| role.get())
    }

    /// The realtime connection's state now; [`ConnectionState::Stopped`] without realtime.
    /// Reactive: read inside a reactive scope, it tracks the connection.
    #[cfg(feature = "realtime")]
    pub fn connection(&self) -> ConnectionState {
        use leptos::prelude::Get;
        self.realtime
            .as_ref()
            .map(|handle| handle.state.get())
            .unwrap_or(ConnectionState::Stopped)
    }

    /// Ends the session (sign-out): stops realtime, then forgets every record of every store
    /// and, with persistence, deletes the user's persisted data ([`DataFarm::clear`]).
    pub fn end(&self) {
        #[cfg(feature = "realtime")]
        if let Some(handle) = &self.realtime {
            handle.stop();
        }
        self.farm.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::farm::DataFarmConfig;
    use crate::protocol::Team;

    fn team(id: &str) -> Team {
        Team {
            id: id.into(),
            version: 1,
            updated_at: "2026-01-01T00:00:00Z".into(),
            name: id.into(),
            description: String::new(),
        }
    }

    #[test]
    fn ending_a_session_forgets_every_record() {
        let farm = DataFarmConfig::new("").register::<Team>().build();
        let session =
            futures_executor::block_on(farm.start_session(SessionConfig::new("u1", vec![])));
        assert_eq!(session.user_id(), "u1");
        let teams = farm.store::<Team>().expect("registered");
        teams.put_list(
            &crate::query::ListQuery::new(),
            data_farm_protocol::ListResponse::new(vec![team("t1")], 1),
        );
        assert!(teams.peek("t1").is_some());
        session.end();
        assert!(teams.peek("t1").is_none());
    }
}
