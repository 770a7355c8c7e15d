//! Focus for dialogs: moved in when one opens, kept inside while a modal one is open (Tab and
//! Shift+Tab wrap around), Escape closes, and focus goes back where it was when it closes.

use leptos::ev::KeyboardEvent;
use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What can take focus inside a dialog.
const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// Manages focus for the dialog rendered into `dialog`: on mount, focus moves to its first
/// control (the element that had focus is remembered); Escape calls `on_escape`; with `trap`
/// (a modal dialog) Tab and Shift+Tab wrap around inside it; on unmount focus returns to the
/// remembered element. Returns the keydown handler to put on the dialog element.
///
/// ```no_run
/// use data_farm::components::dialog_focus;
/// use leptos::prelude::*;
///
/// #[component]
/// fn Confirm(on_close: Callback<()>) -> impl IntoView {
///     let dialog = NodeRef::<leptos::html::Div>::new();
///     let keydown = dialog_focus(dialog, on_close, true);
///     view! {
///         <div node_ref=dialog role="dialog" aria-modal="true" aria-label="Confirm" on:keydown=keydown>
///             <button on:click=move |_| on_close.run(())>"OK"</button>
///         </div>
///     }
/// }
/// ```
pub fn dialog_focus<E>(
    dialog: NodeRef<E>,
    on_escape: Callback<()>,
    trap: bool,
) -> impl Fn(KeyboardEvent) + Clone + 'static
where
    E: ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    // Kept in the reactive arena on this thread: the cleanup closure must be `Send`.
    let before = StoredValue::new_local(document().active_element());
    crate::effect::effect(move || {
        if let Some(element) = dialog.get() {
            let element: &web_sys::Element = element.unchecked_ref();
            if let Some(first) = focusable(element).first() {
                let _ = first.focus();
            }
        }
    });
    on_cleanup(move || {
        if let Some(before) = before.try_get_value().flatten() {
            if before.is_connected() {
                if let Some(html) = before.dyn_ref::<web_sys::HtmlElement>() {
                    let _ = html.focus();
                }
            }
        }
    });
    move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_escape.run(());
            return;
        }
        if !trap || ev.key() != "Tab" {
            return;
        }
        let Some(element) = dialog.get_untracked() else {
            return;
        };
        let element: &web_sys::Element = element.unchecked_ref();
        let controls = focusable(element);
        let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
            return;
        };
        let active = document().active_element();
        let at = |control: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == control.unchecked_ref::<web_sys::Element>())
        };
        let inside = active.as_ref().is_some_and(|a| element.contains(Some(a)));
        if ev.shift_key() && (at(first) || !inside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (at(last) || !inside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
}

/// The controls inside `element` that can take focus, in document order.
fn focusable(element: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    let Ok(found) = element.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}
