//! Size baseline (a): a minimal Leptos app (a counter) without data-farm.
//! `scripts/bench-size.sh` compares the `size_farm` builds with it.

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| {
        let count = RwSignal::new(0);
        view! {
            <button on:click=move |_| count.update(|n| *n += 1)>{move || count.get()}</button>
        }
    });
}
