//! The detail page of any kind: a heading, a summary, an edit form with the server's field errors
//! and conflict resolution (reload their version / overwrite), and delete with confirmation.

use data_farm::components::{dialog_focus, ErrorDisplay, RelativeTime, SkeletonText};
use data_farm::farm::InteractionGuard;
use data_farm::prelude::*;
use data_farm::store::conflict_current;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::form::{names, Field, FieldInput, Values};

/// A form field and how to read its value from the entity.
pub struct Editable<E> {
    pub field: Field,
    pub read: fn(&E) -> String,
}

impl<E> Clone for Editable<E> {
    fn clone(&self) -> Self {
        Editable {
            field: self.field.clone(),
            read: self.read,
        }
    }
}

impl<E> Editable<E> {
    pub fn new(field: Field, read: fn(&E) -> String) -> Self {
        Editable { field, read }
    }
}

fn fill<E>(fields: &[Editable<E>], entity: &E) {
    for f in fields {
        f.field.value.set((f.read)(entity));
    }
}

/// Rebases the form from `base` (what it was filled from) onto `theirs` (what the server holds
/// now), field by field: a field only they changed takes their value, a field only the user
/// changed keeps the user's. Returns false, changing nothing, when some field was changed by
/// both to different values: that is a conflict the user resolves.
///
/// A save that meets a 409 only because something else moved (a status the server walks, a
/// field this form does not edit) then goes through instead of showing a conflict.
fn rebase<E>(fields: &[Editable<E>], base: &E, theirs: &E) -> bool {
    let clash = fields.iter().any(|f| {
        let (was, mine, their) = (
            (f.read)(base),
            f.field.value.get_untracked(),
            (f.read)(theirs),
        );
        mine != was && their != was && mine != their
    });
    if clash {
        return false;
    }
    for f in fields {
        let their = (f.read)(theirs);
        if f.field.value.get_untracked() == (f.read)(base) && their != (f.read)(base) {
            f.field.value.set(their);
        }
    }
    true
}

/// How many times a save rebases onto a newer version before it shows the conflict.
const REBASES: usize = 3;

