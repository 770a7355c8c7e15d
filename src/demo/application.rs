//! An application: details, an edit form with server field errors and conflict resolution,
//! and delete with confirmation.

use data_farm::components::{ErrorDisplay, RelativeTime, SkeletonText};
use data_farm::prelude::*;
use data_farm::protocol::PatchNamed;
use data_farm::store::conflict_current;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

/// `/applications/:id`.
#[component]
pub fn ApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let app = use_entity::<Application>(id);
    let store = app.store.clone();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let base_version = RwSignal::new(0u64);
    let error = RwSignal::new(None::<ApiError>);
    let theirs = RwSignal::new(None::<Application>);
    let saved = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    // Fill the form when the entity first arrives.
    Effect::new(move |filled: Option<bool>| {
        if filled == Some(true) {
            return true;
        }
        match app.entity.get() {
            Some(a) => {
                name.set(a.name.clone());
                description.set(a.description.clone());
                base_version.set(a.version);
                true
            }
            None => false,
        }
    });
    let save = {
        let store = store.clone();
        move |overwrite: bool| {
            let store = store.clone();
            let version = if overwrite {
                theirs.get_untracked().map(|t| t.version)
            } else {
                Some(base_version.get_untracked())
            };
            let patch = PatchNamed {
                name: Some(name.get_untracked()),
                description: Some(description.get_untracked()),
            };
            spawn_local(async move {
                match store.update(&id.get_untracked(), patch, version).await {
                    Ok(updated) => {
                        base_version.set(updated.version);
                        error.set(None);
                        theirs.set(None);
                        saved.set(true);
                    }
                    Err(err) => {
                        theirs.set(conflict_current::<Application>(&err));
                        error.set(Some(err));
                        saved.set(false);
                    }
                }
            });
        }
    };
    let save_plain = save.clone();
    let navigate = use_navigate();
    let delete = move |_| {
        let (store, navigate) = (store.clone(), navigate.clone());
        spawn_local(async move {
            match store.delete(&id.get_untracked(), None).await {
                Ok(()) => navigate("/", Default::default()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        {move || {
            let detail = app.view.get();
            if detail.deleted {
                return view! { <h1>"Application deleted"</h1><p>"Someone deleted this application."</p> }.into_any();
            }
            match app.entity.get() {
                None => view! { <div aria-busy="true"><SkeletonText lines=5/></div> }.into_any(),
                Some(current) => view! {
                    <h1>{current.name.clone()}</h1>
                    <p class="df-muted">"Version " {current.version} ", updated " <RelativeTime at=current.updated_at.clone()/></p>
                }.into_any(),
            }
        }}
        <form class="demo-form" aria-label="Edit application" on:submit=move |ev| { ev.prevent_default(); save_plain(false) }>
            <label class="df-field--inline"><span>"Name"</span>
                <input name="name" prop:value=move || name.get() on:input=move |ev| { saved.set(false); name.set(event_target_value(&ev)) }/>
            </label>
            <label class="df-field--inline"><span>"Description"</span>
                <textarea name="description" prop:value=move || description.get() on:input=move |ev| { saved.set(false); description.set(event_target_value(&ev)) }></textarea>
            </label>
            <ErrorDisplay error=error/>
            {move || theirs.get().map(|t| {
                let save = save.clone();
                view! {
                    <div class="demo-conflict" role="group" aria-label="Resolve conflict">
                        <p>{format!("Their version: \"{}\" (version {})", t.name, t.version)}</p>
                        <button type="button" class="df-button" on:click=move |_| {
                            name.set(t.name.clone());
                            description.set(t.description.clone());
                            base_version.set(t.version);
                            theirs.set(None);
                            error.set(None);
                        }>"Reload their version"</button>
                        <button type="button" class="df-button" on:click=move |_| save(true)>"Overwrite"</button>
                    </div>
                }
            })}
            <div class="demo-actions">
                <button type="submit" class="df-button df-primary">"Save"</button>
                {move || saved.get().then(|| view! { <span role="status">"Saved"</span> })}
                <button type="button" class="df-button" on:click=move |_| confirming.set(true)>"Delete"</button>
            </div>
        </form>
        {move || confirming.get().then(|| {
            let delete = delete.clone();
            view! {
                <div class="demo-dialog" role="alertdialog" aria-label="Confirm delete">
                    <p>"Delete this application? This cannot be undone."</p>
                    <button type="button" class="df-button" on:click=delete>"Delete application"</button>
                    <button type="button" class="df-button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            }
        })}
    }
}
