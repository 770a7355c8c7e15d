use leptos::prelude::*;

use crate::realtime::ConnectionState;

/// The realtime connection's health, announced politely when it changes.
#[component]
pub fn ConnectionIndicator(
    /// The state to show.
    #[prop(into)]
    state: Signal<ConnectionState>,
) -> impl IntoView {
    let messages = super::use_messages();
    let m = messages.connection;
    let text = move || match state.get() {
        ConnectionState::Live => m.live.to_owned(),
        ConnectionState::Connecting => m.connecting.to_owned(),
        ConnectionState::Reconnecting { attempt, .. } => {
            (m.reconnecting)(&messages.number(u64::from(attempt)))
        }
        ConnectionState::Polling => m.polling.to_owned(),
        ConnectionState::Offline => m.offline.to_owned(),
        ConnectionState::Stopped => m.stopped.to_owned(),
    };
    view! {
        <span class=move || format!("df-connection df-connection--{}", state.get().label()) role="status" aria-live="polite"
            aria-label=move || (m.label)(&text())>
            <span class="df-connection__dot" aria-hidden="true"></span>
            {text}
        </span>
    }
}
