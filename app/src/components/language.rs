//! The language of the parts the browser renders.
//!
//! Pages render on the server, with leptos_i18n's context (`use_i18n`). An island renders in
//! the browser too, where that context is not: it gets the page's [`Locale`] as a prop and
//! provides it, and the components inside read it with [`use_locale`] and translate with
//! `td!`. The language switch reloads the page, so a locale never changes under an island.

use leptos::prelude::*;

use crate::i18n::{Locale, use_i18n};

/// The language of this part of the page: the island's, else the page's.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_else(|| use_i18n().get_locale_untracked())
}

/// Called first in an island: its components read `locale` through [`use_locale`].
pub fn provide_locale(locale: Locale) -> Locale {
    provide_context(locale);
    locale
}
