//! The demo SPA: mounts [`demo::App`]. It uses only the public API of the `data-farm` crate,
//! like any embedding application.

mod demo;

fn main() {
    leptos::mount::mount_to_body(demo::App);
}
