//! The demo SPA: mounts [`app::App`]. It uses only the public API of the `data-farm` crate,
//! like any embedding application.

mod app;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
