//! The demo application.

mod home;
mod login;

use data_farm::api::{ApiClient, ApiError};
use data_farm::protocol::{ListResponse, SessionResponse, Team};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Who is signed in, as far as the page knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// Asking the server.
    Checking,
    /// Nobody.
    SignedOut,
    /// Someone, with their teams.
    SignedIn(SessionResponse),
}

/// Restores a session from the cookie, if there is one.
async fn restore(api: &ApiClient) -> Result<SessionResponse, ApiError> {
    let me = api.me().await?;
    let teams: ListResponse<Team> = api.get("/teams?per_page=100").await?;
    Ok(SessionResponse {
        user: me.user,
        teams: teams.items,
    })
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let api = ApiClient::new("");
    let auth = RwSignal::new(Auth::Checking);
    provide_context(api.clone());
    provide_context(auth);
    spawn_local(async move {
        auth.set(match restore(&api).await {
            Ok(session) => Auth::SignedIn(session),
            Err(_) => Auth::SignedOut,
        });
    });
    view! {
        <main>
            {move || match auth.get() {
                Auth::Checking => view! {
                    <div aria-busy="true" aria-label="Loading">
                        <span class="df-skeleton" aria-hidden="true" style="width: 40%"></span>
                        <span class="df-skeleton" aria-hidden="true"></span>
                        <span class="df-skeleton" aria-hidden="true" style="width: 70%"></span>
                    </div>
                }.into_any(),
                Auth::SignedOut => view! { <login::LoginPage/> }.into_any(),
                Auth::SignedIn(session) => view! { <home::HomePage session=session/> }.into_any(),
            }}
        </main>
    }
}
