use leptos::prelude::*;

/// "just now", "5 min ago", "3 h ago", "2 d ago" for an RFC 3339 time `at`, seen at `now_ms`;
/// "in 10 min" for a time to come (an expiry).
///
/// ```
/// use data_farm::components::relative;
/// let now = 1_700_000_000_000.0;
/// assert_eq!(relative(now - 20_000.0, now), "just now");
/// assert_eq!(relative(now - 5.0 * 60_000.0, now), "5 min ago");
/// assert_eq!(relative(now - 3.0 * 3_600_000.0, now), "3 h ago");
/// assert_eq!(relative(now + 10.0 * 60_000.0, now), "in 10 min");
/// ```
pub fn relative(at_ms: f64, now_ms: f64) -> String {
    let seconds = (now_ms - at_ms) / 1000.0;
    let span = |s: f64| match s {
        s if s < 3_600.0 => format!("{} min", (s / 60.0).round().max(1.0)),
        s if s < 86_400.0 => format!("{} h", (s / 3_600.0).round()),
        s => format!("{} d", (s / 86_400.0).round()),
    };
    match seconds {
        s if s.abs() < 45.0 => "just now".to_owned(),
        s if s < 0.0 => format!("in {}", span(-s)),
        s => format!("{} ago", span(s)),
    }
}

fn parse_ms(at: &str) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    {
        let ms = js_sys::Date::parse(at);
        ms.is_finite().then_some(ms)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = at;
        None
    }
}

fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// A `<time>` showing how long ago `at` was, with the exact time as its `datetime`.
#[component]
pub fn RelativeTime(
    /// An RFC 3339 timestamp.
    #[prop(into)]
    at: Signal<String>,
) -> impl IntoView {
    view! {
        <time datetime=move || at.get() title=move || at.get()>
            {move || parse_ms(&at.get()).map(|ms| relative(ms, now_ms())).unwrap_or_default()}
        </time>
    }
}
