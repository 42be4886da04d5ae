use leptos::prelude::*;

use crate::i18n::*;

/// A flow's step indicator (SPEC 2.1): the names of every step, the current one marked.
#[component]
pub fn Steps(names: Vec<AnyView>, current: usize) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ol class="steps" aria-label=move || t_string!(i18n, mfa.steps).to_string()>
            {names
                .into_iter()
                .enumerate()
                .map(|(i, name)| view! { <li aria-current=(i == current).then_some("step")>{name}</li> })
                .collect_view()}
        </ol>
    }
}
