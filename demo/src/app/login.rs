//! The sign-in page, with the demo logins one click away.

use data_farm::api::ApiClient;
use data_farm::prelude::use_data_farm;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Auth;

const DEMO_LOGINS: [(&str, &str); 3] = [
    ("alice", "Acme and Globex"),
    ("bob", "Globex"),
    ("eve", "no team"),
];

/// Sign in with a username and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let auth = expect_context::<RwSignal<Auth>>();
    let farm = use_data_farm();
    let live = expect_context::<super::Live>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let sign_in = move |user: String, pass: String| {
        let api = api.clone();
        let farm = farm.clone();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api.login(&user, &pass).await {
                Ok(session) => super::signed_in(farm, auth, live, session).await,
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };
    let submit = {
        let sign_in = sign_in.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            sign_in(username.get_untracked(), password.get_untracked());
        }
    };

    view! {
        <h1>"Sign in to data-farm"</h1>
        <form class="df-card" on:submit=submit aria-busy=move || busy.get().to_string()>
            <div class="df-field">
                <label for="username">"Username"</label>
                <input id="username" name="username" autocomplete="username" required
                    prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
            </div>
            <div class="df-field">
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            </div>
            {move || error.get().map(|message| view! { <p class="df-error" role="alert">{message}</p> })}
            <button class="df-primary" type="submit" disabled=move || busy.get()>"Sign in"</button>
        </form>
        <h2 id="demo-logins">"Demo logins"</h2>
        <p class="df-muted">"Each password is the username."</p>
        <div class="df-demo-logins" role="group" aria-labelledby="demo-logins">
            {DEMO_LOGINS.into_iter().map(|(user, teams)| {
                let sign_in = sign_in.clone();
                view! {
                    <button type="button" title=teams disabled=move || busy.get()
                        on:click=move |_| sign_in(user.to_owned(), user.to_owned())>
                        {format!("Sign in as {user}")}
                    </button>
                }
            }).collect_view()}
        </div>
    }
}
