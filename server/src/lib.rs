//! The Riegel server: configuration, database, router and its guards.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod assets;
pub mod config;
pub mod dev;
pub mod guard;
pub mod logs;
pub mod metrics;
pub mod navigation;
pub mod oidc;
pub mod push;
pub mod retry;
pub mod serve;

use std::sync::{Arc, OnceLock};

use app::{
    App,
    backend::{
        db,
        delivery::{
            dev_outbox::DevOutbox,
            providers::{Provider, Providers, SmsGateway, SmsGatewaySettings, Smtp, SmtpSettings},
            web_push::{self, WebPusher},
            worker,
        },
        events::PushEvents,
        metrics::Metrics,
        state::{AppState, RuntimeConfig},
        tools::crypto::{Keys, SecretKey},
        tools::hasher::{Argon2Config, PasswordHasher},
    },
    domain::policy::Policy,
    shell,
};
use axum::{Router, middleware, routing::get};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;

/// Everything the state is built from.
pub struct Settings {
    pub database: db::Location,
    pub pool: db::PoolSettings,
    pub dev_mode: bool,
    pub secret_key: Vec<u8>,
    pub argon2: Argon2Config,
    pub policy: Policy,
    pub support_contact: String,
    /// The origin e-mailed links point to.
    pub link_origin: String,
    pub delivery: Delivery,
    /// The time the server reads: the system clock, or a test's adjustable one.
    pub clock: app::backend::tools::clock::Clock,
    /// Whether metrics are kept (`--metrics-bind` is set).
    pub metrics: bool,
}

/// Where messages go (SPEC 8.2): each channel to its provider when one is configured, else to
/// the development outbox in development mode, else nowhere yet (they wait in the outbox).
#[derive(Clone, Debug)]
pub struct Delivery {
    pub smtp: Option<SmtpSettings>,
    pub sms_gateway: Option<SmsGatewaySettings>,
    /// How long one delivery attempt may take.
    pub timeout: std::time::Duration,
    /// How long a delivery pass holds the messages it took (longer than `timeout`).
    pub claim: std::time::Duration,
    /// The push services Web Push messages may go to (`domain::push_service`): origins,
    /// separated by commas.
    pub push_services: String,
}

impl Delivery {
    /// Development outbox for both channels.
    pub fn dev() -> Self {
        Delivery {
            smtp: None,
            sms_gateway: None,
            timeout: std::time::Duration::from_secs(10),
            claim: std::time::Duration::from_secs(worker::DEFAULT_CLAIM_SECS.unsigned_abs()),
            push_services: app::domain::push_service::DEFAULT_SERVICES.to_owned(),
        }
    }
}

/// Opens and migrates the database and prepares the hasher. Errors are one line.
pub async fn build_state(settings: Settings, leptos_options: LeptosOptions) -> Result<AppState, String> {
    let database = db::open(&settings.database, &settings.pool).await?;
    let metrics = match settings.metrics {
        true => Metrics::on(database.backend),
        false => Metrics::off(),
    };
    let hasher = PasswordHasher::new(settings.argon2)?;
    let keys = Keys::new(SecretKey::new(settings.secret_key)?);
    let dev_outbox = settings.dev_mode.then(|| Arc::new(DevOutbox::default()));
    // Several instances share one PostgreSQL database: wake-ups (and, in development mode,
    // delivered messages) go through it to every instance.
    let push_events = match &settings.database {
        db::Location::Postgres(url) => {
            PushEvents::through_postgres(url.clone(), database.pool.clone(), dev_outbox.clone())
        }
        db::Location::Sqlite(_) => PushEvents::in_process(),
    };
    let fallback = match &dev_outbox {
        Some(outbox) => Provider::Dev(outbox.clone()),
        None => Provider::Unconfigured,
    };
    let d = &settings.delivery;
    let push_services = app::domain::push_service::parse_list(&d.push_services)?;
    // Without its VAPID key (a database that takes no writes) the server still starts; Web Push
    // messages then wait in the outbox, as with any channel without a provider.
    let web_push = match web_push::vapid_key(&database.pool, &database.writer, &keys, settings.clock.now()).await {
        Ok(vapid) => Provider::WebPush(Arc::new(WebPusher::new(vapid, settings.link_origin.clone(), d.timeout)?)),
        Err(e) => {
            tracing::warn!(error = %e, "no VAPID key: Web Push waits");
            Provider::Unconfigured
        }
    };
    let providers = Providers {
        web_push,
        email: match &d.smtp {
            Some(smtp) => Provider::Smtp(Arc::new(Smtp::new(smtp, d.timeout, settings.dev_mode)?)),
            None => fallback.clone(),
        },
        sms: match &d.sms_gateway {
            Some(gateway) => Provider::SmsGateway(Arc::new(SmsGateway::new(gateway, d.timeout, settings.dev_mode)?)),
            None => fallback,
        },
    };
    Ok(AppState {
        writer: database.writer.with_metrics(metrics.clone()),
        pool: database.pool,
        hasher: Arc::new(hasher),
        keys: Arc::new(keys),
        config: Arc::new(RuntimeConfig {
            dev_mode: settings.dev_mode,
            policy: settings.policy,
            support_contact: settings.support_contact,
            link_origin: settings.link_origin,
            delivery_claim_secs: i64::try_from(settings.delivery.claim.as_secs()).unwrap_or(i64::MAX),
            push_services,
        }),
        leptos_options,
        outbox_nudge: Arc::new(Notify::new()),
        dev_outbox,
        providers,
        push_events,
        clock: settings.clock,
        metrics,
    })
}

