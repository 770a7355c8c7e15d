use leptos::prelude::*;

/// A status as a coloured badge (`df-badge--online`, `df-badge--crashed`, …); the text is the status.
#[component]
pub fn StatusBadge(
    /// The status's wire name.
    #[prop(into)]
    status: Signal<String>,
) -> impl IntoView {
    view! { <span class=move || format!("df-badge df-badge--{}", status.get())>{move || status.get()}</span> }
}
