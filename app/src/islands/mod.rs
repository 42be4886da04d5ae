//! What the browser runs: the islands router on every page, and the app's wasm only on a page
//! with an island.
//!
//! Pages are rendered on the server only. The few parts that need code in the browser are
//! `#[island]` components; the wasm holds just them. The login page has none, so its first
//! load is the HTML, the stylesheet and the two inline scripts below (and, where passkeys are
//! offered, a third of its own: `pages/login/passkey.js`):
//!
//! - `routing.js` (based on leptos's islands router): after the first load, links and forms
//!   fetch the next page and put it in place, so navigation is client-side without page code
//!   in the browser. Every form also works without JavaScript, as a plain post.
//! - `loader.js`: fetches the wasm when the page (or a page the router brings) has an island.
//!
//! Which islands go where:
//!
//! - The small islands (the resend countdown, local times, the push follower) are in the main
//!   wasm, which the MFA page loads.
//! - The forms a TAN guards are `#[island(lazy)]`: built with `cargo leptos --split`, each is a
//!   chunk of its own (with a chunk they share: the server-function client, form decoding,
//!   the TAN prompt and the error texts), fetched when a page with it hydrates.

use leptos::prelude::*;

/// The inline scripts, in the `<head>`, with the page's CSP nonce.
#[component]
pub fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    let (js, wasm) = file_names(&options);
    let pkg = options.site_pkg_dir.to_string();
    let script = format!(
        "{loader}({root:?}, {pkg:?}, {js:?}, {wasm:?});\n{routing}",
        loader = include_str!("loader.js").trim_end().trim_end_matches(';'),
        root = "",
        routing = include_str!("routing.js"),
    );
    let nonce = leptos::nonce::use_nonce();
    // The router knows the app's own pages by this script's id.
    view! {
        <script id="riegel-scripts" type="module" nonce=nonce>
            {script}
        </script>
    }
}

/// The names of the wasm-bindgen module and the wasm, with their content hashes when the
/// build hashes file names (the hashes are in the hash file beside the server binary).
fn file_names(options: &LeptosOptions) -> (String, String) {
    static NAMES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| read_file_names(options)).clone()
}

fn read_file_names(options: &LeptosOptions) -> (String, String) {
    let name = options.output_name.to_string();
    let (mut js, mut wasm) = (name.clone(), name);
    if !options.hash_files {
        if option_env!("LEPTOS_OUTPUT_NAME").is_none() {
            wasm.push_str("_bg");
        }
        return (js, wasm);
    }
    let hashes = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    for (file, hash) in hashes.lines().filter_map(|l| l.trim().split_once(':')) {
        match file {
            "js" => js = format!("{js}.{}", hash.trim()),
            "wasm" => wasm = format!("{wasm}.{}", hash.trim()),
            _ => {}
        }
    }
    (js, wasm)
}

/// Fetches the page the browser is on again through the islands router: the server's content
/// changes, the islands keep their state (an island's confirmation stays).
#[cfg(feature = "hydrate")]
pub fn reload_page() {
    use leptos::wasm_bindgen::JsCast;
    let reload = js_sys::Reflect::get(&window(), &"__reloadPage".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match reload {
        Some(f) => {
            let _ = f.call0(&leptos::wasm_bindgen::JsValue::NULL);
        }
        None => {
            let _ = window().location().reload();
        }
    }
}

/// After an island's action succeeds, the page around it is fetched again (see [`reload_page`]).
pub fn reload_on_success<T: Clone + Send + Sync + 'static, E: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, E>>>,
) {
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(_))) {
            #[cfg(feature = "hydrate")]
            reload_page();
        }
    });
}
