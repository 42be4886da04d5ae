//! Riegel: the login and transaction-security layer of a supplier e-invoicing portal.
//!
//! This crate is the Leptos app: pages and components (compiled for the browser and the
//! server), server functions (`api`), pure rules (`domain`), and behind the `ssr` feature the
//! server-only backend.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// The `i18n` module that build.rs generates from `locales/` (generated code keeps its own lints).
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}
pub use generated::i18n;

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
pub mod domain;
pub mod islands;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod security;
pub mod wire;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{components::Header, i18n::I18nContextProvider};

/// The HTML document around the app, rendered on the server.
///
/// Pages render in `SsrMode::Async`: the server sends each page complete, so every page works
/// with JavaScript off (out-of-order streaming needs a script to fill in its suspense holes).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::provide_page_nonce();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <islands::IslandScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Rendered on the server only; the browser hydrates the islands inside (`islands`).
    view! {
        <I18nContextProvider>
            <Router>
                <Header />
                // Focusable for the skip link and the islands router (focus after a navigation).
                <main id="main" tabindex="-1">
                    <Routes fallback=pages::NotFoundPage>
                        <Route path=path!("/") view=pages::HomePage ssr=SsrMode::Async />
                        <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async />
                        <Route path=path!("/mfa") view=pages::MfaPage ssr=SsrMode::Async />
                        <Route path=path!("/mfa/setup") view=pages::SetupPage ssr=SsrMode::Async />
                        <Route path=path!("/mfa/recovery-codes") view=pages::RecoveryCodesPage ssr=SsrMode::Async />
                        <Route path=path!("/invoices") view=pages::InvoicesPage ssr=SsrMode::Async />
                        <Route path=path!("/bank") view=pages::BankPage ssr=SsrMode::Async />
                        <Route path=path!("/settings") view=pages::SettingsPage ssr=SsrMode::Async />
                        <Route path=path!("/register") view=pages::RegisterPage ssr=SsrMode::Async />
                        <Route path=path!("/invitation") view=pages::InvitationPage ssr=SsrMode::Async />
                        <Route path=path!("/password/forgot") view=pages::ForgotPasswordPage ssr=SsrMode::Async />
                        <Route path=path!("/password/reset") view=pages::ResetPasswordPage ssr=SsrMode::Async />
                        <Route path=path!("/password/new") view=pages::NewPasswordPage ssr=SsrMode::Async />
                        <Route path=path!("/phone/reset") view=pages::PhoneResetPage ssr=SsrMode::Async />
                        <Route path=path!("/team") view=pages::TeamPage ssr=SsrMode::Async />
                        <Route path=path!("/support") view=pages::SupportPage ssr=SsrMode::Async />
                        <Route path=path!("/activity") view=pages::ActivityPage ssr=SsrMode::Async />
                        <Route path=path!("/oidc/confirm") view=pages::ConfirmPage ssr=SsrMode::Async />
                    </Routes>
                </main>
            </Router>
        </I18nContextProvider>
    }
}
