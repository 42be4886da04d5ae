//! `server`: runs Riegel. See `server --help` for every setting.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{net::SocketAddr, process::ExitCode};

use app::{
    backend::{db::Location, delivery::providers::Provider, oidc::clients::NewClient, tools::clock},
    domain::policy::Policy,
};
use clap::Parser;
use server::{
    Settings, build_state,
    config::{AccountCommand, Cli, ClientCommand, Command, KeyCommand},
    guard::NetConfig,
    router,
};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::registry()
        .with(server::logs::filter_from_env())
        .with(server::logs::layer(cli.log_format, std::io::stdout))
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("riegel: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    cli.check()?;
    // Before the server's state: a backup opens the database as it is (no migration), and
    // needs neither the secret key nor the other settings of a running server.
    if let Some(Command::Backup { file }) = &cli.command {
        let written = app::backend::services::backup::backup(&cli.database, file).await.map_err(|e| e.to_string())?;
        println!(
            "Backup written: {} ({} bytes). It holds every password hash and secret: keep it as safe as the database, with RIEGEL_SECRET_KEY.",
            written.path.display(),
            written.bytes
        );
        return Ok(());
    }
    let conf = leptos::config::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let addr = cli.bind.unwrap_or(conf.leptos_options.site_addr);
    let settings = Settings {
        database: cli.database.clone(),
        pool: cli.pool()?,
        dev_mode: cli.dev,
        secret_key: cli.secret_key_bytes()?,
        argon2: cli.argon2()?,
        policy: Policy::default(),
        support_contact: cli.support_contact.clone(),
        link_origin: cli.link_origin(addr)?,
        delivery: cli.delivery()?,
        clock: clock::Clock::system(),
        metrics: cli.metrics_bind.is_some(),
    };
    let state = build_state(settings, server::assets::with_hashed_files(conf.leptos_options)).await?;
    tracing::info!("database: {}", cli.database);
    if let Some(command) = &cli.command {
        return administer(&state, command).await;
    }
    if cli.dev {
        tracing::warn!("development mode: not for production");
    }
    if cli.seed_demo {
        let logins = app::backend::seed::demo(&state, state.clock.now()).await?;
        print_demo(logins, &cli, addr);
    }
    let net = NetConfig {
        trusted_proxy: cli.trusted_proxy,
        public_origin: cli.public_origin.clone(),
        body_limit: cli.body_limit,
        dev_mode: cli.dev,
    };
    let p = &state.providers;
    for (channel, provider) in [("e-mail", &p.email), ("SMS", &p.sms), ("Web Push", &p.web_push)] {
        match provider {
            Provider::Unconfigured => {
                tracing::warn!("no {channel} provider is configured: messages wait in the outbox")
            }
            Provider::Dev(_) => tracing::info!("{channel} goes to the development outbox at /dev/outbox"),
            Provider::Smtp(_) | Provider::SmsGateway(_) => tracing::info!("{channel} goes to its configured provider"),
            Provider::WebPush(_) => tracing::info!("{channel} goes to the allowed push services"),
        }
    }
    if let Some(metrics_addr) = cli.metrics_bind {
        if metrics_addr == addr {
            return Err("--metrics-bind must differ from the public address: metrics are never served there".into());
        }
        let listener = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .map_err(|e| format!("cannot listen on {metrics_addr} for metrics: {e}"))?;
        tracing::info!("metrics at http://{metrics_addr}/metrics");
        server::metrics::spawn(listener, state.clone());
    }
    let _worker = server::spawn_worker(&state);
    let _housekeeping = server::spawn_housekeeping(&state);
    let push_events = state.push_events.clone();
    let app = router(state, net);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("Riegel listening on http://{addr}");
    let header_timeout = std::time::Duration::from_secs(cli.header_timeout_secs);
    server::serve::serve(listener, app, header_timeout, async move {
        shutdown().await;
        // Open event streams (push devices, waiting login screens) end, or the shutdown
        // would wait for them.
        push_events.close();
    })
    .await;
    Ok(())
}

async fn administer(state: &app::backend::state::AppState, command: &Command) -> Result<(), String> {
    use app::backend::services::accounts::{NewAccount, create_by_command_line};
    let (what, email, name) = match command {
        Command::CreateOrganisation { name, admin_email, admin_name } => {
            (NewAccount::Organisation { name }, admin_email, admin_name)
        }
        Command::CreateSupportAgent { email, name } => (NewAccount::SupportAgent, email, name),
        Command::Client(ClientCommand::Add { id, name, redirect_uris, post_logout_uris, public }) => {
            let new = NewClient { id, name, public: *public, redirect_uris, post_logout_uris };
            let secret = app::backend::services::oidc_tokens::add_client(state, state.clock.now(), &new).await?;
            println!(
                "Registered client {id}. Discovery: {}/.well-known/openid-configuration",
                state.config.link_origin
            );
            match secret {
                Some(secret) => println!(
                    "client_secret (shown once, keep it in the application's secret store):\n{}",
                    secret.expose()
                ),
                None => println!("Public client: no secret; it must use PKCE (S256)."),
            }
            return Ok(());
        }
        Command::Account(command) => {
            use app::backend::services::support::{OperatorAction, operator_act};
            let (action, email, reason, done) = match command {
                AccountCommand::LiftLock { email, reason } => (OperatorAction::LiftLock, email, reason, "lock lifted"),
                AccountCommand::UnlockTan { email, reason } => {
                    (OperatorAction::UnlockTan, email, reason, "TAN system unlocked")
                }
            };
            operator_act(state, state.clock.now(), email, reason, action).await?;
            println!("{email}: {done}; recorded in the audit log with the reason.");
            return Ok(());
        }
        // Dispatched in `run` before the server's state is built; never reaches here.
        Command::Backup { .. } => return Err("the backup command runs before the server's state".into()),
        Command::Key(KeyCommand::Rotate) => {
            let from = app::backend::services::oidc_tokens::rotate_signing_key(state, state.clock.now()).await?;
            println!("New signing key published; it signs from {} (Unix time).", from.0);
            return Ok(());
        }
    };
    let link = create_by_command_line(state, state.clock.now(), what, email, name).await?;
    println!("Created. Send this invitation link to {email} (valid 72 hours, works once):");
    println!("{}", link.expose());
    Ok(())
}

fn print_demo(logins: &[app::backend::seed::DemoLogin], cli: &Cli, addr: SocketAddr) {
    let db = match &cli.database {
        Location::Sqlite(path) => std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()).display().to_string(),
        other => other.to_string(),
    };
    println!();
    println!("Riegel demo: http://{addr}/login   organisation \"{}\"", app::backend::seed::ORGANISATION);
    for l in logins {
        let mfa = l.phone.map_or("MFA not set up yet".to_string(), |p| format!("SMS to {p}"));
        println!("  {:<8} {:<40} {:<28} {}", l.role.as_str(), l.email, l.password, mfa);
    }
    println!("Codes (SMS, e-mail): http://{addr}/dev/outbox");
    println!("Data: {db} (reset: ./x reset)");
    println!();
}

/// Ctrl-C, or SIGTERM as systemd and Kubernetes stop a service: the server stops accepting,
/// finishes the requests it took, and exits.
async fn shutdown() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: requests in flight finish, new connections are refused");
}
