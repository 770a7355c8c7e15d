use leptos::prelude::*;

use super::decimal::decimal;

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
        s if s < 3_600.0 => format!("{} min", decimal((s / 60.0).max(1.0), 0)),
        s if s < 86_400.0 => format!("{} h", decimal(s / 3_600.0, 0)),
        s => format!("{} d", decimal(s / 86_400.0, 0)),
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
    // A server rendering pages (feature `ssr`) reads the time as the browser will.
    #[cfg(all(not(target_arch = "wasm32"), feature = "ssr"))]
    {
        use time::format_description::well_known::Rfc3339;
        time::OffsetDateTime::parse(at, &Rfc3339)
            .ok()
            .map(|t| t.unix_timestamp_nanos() as f64 / 1_000_000.0)
    }
    #[cfg(all(not(target_arch = "wasm32"), not(feature = "ssr")))]
    {
        let _ = at;
        None
    }
}

/// The amount and unit `Intl.RelativeTimeFormat` is given for `at_ms` seen at `now_ms`:
/// negative in the past, rounded to the largest unit that fits (under 45 s: 0 seconds, "now").
///
/// ```
/// use data_farm::components::relative_parts;
/// let now = 1_700_000_000_000.0;
/// assert_eq!(relative_parts(now - 20_000.0, now), (0.0, "second"));
/// assert_eq!(relative_parts(now - 5.0 * 60_000.0, now), (-5.0, "minute"));
/// assert_eq!(relative_parts(now + 3.0 * 3_600_000.0, now), (3.0, "hour"));
/// assert_eq!(relative_parts(now - 2.0 * 86_400_000.0, now), (-2.0, "day"));
/// ```
pub fn relative_parts(at_ms: f64, now_ms: f64) -> (f64, &'static str) {
    let seconds = (at_ms - now_ms) / 1000.0;
    let size = seconds.abs();
    let (amount, unit) = match size {
        s if s < 45.0 => (0.0, "second"),
        s if s < 3_600.0 => ((s / 60.0).round().max(1.0), "minute"),
        s if s < 86_400.0 => ((s / 3_600.0).round(), "hour"),
        s => ((s / 86_400.0).round(), "day"),
    };
    (
        amount.copysign(if amount == 0.0 { 1.0 } else { seconds }),
        unit,
    )
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// One formatter for every relative time of the page, for the locale it was made for.
    static FORMAT: Formatter<js_sys::Intl::RelativeTimeFormat> = const { RefCell::new(None) };
    /// The page's one ticker: every relative time reads it, none has a timer of its own.
    static TICKER: RefCell<Option<(ArcRwSignal<f64>, gloo_timers::callback::Interval)>> =
        const { RefCell::new(None) };
}

#[cfg(target_arch = "wasm32")]
use std::cell::RefCell;

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// One number formatter for the page, for the locale it was made for.
    static NUMBERS: Formatter<js_sys::Function> = const { RefCell::new(None) };
}

/// A formatter cached with the locale it was made for (`None` inside: `Intl` refused that
/// locale, so it is not asked again).
#[cfg(target_arch = "wasm32")]
type Formatter<T> = RefCell<Option<(Option<&'static str>, Option<T>)>>;

/// The formatter in `cell` for `locale`, made by `make` when the cell holds none for it.
#[cfg(target_arch = "wasm32")]
fn for_locale<T: Clone>(
    cell: &Formatter<T>,
    locale: Option<&'static str>,
    make: impl FnOnce() -> Option<T>,
) -> Option<T> {
    let mut cell = cell.borrow_mut();
    match &*cell {
        Some((made_for, format)) if *made_for == locale => format.clone(),
        _ => {
            let format = make();
            *cell = Some((locale, format.clone()));
            format
        }
    }
}

/// `new Intl[name]([locale], options)` (no locale: the browser's language), or `None` when it
/// throws (a malformed locale tag is a `RangeError`) or the browser lacks it.
#[cfg(target_arch = "wasm32")]
fn intl(name: &str, locale: Option<&str>, options: &js_sys::Object) -> Option<JsValue> {
    use wasm_bindgen::JsCast;
    let locales = js_sys::Array::new();
    if let Some(locale) = locale {
        locales.push(&locale.into());
    }
    let namespace = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: js_sys::Function = js_sys::Reflect::get(&namespace, &name.into())
        .ok()?
        .dyn_into()
        .ok()?;
    js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&locales, options)).ok()
}

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsValue;

