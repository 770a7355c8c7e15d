use leptos::prelude::*;

use super::messages::{use_messages, Messages};
use crate::api::ApiError;

/// A sentence a person understands for an error, in English (components use the provided
/// [`Messages`]; see [`Messages::describe`]).
///
/// ```
/// use data_farm::api::ApiError;
/// use data_farm::components::describe;
/// assert_eq!(describe(&ApiError::Network("x".into())), "Cannot reach the server. Check your connection and try again.");
/// ```
pub fn describe(error: &ApiError) -> String {
    Messages::ENGLISH.describe(error)
}

/// An error as an alert, with per-field messages for `invalid` and a retry button when given.
///
/// ```no_run
/// use data_farm::api::ApiError;
/// use data_farm::components::ErrorDisplay;
/// use leptos::prelude::*;
///
/// # fn page() -> impl IntoView {
/// let error = RwSignal::new(None::<ApiError>);
/// view! { <ErrorDisplay error=error on_retry=move |_| error.set(None) shown_inline=vec!["name"]/> }
/// # }
/// ```
#[component]
pub fn ErrorDisplay(
    /// The error to show (nothing while `None`).
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    /// Called by the "Try again" button; no button without it.
    #[prop(optional, into)]
    on_retry: Option<Callback<()>>,
    /// Fields whose messages the form shows next to the field (with [`FieldError`](super::FieldError));
    /// the summary lists only the others, so no message is lost and none is shown twice.
    #[prop(optional, into)]
    shown_inline: Vec<&'static str>,
) -> impl IntoView {
    let messages = use_messages();
    move || {
        error.get().map(|err| {
            let fields: Vec<(String, String)> = match &err {
                ApiError::Invalid { fields, .. } => fields
                    .iter()
                    .filter(|(field, _)| !shown_inline.contains(field))
                    .map(|(field, why)| (field.to_owned(), why.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            view! {
                <div class="df-error" role="alert">
                    <p>{messages.describe(&err)}</p>
                    {(!fields.is_empty()).then(|| view! {
                        <ul class="df-error__fields">
                            {fields.into_iter().map(|(field, why)| view! { <li>{(messages.errors.field)(&field, &why)}</li> }).collect_view()}
                        </ul>
                    })}
                    {on_retry.map(|retry| view! {
                        <button type="button" class="df-button" on:click=move |_| retry.run(())>{messages.errors.try_again}</button>
                    })}
                </div>
            }
        })
    }
}
