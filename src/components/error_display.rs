use leptos::prelude::*;

use crate::api::ApiError;

/// A sentence a person understands for an error.
///
/// ```
/// use data_farm::api::ApiError;
/// use data_farm::components::describe;
/// assert_eq!(describe(&ApiError::Network("x".into())), "Cannot reach the server. Check your connection and try again.");
/// ```
pub fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Unauthorized { .. } => "Your session has ended. Sign in again.".into(),
        ApiError::Forbidden { .. } => "You are not allowed to do that.".into(),
        ApiError::NotFound { .. } => "It does not exist, or you cannot see it.".into(),
        ApiError::Conflict { .. } => {
            "Someone else saved a newer version while you were editing.".into()
        }
        ApiError::Invalid { fields, message } if fields.is_empty() => {
            format!("The request was refused: {message}")
        }
        ApiError::Invalid { .. } => "Please correct the fields below.".into(),
        ApiError::TooLarge { .. } => "That is too large to send.".into(),
        ApiError::RateLimited { .. } => "Too many requests. Wait a moment and try again.".into(),
        ApiError::Server { .. } => "The server had a problem. Try again.".into(),
        ApiError::Network(_) => {
            "Cannot reach the server. Check your connection and try again.".into()
        }
        ApiError::Timeout { .. } => "The server is taking too long to answer. Try again.".into(),
        ApiError::Decode(_) => "The server answered in a way this page does not understand.".into(),
    }
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
    move || {
        error.get().map(|err| {
            let fields: Vec<(String, String)> = match &err {
                ApiError::Invalid { fields, .. } => fields
                    .iter()
                    .filter(|(field, _)| !shown_inline.contains(&field.as_str()))
                    .map(|(field, why)| (field.clone(), why.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            view! {
                <div class="df-error" role="alert">
                    <p>{describe(&err)}</p>
                    {(!fields.is_empty()).then(|| view! {
                        <ul class="df-error__fields">
                            {fields.into_iter().map(|(field, why)| view! { <li>{format!("{field}: {why}")}</li> }).collect_view()}
                        </ul>
                    })}
                    {on_retry.map(|retry| view! {
                        <button type="button" class="df-button" on:click=move |_| retry.run(())>"Try again"</button>
                    })}
                </div>
            }
        })
    }
}
