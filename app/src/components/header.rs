use leptos::prelude::*;

use crate::i18n::*;

/// The top bar: portal name and the language switch.
///
/// The switch is a plain form posting to the `set_locale` server function, so it works
/// without JavaScript; with it, the islands router posts it and puts the page in the new
/// language in place (the server renders every text, so nothing is switched in the browser).
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let other = move || match i18n.get_locale() {
        Locale::de => Locale::en,
        Locale::en => Locale::de,
    };
    view! {
        <a class="skip-link" href="#main">
            {t!(i18n, skip_to_content)}
        </a>
        <header class="topbar">
            <span class="brand">"Riegel"</span>
            <span class="portal">{t!(i18n, portal_name)}</span>
            <form class="lang-switch" method="post" action="/api/locale">
                <input type="hidden" name="locale" value=move || other().as_str() />
                <button
                    type="submit"
                    lang=move || other().as_str()
                    aria-label=move || t_string!(i18n, lang.switch_label).to_string()
                >
                    {t!(i18n, lang.other)}
                </button>
            </form>
        </header>
    }
}