/// The providers messages are delivered by.
pub fn providers(state: &AppState) -> Providers {
    state.providers.clone()
}

/// Starts the outbox delivery worker.
pub fn spawn_worker(state: &AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(worker::run_worker(
        state.writer.clone(),
        providers(state),
        state.outbox_nudge.clone(),
        state.clock.clone(),
        state.config.delivery_claim_secs,
    ))
}

/// Starts the housekeeping sweep (rows every window has left, `backend::housekeeping`).
pub fn spawn_housekeeping(state: &AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(app::backend::housekeeping::run(
        state.writer.clone(),
        state.clock.clone(),
        state.config.policy.clone(),
    ))
}

/// The app's routes, listed once per process.
///
/// Listing them renders the app once under leptos's `SuppressResourceLoad`, and that is one
/// flag for the whole process (a static `AtomicBool` in leptos_server's `resource.rs`): a
/// `Resource` first polled on any thread while it is up becomes `pending()` for good, so a
/// page another runtime was rendering meanwhile never answered (leptos-rs/leptos#4773; the
/// parallel HTTP tests, which build a router per test, hung on it). Listed once, the flag is
/// up only before the first router exists, when no page can be rendering: every render goes
/// through a router, and a second caller waits here until the list is done.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface: pages, server functions, static files, `/healthz` and `/livez`
/// (`/metrics` is not among them: it has an address of its own, `metrics::routes`).
pub fn router(state: AppState, net: guard::NetConfig) -> Router {
    let routes = routes();
    let options = state.leptos_options.clone();
    let headers = Arc::new(guard::HeaderConfig {
        hsts: !net.dev_mode,
        reload_port: state.config.dev_mode.then_some(options.reload_port),
        dev_mode: state.config.dev_mode,
    });
    let net = Arc::new(net);
    let dev_routes = state.dev_outbox.is_some().then(dev::routes).unwrap_or_default();
    let counted = state.metrics.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .merge(dev_routes)
        .merge(push::routes())
        .merge(oidc::routes())
        .leptos_routes_with_context(&state, routes, || (), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ))
        .layer(middleware::from_fn(navigation::redirects_elsewhere))
        .layer(middleware::from_fn_with_state(net.clone(), guard::client_ip_and_origin))
        // Inside the bounded body, which it reads again for its one repeat.
        .layer(middleware::from_fn(retry::once_more_after_a_conflict))
        .layer(middleware::from_fn_with_state(net.clone(), guard::bounded_body))
        .layer(middleware::from_fn_with_state(headers, guard::security_headers))
        // Spans name the route or path only: a query string can carry a link's token.
        .layer(TraceLayer::new_for_http().make_span_with(logs::request_span).on_response(logs::response_line))
        // Outside the span, which carries the id.
        .layer(middleware::from_fn_with_state(net, logs::request_id))
        .layer(middleware::from_fn_with_state(counted, metrics::observe))
        .with_state(state)
}

/// Ready when the database answers: the readiness check (a proxy sends requests here).
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> (http::StatusCode, &'static str) {
    match app::backend::store::ping(&state.pool).await {
        Ok(_) => (http::StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Alive when the process answers HTTP: the liveness check (a supervisor restarts the process
/// when it fails). It touches no database, so an unreachable database, which `/healthz`
/// reports and a restart would not mend, never gets a healthy process restarted.
async fn livez() -> (http::StatusCode, &'static str) {
    (http::StatusCode::OK, "ok")
}
