//! The HTTP routes: the dashboard, `/api/state`, `/metrics`, `/healthz`, and the two
//! push streams (`/ws`, `/events`, in [`crate::stream`]).
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the dashboard, embedded in the binary |
//! | `GET /ws` | WebSocket: snapshot, then events ([`crate::message`]); `?from=SEQ&instance=ID` resumes |
//! | `GET /events` | the same as Server-Sent Events; `Last-Event-ID` (or `?from=`) resumes |
//! | `GET /api/state` | the snapshot object with `as_of`, `age_ms`, `stale`; 503 without a core |
//! | `GET /metrics` | Prometheus text format |
//! | `GET /healthz` | 200 when the core is alive and fresh, else 503 and the reason (no token needed) |
//!
//! Every route passes [`access::guard`] first. Nothing here changes trading state.
//!
//! Progress: async handlers; none blocks (the status is a `watch` borrow).

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::access::{self, Access};
use crate::dashboard;
use crate::hub::Hub;
use crate::metrics;
use crate::status::Status;
use crate::stream;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct App {
    /// The reader thread's handle.
    pub hub: Hub,
    /// The access rules.
    pub access: Arc<Access>,
}

/// The bridge's router over `app`.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/state", get(state))
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(healthz))
        .route("/ws", get(stream::websocket))
        .route("/events", get(stream::sse))
        .layer(middleware::from_fn_with_state(app.clone(), access::guard))
        .with_state(app)
}

/// Static text with its content type, never cached (a new binary serves a new page).
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", dashboard::PAGE)
}

async fn state(State(app): State<App>) -> Response {
    let now = Instant::now();
    match &*app.hub.status() {
        Status::Attached(read) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            read.to_json(None, now),
        )
            .into_response(),
        Status::Waiting(reason) => {
            let mut body = String::from("{\"error\":");
            let _ = seamless_core::domain::write_string(
                &format!("no core attached: {reason}"),
                &mut body,
            );
            body.push('}');
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
    }
}

async fn metrics_text(State(app): State<App>) -> Response {
    let text = metrics::render(&app.hub.status(), app.hub.counters(), Instant::now());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn healthz(State(app): State<App>) -> Response {
    match app.hub.status().health(Instant::now()) {
        Ok(text) => (StatusCode::OK, text + "\n").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason + "\n").into_response(),
    }
}
