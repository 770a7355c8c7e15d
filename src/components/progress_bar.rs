use leptos::prelude::*;

use super::decimal::decimal;

/// Progress of a long-running task as an accessible `progressbar` (value and maximum announced,
/// a visible bar and a "3 of 5" text). Styled by `df-progress-bar*` classes.
///
/// ```no_run
/// use data_farm::components::ProgressBar;
/// use leptos::prelude::*;
/// # fn page() -> impl IntoView {
/// view! { <ProgressBar label="Deploy progress" value=3u64 max=5u64/> }
/// # }
/// ```
#[component]
pub fn ProgressBar(
    /// The accessible name.
    #[prop(into)]
    label: String,
    /// Steps done.
    #[prop(into)]
    value: Signal<u64>,
    /// Steps in all (0 shows an empty bar).
    #[prop(into)]
    max: Signal<u64>,
) -> impl IntoView {
    let percent = move || {
        let max = max.get();
        if max == 0 {
            0.0
        } else {
            (value.get().min(max) as f64 / max as f64) * 100.0
        }
    };
    view! {
        <div class="df-progress-bar" role="progressbar" aria-label=label
            aria-valuemin="0" aria-valuemax=move || max.get() aria-valuenow=move || value.get().min(max.get())>
            <div class="df-progress-bar__track" aria-hidden="true">
                <div class="df-progress-bar__fill" style:width=move || format!("{}%", decimal(percent(), 0))></div>
            </div>
            <span class="df-progress-bar__text">{move || format!("{} of {}", value.get().min(max.get()), max.get())}</span>
        </div>
    }
}
