//! Form fields shared by the demo's create dialogs and edit pages: a labelled input with the
//! server's message for that field right below it.

use data_farm::components::{field_message, FieldError};
use data_farm::prelude::*;
use leptos::prelude::*;

/// How a field is edited.
#[derive(Clone)]
pub enum Input {
    /// A one-line text box.
    Text,
    /// A multi-line text box.
    TextArea,
    /// A choice among `(value, label)` pairs.
    Select(Signal<Vec<(String, String)>>),
}

/// One field of a form: its wire name (the key of the server's field errors), its label, its
/// kind of input and its current value.
#[derive(Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub value: RwSignal<String>,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, input: Input) -> Self {
        Field {
            name,
            label,
            input,
            value: RwSignal::new(String::new()),
        }
    }

    /// A one-line text field.
    pub fn text(name: &'static str, label: &'static str) -> Self {
        Field::new(name, label, Input::Text)
    }

    /// A choice among fixed `(value, label)` pairs; the first is chosen at the start.
    pub fn choice(name: &'static str, label: &'static str, options: &[(&str, &str)]) -> Self {
        let options: Vec<(String, String)> = options
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect();
        let field = Field::new(name, label, Input::Select(Signal::stored(options.clone())));
        if let Some((first, _)) = options.first() {
            field.value.set(first.clone());
        }
        field
    }
}

/// The values of a form's fields, read once when it is submitted.
pub struct Values(Vec<(&'static str, String)>);

impl Values {
    pub fn of(fields: &[Field]) -> Values {
        Values(
            fields
                .iter()
                .map(|f| (f.name, f.value.get_untracked()))
                .collect(),
        )
    }

    /// The value of field `name` (empty when there is no such field).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// `(value, label)` choices, one per entity of the list `query` selects: the same records as
/// the tables that show them.
pub fn choices<E: Entity>(
    query: impl Into<Signal<ListQuery>>,
    choice: fn(&E) -> (String, String),
) -> Signal<Vec<(String, String)>> {
    let list = use_list::<E>(query);
    Signal::derive(move || {
        let ids = list.view.get().ids;
        ids.into_iter()
            .filter_map(|id| list.store.get(&id).get().map(|e| choice(&e)))
            .collect()
    })
}

/// The wire names of `fields`, for `ErrorDisplay`'s `shown_inline`.
pub fn names(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.name).collect()
}

/// A labelled input bound to `field.value`, with the server's message for it below.
#[component]
pub fn FieldInput(
    /// Makes element ids unique on the page.
    form: &'static str,
    field: Field,
    #[prop(into)] error: Signal<Option<ApiError>>,
    /// Called on every edit.
    #[prop(optional)]
    on_edit: Option<Callback<()>>,
) -> impl IntoView {
    let Field {
        name,
        label,
        input,
        value,
    } = field;
    let error_id = format!("{form}-{name}-error");
    let invalid = move || {
        error
            .read()
            .as_ref()
            .and_then(|err| field_message(err, name))
            .is_some()
            .to_string()
    };
    let edit = move |text: String| {
        value.set(text);
        if let Some(on_edit) = on_edit {
            on_edit.run(());
        }
    };
    let control = match input {
        Input::Text => view! {
            <input name=name aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value.get() on:input=move |ev| edit(event_target_value(&ev))/>
        }
        .into_any(),
        Input::TextArea => view! {
            <textarea name=name aria-invalid=invalid aria-describedby=error_id.clone()
                prop:value=move || value.get() on:input=move |ev| edit(event_target_value(&ev))></textarea>
        }
        .into_any(),
        Input::Select(options) => {
            // A select always shows a choice: give the value the first one while it has none
            // (a value not among the options yet is kept: they may still be loading).
            Effect::new(move |_| {
                if value.with(String::is_empty) {
                    if let Some((first, _)) = options.with(|o| o.first().cloned()) {
                        value.set(first);
                    }
                }
            });
            view! {
            <select name=name aria-invalid=invalid aria-describedby=error_id.clone()
                on:change=move |ev| edit(event_target_value(&ev))>
                {move || options.get().into_iter().map(|(v, l)| {
                    let chosen = v.clone();
                    view! { <option value=v prop:selected=move || value.get() == chosen>{l}</option> }
                }).collect_view()}
            </select>
            }
            .into_any()
        }
    };
    view! {
        <div class="df-field--inline">
            <label class="df-field--inline"><span>{label}</span>{control}</label>
            <FieldError error=error field=name id=error_id/>
        </div>
    }
}
