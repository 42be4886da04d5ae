//! The user's language (SPEC 9): German and English; German for anything else.
//!
//! The chosen language (cookie `i18n_pref_locale`, set by the language switch) wins over the
//! browser's `Accept-Language`. Pages choose through leptos_i18n; messages that leave the
//! server (SMS, e-mail) choose through `pick`, with the same rule.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The language of a request: the chosen one, else the browser's first supported one
/// (by `q` weight), else German.
pub fn pick(chosen: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = chosen.and_then(Lang::parse) {
        return lang;
    }
    let mut ranked: Vec<(f32, Lang)> = accept_language
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let lang = Lang::parse(pieces.next()?)?;
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok()).unwrap_or(1.0);
            Some((q, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map_or(Lang::De, |(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(pick(None, None), Lang::De);
        assert_eq!(pick(None, Some("fr-FR,fr;q=0.9")), Lang::De);
        assert_eq!(pick(None, Some("fr-FR,en-GB;q=0.8,de;q=0.7")), Lang::En);
        assert_eq!(pick(None, Some("en;q=0.5,de;q=0.9")), Lang::De);
        assert_eq!(pick(Some("en"), Some("de")), Lang::En);
        assert_eq!(pick(Some("xx"), Some("en")), Lang::En);
    }
}
