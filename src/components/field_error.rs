use leptos::prelude::*;

use crate::api::ApiError;

/// The server's message for one field of an `invalid` error, if it named that field.
///
/// ```
/// use data_farm::api::ApiError;
/// use data_farm::components::field_message;
/// let err = ApiError::Invalid {
///     message: "invalid".into(),
///     fields: [("name".to_string(), "must not be empty".to_string())].into_iter().collect(),
/// };
/// assert_eq!(field_message(&err, "name").as_deref(), Some("must not be empty"));
/// assert_eq!(field_message(&err, "status"), None);
/// ```
pub fn field_message(error: &ApiError, field: &str) -> Option<String> {
    match error {
        ApiError::Invalid { fields, .. } => fields.get(field).cloned(),
        _ => None,
    }
}

/// The server's message for one form field, shown next to that field.
///
/// Give the input `aria-describedby` = `id` and `aria-invalid` from [`field_message`] so a
/// screen reader reads the message with the field. Pair it with
/// [`ErrorDisplay`](super::ErrorDisplay)`(shown_inline = …)` so the summary does not repeat it.
///
/// ```no_run
/// use data_farm::api::ApiError;
/// use data_farm::components::FieldError;
/// use leptos::prelude::*;
///
/// # fn form() -> impl IntoView {
/// let error = RwSignal::new(None::<ApiError>);
/// view! {
///     <input name="name" aria-describedby="name-error"/>
///     <FieldError error=error field="name" id="name-error"/>
/// }
/// # }
/// ```
#[component]
pub fn FieldError(
    /// The form's last error.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    /// The field's wire name, as the server reports it.
    field: &'static str,
    /// The element id the input points at with `aria-describedby`.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let message = move || {
        error
            .read()
            .as_ref()
            .and_then(|err| field_message(err, field))
    };
    view! {
        <span class="df-field-error" id=id aria-live="polite">{message}</span>
    }
}