/// `n` for people, in the browser's language (`Intl.NumberFormat`: "1,000", "1 000", "1.000");
/// outside the browser (a server rendering the page) in English, so that a server render
/// matches an English browser's first render.
///
/// ```
/// assert_eq!(data_farm::components::format_number(1234567), "1,234,567"); // natively
/// ```
pub fn format_number(n: u64) -> String {
    format_number_in(None, n)
}

/// `n` formatted for `locale` (`None`: the browser's language); English digit groups outside
/// the browser, plain digits when the browser does not know the locale.
pub(crate) fn format_number_in(locale: Option<&'static str>, n: u64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        NUMBERS
            .with(|cell| {
                for_locale(cell, locale, || {
                    let made = intl("NumberFormat", locale, &js_sys::Object::new())?;
                    Some(made.unchecked_into::<js_sys::Intl::NumberFormat>().format())
                })
            })
            .and_then(|format| {
                format
                    .call1(&wasm_bindgen::JsValue::NULL, &(n as f64).into())
                    .ok()?
                    .as_string()
            })
            .unwrap_or_else(|| n.to_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        let digits = n.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        grouped
    }
}

/// How often the shared ticker moves relative times on.
pub const TICK_MS: u32 = 15_000;

/// "5 minutes ago", "in 3 hours", "now", in `locale` (`None`: the browser's language) through
/// `Intl.RelativeTimeFormat`; when the browser refuses the locale, the English short form of
/// [`relative`]; outside the browser (a server rendering the page) the English that an English
/// browser's `Intl` writes, so that a server render matches its first render.
pub(crate) fn formatted(locale: Option<&'static str>, at_ms: f64, now_ms: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let (amount, unit) = relative_parts(at_ms, now_ms);
        use wasm_bindgen::JsCast;
        FORMAT
            .with(|cell| {
                for_locale(cell, locale, || {
                    let options = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
                    Some(intl("RelativeTimeFormat", locale, &options)?.unchecked_into())
                })
            })
            .map(|format| String::from(format.format(amount, unit)))
            .unwrap_or_else(|| relative(at_ms, now_ms))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        english(at_ms, now_ms)
    }
}

/// What `Intl.RelativeTimeFormat("en", {numeric: "auto"})` writes for the parts of
/// [`relative_parts`]: "now", "yesterday", "5 minutes ago", "in 1 hour".
#[cfg(not(target_arch = "wasm32"))]
fn english(at_ms: f64, now_ms: f64) -> String {
    match relative_parts(at_ms, now_ms) {
        (0.0, "second") => "now".to_owned(),
        (-1.0, "day") => "yesterday".to_owned(),
        (1.0, "day") => "tomorrow".to_owned(),
        (amount, unit) => {
            let count = decimal(amount.abs(), 0);
            let plural = if count == "1" { "" } else { "s" };
            if amount < 0.0 {
                format!("{count} {unit}{plural} ago")
            } else {
                format!("in {count} {unit}{plural}")
            }
        }
    }
}

/// The time relative times are shown against: the page's shared ticker (the clock, moved on
/// every [`TICK_MS`]), unless an ancestor provided a [`Clock`].
fn now_signal() -> Signal<f64> {
    if let Some(Clock(now)) = use_context::<Clock>() {
        return now;
    }
    #[cfg(target_arch = "wasm32")]
    {
        page_ticker()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Signal::stored(0.0)
    }
}

/// The page's one ticker (the clock, moved on every [`TICK_MS`]), started by its first reader.
#[cfg(target_arch = "wasm32")]
fn page_ticker() -> Signal<f64> {
    let now = TICKER.with(|ticker| {
        ticker
            .borrow_mut()
            .get_or_insert_with(|| {
                let now = ArcRwSignal::new(js_sys::Date::now());
                let tick = now.clone();
                let interval = gloo_timers::callback::Interval::new(TICK_MS, move || {
                    tick.set(js_sys::Date::now())
                });
                (now, interval)
            })
            .0
            .clone()
    });
    Signal::from(now)
}

