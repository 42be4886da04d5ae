//! Generates the `i18n` module from `locales/*.json` (leptos_i18n), so every key is checked
//! at compile time in both languages.

use leptos_i18n_build::{Config, TranslationsInfos};
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        println!("cargo::error=OUT_DIR is not set");
        return;
    };
    // German is the source documents' language and the default for unknown browsers.
    let config = match Config::new("de").and_then(|c| c.add_locale("en")) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo::error=bad locale configuration: {e}");
            return;
        }
    };
    let translations = match TranslationsInfos::parse(config) {
        Ok(t) => t,
        Err(e) => {
            println!("cargo::error=cannot read the locales: {e}");
            return;
        }
    };
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    if let Err(e) = translations.generate_i18n_module(PathBuf::from(out_dir).join("i18n")) {
        println!("cargo::error=cannot generate the i18n module: {e}");
    }
}
