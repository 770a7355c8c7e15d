//! Components in a real browser (headless Chromium): a relative time that moves on with its
//! clock, in the browser's language.
#![cfg(target_arch = "wasm32")]

use data_farm::components::{provide_clock, RelativeTime};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// What `Intl.RelativeTimeFormat` says in this browser (so the test holds in any locale).
fn intl(amount: f64, unit: &str) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
    js_sys::Intl::RelativeTimeFormat::new(&js_sys::Array::new(), &options)
        .format(amount, unit)
        .into()
}

async fn next_frame() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

#[wasm_bindgen_test]
async fn a_relative_time_moves_on_with_its_clock() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let at = js_sys::Date::parse("2026-11-30T12:00:00Z");
    let now = RwSignal::new(at + 5.0 * 60_000.0);
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        provide_clock(now.into());
        view! { <RelativeTime at="2026-11-30T12:00:00Z"/> }
    });
    next_frame().await;
    let time = host.query_selector("time").unwrap().expect("a <time>");
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2026-11-30T12:00:00Z")
    );
    assert_eq!(
        time.text_content().unwrap_or_default(),
        intl(-5.0, "minute")
    );

    now.set(at + 3.0 * 3_600_000.0);
    next_frame().await;
    assert_eq!(time.text_content().unwrap_or_default(), intl(-3.0, "hour"));

    now.set(at + 10_000.0);
    next_frame().await;
    assert_eq!(time.text_content().unwrap_or_default(), intl(0.0, "second"));
    host.remove();
}
