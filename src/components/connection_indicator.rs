use leptos::prelude::*;

use crate::realtime::ConnectionState;

/// The realtime connection's health, announced politely when it changes.
#[component]
pub fn ConnectionIndicator(
    /// The state to show.
    #[prop(into)]
    state: Signal<ConnectionState>,
) -> impl IntoView {
    let text = move || match state.get() {
        ConnectionState::Live => "Live".to_owned(),
        ConnectionState::Connecting => "Connecting…".to_owned(),
        ConnectionState::Reconnecting { attempt, .. } => {
            format!("Reconnecting (attempt {attempt})…")
        }
        ConnectionState::Polling => "Polling".to_owned(),
        ConnectionState::Offline => "Offline".to_owned(),
        ConnectionState::Stopped => "Disconnected".to_owned(),
    };
    view! {
        <span class=move || format!("df-connection df-connection--{}", state.get().label()) role="status" aria-live="polite"
            aria-label=move || format!("Connection: {}", text())>
            <span class="df-connection__dot" aria-hidden="true"></span>
            {text}
        </span>
    }
}
