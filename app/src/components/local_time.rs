use leptos::prelude::*;

/// A point in time, to the minute. The server renders it in the portal's zone; once hydrated,
/// the browser shows it in the user's own zone and language.
///
/// The browser's part is an island, with the page's language as a prop.
#[component]
pub fn LocalTime(unix: i64, text: String) -> impl IntoView {
    let locale = leptos_i18n::Locale::as_str(super::use_locale()).to_owned();
    view! { <LocalTimeIsland unix text locale /> }
}

#[island]
fn LocalTimeIsland(unix: i64, text: String, locale: String) -> impl IntoView {
    let shown = RwSignal::new(text);
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| {
            let date = js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
            let options = js_sys::Object::new();
            // `dateStyle`/`timeStyle` cannot be combined with `timeZoneName` (the browser throws
            // "Invalid option"), so the fields are named one by one.
            let fields = [
                ("year", "numeric"),
                ("month", "2-digit"),
                ("day", "2-digit"),
                ("hour", "2-digit"),
                ("minute", "2-digit"),
                ("timeZoneName", "short"),
            ];
            for (k, v) in fields {
                let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
            }
            let formatted: String = date.to_locale_string(&locale, &options).into();
            if !formatted.is_empty() {
                shown.set(formatted);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (unix, locale);
    let iso = format!("{unix}");
    view! { <time data-unix=iso>{move || shown.get()}</time> }
}
