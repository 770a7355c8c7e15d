//! The demo SPA: mounts [`demo::App`]. It uses only the public API of the `data-farm` crate,
//! like any embedding application.

mod demo;

fn main() {
    #[cfg(target_arch = "wasm32")]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(demo::App);
}
