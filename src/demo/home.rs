//! The signed-in landing page: the user's teams.

use data_farm::api::ApiClient;
use data_farm::protocol::SessionResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Auth;

/// Lists the user's teams and offers to sign out.
#[component]
pub fn HomePage(session: SessionResponse) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let auth = expect_context::<RwSignal<Auth>>();
    let sign_out = move |_| {
        let api = api.clone();
        spawn_local(async move {
            let _ = api.logout().await;
            auth.set(Auth::SignedOut);
        });
    };
    let teams = session.teams;
    view! {
        <div class="df-row">
            <h1>{format!("Signed in as {}", session.user.display_name)}</h1>
            <button type="button" on:click=sign_out>"Sign out"</button>
        </div>
        <h2 id="teams-heading">"Your teams"</h2>
        {if teams.is_empty() {
            view! { <p class="df-muted">"You are not a member of any team yet."</p> }.into_any()
        } else {
            view! {
                <ul class="df-list" aria-labelledby="teams-heading">
                    {teams.into_iter().map(|team| view! {
                        <li>
                            <strong>{team.name}</strong>
                            <div class="df-muted">{team.description}</div>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
