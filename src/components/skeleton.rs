use leptos::prelude::*;

/// Placeholder table rows shown while a list loads for the first time. Hidden from assistive
/// technology: the table itself carries `aria-busy`.
#[component]
pub fn SkeletonRows(
    /// How many rows.
    rows: usize,
    /// How many cells per row.
    columns: usize,
) -> impl IntoView {
    (0..rows)
        .map(|_| {
            view! {
                <tr class="df-skeleton-row" aria-hidden="true">
                    {(0..columns).map(|_| view! { <td><span class="df-skeleton"></span></td> }).collect_view()}
                </tr>
            }
        })
        .collect_view()
}

/// Placeholder lines of text.
#[component]
pub fn SkeletonText(
    /// How many lines.
    #[prop(default = 3)]
    lines: usize,
) -> impl IntoView {
    view! {
        <div class="df-skeleton-text" aria-hidden="true">
            {(0..lines).map(|i| view! { <span class="df-skeleton" style:width=format!("{}%", 90 - i * 15)></span> }).collect_view()}
        </div>
    }
}
