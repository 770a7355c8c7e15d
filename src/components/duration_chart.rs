use leptos::prelude::*;

use super::decimal::decimal;

/// A small bar chart of durations (milliseconds), oldest first, as an SVG image with a text
/// alternative.
#[component]
pub fn DurationChart(
    /// The durations to draw.
    #[prop(into)]
    durations: Signal<Vec<f64>>,
) -> impl IntoView {
    // The `viewBox` below says the same.
    const WIDTH: f64 = 300.0;
    const HEIGHT: f64 = 60.0;
    let messages = super::use_messages();
    let label = move || {
        let d = durations.get();
        match d.iter().copied().reduce(f64::max) {
            Some(max) => (messages.chart.durations)(
                &messages.number(d.len() as u64),
                &messages.number(max.round().max(0.0) as u64),
            ),
            None => messages.chart.empty.to_owned(),
        }
    };
    let bars = move || {
        let d = durations.get();
        let max = d.iter().copied().fold(1.0, f64::max);
        let step = WIDTH / d.len().max(1) as f64;
        d.into_iter()
            .enumerate()
            .map(|(i, ms)| {
                let h = (ms / max * HEIGHT).max(1.0);
                view! {
                    <rect class="df-chart__bar" x=decimal(i as f64 * step, 1) y=decimal(HEIGHT - h, 1)
                        width=decimal((step - 1.0).max(1.0), 1) height=decimal(h, 1)></rect>
                }
            })
            .collect_view()
    };
    view! {
        <svg class="df-chart" role="img" aria-label=label viewBox="0 0 300 60"
            preserveAspectRatio="none">
            {bars}
        </svg>
    }
}
