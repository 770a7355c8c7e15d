//! The library's effects, through one closure type.
//!
//! Leptos compiles an [`Effect`]'s scheduling loop once per closure type it is given: about
//! 0.5 KB of wasm per call site. Every effect of the library goes through [`effect`], whose
//! one closure type calls the site's body through a `Box<dyn FnMut()>`, so that loop is
//! compiled once however many components and hooks an app uses.

use leptos::prelude::*;

/// Runs `body` as an [`Effect`]: in the browser only, first after the current view is
/// mounted, then whenever a signal it read changes, for as long as the current owner lives.
pub(crate) fn effect(body: impl FnMut() + 'static) {
    let mut body: Box<dyn FnMut()> = Box::new(body);
    Effect::new(move |_| body());
}
