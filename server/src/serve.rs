//! Serving the router on a TCP listener, with the limits a server facing the internet needs.
//!
//! - **Slow and idle clients.** A client has `header_timeout` (30 s by default) to send a
//!   request's headers, and a keep-alive connection that sends no next request is closed after
//!   as long. A client that trickles its headers (slowloris) or opens connections and goes
//!   silent holds a connection, and its descriptor, for at most that long. (`axum::serve`
//!   gives hyper no timer, so hyper's own header limit never ran and such connections stayed
//!   open for good.) A response being sent, such as an event stream, is not limited.
//! - **Graceful shutdown.** Once `shutdown` resolves, no new connection is accepted; requests in
//!   flight finish, idle connections close, and `serve` returns when the last one has.
//!
//! The shape follows axum's own `serve` (hyper-util's automatic HTTP/1 and HTTP/2 builder,
//! the client's address as `ConnectInfo`), with hyper-util's `GracefulShutdown`.

use std::{future::Future, pin::pin, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves `app` on `listener` until `shutdown` resolves and the connections it had have closed.
pub async fn serve(listener: TcpListener, app: Router, header_timeout: Duration, shutdown: impl Future<Output = ()>) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, say: the connections in flight go on; try again soon.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app.clone().map_request(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req.map(Body::new)
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