/// Entity `id` of kind `E`, editable through `fields`; `patch` turns the form into a change.
#[component]
pub fn EntityEditor<E: Entity>(
    #[prop(into)] id: Signal<String>,
    /// "application", "instance", …
    noun: &'static str,
    fields: Vec<Editable<E>>,
    patch: fn(&Values) -> E::Patch,
    /// Extra facts and actions under the heading.
    #[prop(optional)]
    summary: Option<fn(&E) -> AnyView>,
) -> impl IntoView {
    let entity = use_entity::<E>(id);
    let store = entity.store;
    let base_version = RwSignal::new(0u64);
    // The entity the form was last filled from or saved as: the base of the three-way merge.
    let base = StoredValue::new(None::<E>);
    let error = RwSignal::new(None::<ApiError>);
    let theirs = RwSignal::new(None::<E>);
    let saved = RwSignal::new(false);
    // The id of the draft the last save became (the change needs approval).
    let drafted = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let plain: Vec<Field> = fields.iter().map(|f| f.field.clone()).collect();
    // Fill the form once, when the entity first arrives; later changes by others do not
    // overwrite what the user is typing (a save then meets them as a conflict).
    {
        let fields = fields.clone();
        Effect::new(move |filled: Option<bool>| {
            if filled == Some(true) {
                return true;
            }
            match entity.entity.get() {
                Some(current) => {
                    fill(&fields, &current);
                    base_version.set(current.version());
                    base.set_value(Some(current));
                    true
                }
                None => false,
            }
        });
    }
    let save = {
        let (plain, fields) = (plain.clone(), fields.clone());
        move |overwrite: bool| {
            let (plain, fields) = (plain.clone(), fields.clone());
            let mut version = if overwrite {
                theirs.with_untracked(|t| t.as_ref().map(|t| t.version()))
            } else {
                Some(base_version.get_untracked())
            };
            spawn_local(async move {
                let mut rebases = 0;
                loop {
                    let change = patch(&Values::of(&plain));
                    match store.update(&id.get_untracked(), change, version).await {
                        Ok(updated) => {
                            base_version.set(updated.version());
                            base.set_value(Some(updated));
                            error.set(None);
                            theirs.set(None);
                            drafted.set(None);
                            saved.set(true);
                        }
                        // The team's changes of this kind need approval: saved as a draft.
                        Err(ApiError::Drafted { draft, .. }) => {
                            error.set(None);
                            drafted.set(Some(draft.id));
                        }
                        Err(err) => {
                            let current = conflict_current::<E>(&err);
                            if let (Some(now), Some(was)) = (&current, base.get_value()) {
                                if rebases < REBASES && rebase(&fields, &was, now) {
                                    rebases += 1;
                                    version = Some(now.version());
                                    base_version.set(now.version());
                                    base.set_value(current);
                                    continue;
                                }
                            }
                            theirs.set(current);
                            error.set(Some(err));
                            saved.set(false);
                        }
                    }
                    break;
                }
            });
        }
    };
    let save_plain = save.clone();
    let navigate = use_navigate();
    let delete = move |_| {
        let navigate = navigate.clone();
        let back = entity
            .entity
            .get_untracked()
            .and_then(|e| e.team_id().map(|t| format!("/teams/{t}")))
            .unwrap_or_else(|| "/".into());
        spawn_local(async move {
            match store.delete(&id.get_untracked(), None).await {
                Ok(()) => navigate(&back, Default::default()),
                Err(ApiError::Drafted { draft, .. }) => {
                    confirming.set(false);
                    drafted.set(Some(draft.id));
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    // Unsaved edits hold an interaction guard: polling pauses rather than move things under
    // the user's hands.
    let farm = use_data_farm();
    let editing = StoredValue::new(None::<InteractionGuard>);
    let on_edit = Callback::new(move |_| {
        saved.set(false);
        drafted.set(None);
        if editing.with_value(Option::is_none) {
            editing.set_value(Some(farm.hold_interaction_guard()));
        }
    });
    Effect::new(move |_| {
        if saved.get() {
            editing.set_value(None);
        }
    });
    // The form only for an entity that is there (not while loading, not when missing).
    let present = Memo::new(move |_| entity.entity.with(Option::is_some));
    let inline = names(&plain);
    let form_id: &'static str = noun;
    view! {
        {move || {
            if entity.view.get().deleted {
                return view! { <h1>{format!("Deleted {noun}")}</h1><p>{format!("Someone deleted this {noun}.")}</p> }.into_any();
            }
            match (entity.entity.get(), entity.view.get().state) {
                (None, LoadState::Error(err)) => view! {
                    <h1>{format!("This {noun} could not be loaded")}</h1>
                    <ErrorDisplay error=Some(err)/>
                }.into_any(),
                (None, LoadState::Ready) => view! {
                    <h1>{format!("No such {noun}")}</h1>
                    <p>{format!("This {noun} does not exist, or you cannot see it.")}</p>
                }.into_any(),
                (None, _) => view! { <div aria-busy="true" aria-label=format!("Loading {noun}")><SkeletonText lines=5/></div> }.into_any(),
                (Some(current), _) => view! {
                    <h1>{current.name().to_owned()}</h1>
                    <p class="df-muted">"Version " {current.version()} ", updated " <RelativeTime at=updated_at(&current)/></p>
                    {summary.map(|s| s(&current))}
                }.into_any(),
            }
        }}
        <form class="demo-form" aria-label=format!("Edit {noun}") hidden=move || !present.get() on:submit=move |ev| { ev.prevent_default(); save_plain(false) }>
            {plain.iter().cloned().map(|field| view! { <FieldInput form=form_id field=field error=error on_edit=on_edit/> }).collect_view()}
            <ErrorDisplay error=error shown_inline=inline/>
            {move || theirs.get().map(|t| {
                let save = save.clone();
                let fields = fields.clone();
                let rows = fields.iter().map(|f| {
                    let (label, mine, their) = (f.field.label, f.field.value.get_untracked(), (f.read)(&t));
                    view! { <tr><th scope="row">{label}</th><td>{mine}</td><td>{their}</td></tr> }
                }).collect_view();
                view! {
                    <div class="demo-conflict" role="group" aria-label="Resolve conflict">
                        <p>{format!("Someone saved version {} while you were editing.", t.version())}</p>
                        <table aria-label="Your version and theirs">
                            <thead><tr><th scope="col">"Field"</th><th scope="col">"Yours"</th><th scope="col">"Theirs"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        <button type="button" class="df-button" on:click=move |_| {
                            fill(&fields, &t);
                            base_version.set(t.version());
                            base.set_value(Some(t.clone()));
                            theirs.set(None);
                            error.set(None);
                        }>"Reload their version"</button>
                        <button type="button" class="df-button" on:click=move |_| save(true)>"Overwrite"</button>
                    </div>
                }
            })}
            <div class="demo-actions">
                <button type="submit" class="df-button df-primary">"Save"</button>
                {move || saved.get().then(|| view! { <span role="status" aria-label="Saved">"Saved"</span> })}
                {move || drafted.get().map(|draft| view! {
                    <span role="status" aria-label="Sent for approval">
                        {format!("Sent for approval ({draft}): it takes effect when an owner of the team approves it.")}
                    </span>
                })}
                <button type="button" class="df-button" on:click=move |_| confirming.set(true)>"Delete"</button>
            </div>
        </form>
        {move || confirming.get().then(|| {
            let delete = delete.clone();
            view! {
                <div class="demo-dialog" role="alertdialog" aria-label="Confirm delete">
                    <p>{format!("Delete this {noun}? This cannot be undone.")}</p>
                    <button type="button" class="df-button" on:click=delete>{format!("Delete {noun}")}</button>
                    <button type="button" class="df-button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            }
        })}
    }
}

/// The `updated_at` of any kind that exposes it as a field (every built-in kind does).
fn updated_at<E: Entity>(entity: &E) -> String {
    match entity.field("updated_at") {
        Some(FieldValue::Text(at)) => at.to_owned(),
        _ => String::new(),
    }
}

/// A create dialog for kind `E` (a function rather than a component: `E` appears in no prop
/// the component macro could infer it from): `request` turns the form and the team into the body.
pub fn create_dialog<E: Entity>(
    noun: &'static str,
    team: String,
    fields: Vec<Field>,
    request: fn(&Values, &str) -> E::Create,
    on_done: Callback<()>,
) -> impl IntoView {
    let store = use_store::<E>();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // An open dialog holds an interaction guard until it closes.
    let guard = use_data_farm().hold_interaction_guard();
    on_cleanup(move || drop(guard));
    let submit = {
        let fields = fields.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = request(&Values::of(&fields), &team);
            busy.set(true);
            spawn_local(async move {
                match store.create(body).await {
                    // Made, or saved as a draft for approval (the Drafts tab counts it).
                    Ok(_) | Err(ApiError::Drafted { .. }) => {
                        error.set(None);
                        on_done.run(());
                    }
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        }
    };
    let title_id = format!("new-{noun}-title");
    let form_id: &'static str = noun;
    let inline = names(&fields);
    // Not modal (the list stays usable beside it): focus moves to its first field and back to
    // where it was on close; Escape cancels.
    let dialog = NodeRef::<leptos::html::Div>::new();
    let keydown = dialog_focus(dialog, on_done, false);
    // The dialog is a `div` around the form: a `form` element may not take the dialog role.
    view! {
        <div class="demo-dialog" role="dialog" aria-modal="false" aria-labelledby=title_id.clone()
            node_ref=dialog on:keydown=keydown>
            <form on:submit=submit>
            <h2 id=title_id.clone()>{format!("New {noun}")}</h2>
            {fields.into_iter().map(|field| view! { <FieldInput form=form_id field=field error=error/> }).collect_view()}
            <ErrorDisplay error=error shown_inline=inline/>
            <div class="demo-actions">
                <button type="submit" class="df-button df-primary" disabled=move || busy.get()>{format!("Create {noun}")}</button>
                <button type="button" class="df-button" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
            </form>
        </div>
    }
}

/// The team of entity `id`, keeping the last one known (while it reloads, or once deleted):
/// what a detail page's owner choices, drafts banner and history need.
pub fn use_team_of<E: Entity>(id: Signal<String>) -> Signal<String> {
    let entity = use_entity::<E>(id);
    Memo::new(move |previous: Option<&String>| {
        entity
            .entity
            .with(|e| e.as_ref().and_then(|e| e.team_id()).map(str::to_owned))
            .or_else(|| previous.cloned())
            .unwrap_or_default()
    })
    .into()
}
