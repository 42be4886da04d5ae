//! A request whose transaction PostgreSQL ended to break a conflict (a deadlock, a
//! serialization failure: `app::backend::db::is_conflict`) runs once more; a second conflict
//! is answered 503 with `Retry-After`, as before.
//!
//! The transaction rolled back whole, so a request none of whose transactions had committed
//! changed nothing, and running it again is safe; one that had committed one (a password
//! step's count before the hash, a login before its application's answer) is not run again
//! and answers 503. Only requests that change state are run again (their bodies are already read into
//! memory by `guard::bounded_body`, which sits outside this layer); a page or an event stream
//! only reads.

use axum::{extract::Request, middleware::Next, response::Response};

use crate::guard::is_state_changing;

pub async fn once_more_after_a_conflict(req: Request, next: Next) -> Response {
    if !is_state_changing(req.method()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // Already in memory: this copies bytes, it waits for nothing.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return next.run(Request::from_parts(parts, axum::body::Body::empty())).await;
    };
    let first = Request::from_parts(parts.clone(), axum::body::Body::from(bytes.clone()));
    let (response, conflicted) = app::backend::db::noting_conflicts(next.clone().run(first)).await;
    if !conflicted {
        return response;
    }
    tracing::warn!("a transaction ended in a conflict; the request runs once more");
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}
