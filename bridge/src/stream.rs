//! The push streams: `GET /ws` (WebSocket) and `GET /events` (Server-Sent Events), both
//! carrying a [`Session`]'s messages ([`crate::message`] describes them).
//!
//! Resuming: a WebSocket client passes `?from=SEQ` (the first sequence it still needs)
//! and `&instance=ID` (the core run it was following, from the snapshot's
//! `instance_id`); an SSE client gets it for free from `EventSource`, which sends
//! `Last-Event-ID` (the `id` of the last event or snapshot it saw) when it reconnects.
//! What the ring still holds is replayed; otherwise a `resync` and a fresh snapshot.
//!
//! Progress: async; a WebSocket session is two tasks: the writer waits on the
//! fan-out channel and its socket, a reader task reads (and drops) what the client
//! sends and tells the writer when the client closes. The writer never polls the
//! read half, so a message costs one wake-up and one write per client. A client
//! that stops reading blocks only its own task (its socket buffer fills); when it
//! reads again it finds itself lagged and is resynchronised.

use std::convert::Infallible;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::SplitStream;
use futures_util::stream::{self, Stream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::hub::Resume;
use crate::query;
use crate::routes::App;
use crate::session::{Connected, Session, Transport};

/// Most messages written to a WebSocket per flush.
const BATCH: usize = 64;
/// The WebSocket read buffer. Clients send the bridge nothing it acts on, and
/// tungstenite zero-fills the free part of this buffer (up to its size) on every poll
/// of the incoming half, which a session does at every message it sends: at the
/// library's default of 128 KiB that memset was the bridge's largest cost with 100
/// clients (`seamless bench bridge`).
const READ_BUFFER: usize = 4096;

/// `GET /ws`.
pub async fn websocket(
    State(app): State<App>,
    RawQuery(q): RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    let resume = resume_from_query(q.as_deref());
    upgrade
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| serve_websocket(app, socket, resume))
}

async fn serve_websocket(app: App, socket: WebSocket, resume: Resume) {
    let _connected = Connected::new(app.hub.counters(), Transport::WebSocket);
    let Some(mut session) = Session::open(&app.hub, resume).await else {
        return;
    };
    let (mut sink, incoming) = socket.split();
    // The client's side is read by a task of its own, so that sending (the hot path)
    // never polls the read half (each poll costs a buffer fill and a readiness check);
    // `closed` fires when the client closes or the connection fails.
    let (gone, mut closed) = oneshot::channel::<()>();
    let _reader = AbortOnDrop(tokio::spawn(read_until_closed(incoming, gone)));
    loop {
        tokio::select! {
            biased;
            _ = &mut closed => return,
            out = session.next() => {
                let Some(out) = out else { break };
                // A backlog goes out in one write: the messages ready now are queued
                // in the socket's buffer (at most BATCH), then flushed once.
                let mut batch = 1;
                let mut sent = sink.feed(Message::Text(out.text)).await;
                while sent.is_ok() && batch < BATCH {
                    let Some(more) = session.try_next() else { break };
                    sent = sink.feed(Message::Text(more.text)).await;
                    batch += 1;
                }
                if sent.is_err() || sink.flush().await.is_err() {
                    return;
                }
            }
        }
    }
    // The bridge is stopping: say goodbye.
    let _ = sink.send(Message::Close(None)).await;
}

/// Reads the client's messages until it closes or the connection fails, then drops
/// `gone`. The client says nothing the bridge acts on; pings are answered by the
/// library.
async fn read_until_closed(mut incoming: SplitStream<WebSocket>, gone: oneshot::Sender<()>) {
    while let Some(Ok(msg)) = incoming.next().await {
        if matches!(msg, Message::Close(_)) {
            break;
        }
    }
    drop(gone);
}

/// Aborts its task when dropped (a session's reader ends with the session).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `GET /events`.
pub async fn sse(State(app): State<App>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let mut resume = resume_from_query(q.as_deref());
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(id) = last_id {
        resume.from = Some(id + 1);
    }
    let connected = Connected::new(app.hub.counters(), Transport::Sse);
    let Some(session) = Session::open(&app.hub, resume).await else {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    Sse::new(events(session, connected))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The session as SSE events (`id` on events and snapshots).
fn events(session: Session, connected: Connected) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(
        (session, connected),
        |(mut session, connected)| async move {
            let out = session.next().await?;
            let mut event = Event::default().data(out.text.as_str());
            if let Some(id) = out.id {
                event = event.id(id.to_string());
            }
            Some((Ok(event), (session, connected)))
        },
    )
}

/// `from` and `instance` from the query string.
fn resume_from_query(q: Option<&str>) -> Resume {
    let num = |key| {
        q.and_then(|q| query::param(q, key))
            .and_then(|v| v.parse().ok())
    };
    Resume {
        from: num("from"),
        instance: num("instance"),
        resync: None,
    }
}