/// The "now" of every [`RelativeTime`] below for a server-rendered page: `rendered_at_ms`, the
/// server's clock when it rendered (carried to the browser with the page), for the first
/// render on both sides, so that they write the same text; in the browser, once hydrated, the
/// live clock, moved on every [`TICK_MS`]. Features `ssr` / `hydrate`.
///
/// ```no_run
/// use data_farm::components::provide_render_clock;
/// use leptos::prelude::*;
///
/// #[component]
/// fn App(rendered_at_ms: f64) -> impl IntoView {
///     provide_render_clock(rendered_at_ms);
///     view! { <main>"…"</main> }
/// }
/// ```
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub fn provide_render_clock(rendered_at_ms: f64) {
    let hydrated = RwSignal::new(false);
    // Effects run in the browser only, after hydration.
    crate::effect::effect(move || hydrated.set(true));
    #[cfg(target_arch = "wasm32")]
    let live = page_ticker();
    #[cfg(not(target_arch = "wasm32"))]
    let live = Signal::stored(rendered_at_ms);
    provide_clock(Signal::derive(move || match hydrated.get() {
        true => live.get(),
        false => rendered_at_ms,
    }));
}

/// The "now" of every [`RelativeTime`] below the component that provides it
/// ([`provide_clock`]): a fixed time for a server render that must match the browser's first
/// one, or a test's hand-driven clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock(pub Signal<f64>);

/// Provides `now` (milliseconds since the epoch) as the [`Clock`] of the components below.
///
/// ```no_run
/// use data_farm::components::{provide_clock, RelativeTime};
/// use leptos::prelude::*;
///
/// #[component]
/// fn Frozen() -> impl IntoView {
///     provide_clock(Signal::stored(1_700_000_000_000.0));
///     view! { <RelativeTime at="2023-11-14T22:00:00Z"/> }
/// }
/// ```
pub fn provide_clock(now: Signal<f64>) {
    provide_context(Clock(now));
}

/// A `<time>` showing how long ago `at` was ("5 minutes ago", in the [`Messages`](super::Messages)'
/// locale or else the browser's language), with
/// the exact time as its `datetime`. It moves on by itself: every relative time of the page
/// reads one shared ticker.
#[component]
pub fn RelativeTime(
    /// An RFC 3339 timestamp.
    #[prop(into)]
    at: Signal<String>,
) -> impl IntoView {
    let now = now_signal();
    let locale = super::use_messages().locale;
    view! {
        <time datetime=move || at.get() title=move || at.get()>
            {move || parse_ms(&at.get()).map(|ms| formatted(locale, ms, now.get())).unwrap_or_default()}
        </time>
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A server writes what an English browser's `Intl.RelativeTimeFormat` (numeric auto)
    /// writes, so that the first render in the browser finds the same text.
    #[test]
    fn a_server_writes_relative_times_as_an_english_browser_does() {
        let now = 1_700_000_000_000.0;
        let minute = 60_000.0;
        assert_eq!(english(now - 20_000.0, now), "now");
        assert_eq!(english(now - minute, now), "1 minute ago");
        assert_eq!(english(now - 5.0 * minute, now), "5 minutes ago");
        assert_eq!(english(now + 3.0 * 60.0 * minute, now), "in 3 hours");
        assert_eq!(english(now - 24.0 * 60.0 * minute, now), "yesterday");
        assert_eq!(english(now - 3.0 * 24.0 * 60.0 * minute, now), "3 days ago");
        assert_eq!(format_number(1_234_567), "1,234,567");
        assert_eq!(format_number(999), "999");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_server_reads_rfc_3339_times() {
        assert_eq!(parse_ms("1970-01-01T00:00:01.5Z"), Some(1_500.0));
        assert_eq!(parse_ms("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_ms("yesterday"), None);
    }
}
