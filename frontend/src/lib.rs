//! The browser entry point: the islands of the server-rendered page.
//!
//! Only `#[island]` components are compiled into the wasm; `app::islands`'s loader fetches it
//! on a page that has one and hydrates each island through its exported function.

// The islands live in `app`; linking it keeps their exported hydration functions.
pub use app::components as _islands;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
