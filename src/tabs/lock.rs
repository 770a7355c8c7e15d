//! The Web Locks API (`navigator.locks.request`), bound by hand: web-sys has it only behind
//! `--cfg=web_sys_unstable_apis`, which a library cannot ask of the apps that embed it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    pub(crate) type LockManager;

    /// `locks.request(name, options, callback)`: the promise settles when the lock is released
    /// (after the callback's promise settles) or rejects when the request is aborted.
    #[wasm_bindgen(method, js_name = request)]
    pub(crate) fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> js_sys::Promise;
}

/// The page's lock manager, when the browser has one (secure contexts of current browsers).
pub(crate) fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    Some(locks.unchecked_into())
}

/// `{mode: "exclusive", signal}`.
pub(crate) fn exclusive(signal: &web_sys::AbortSignal) -> JsValue {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"mode".into(), &"exclusive".into());
    let _ = js_sys::Reflect::set(&options, &"signal".into(), signal);
    options.into()
}
