//! Shared helpers of the bridge's library tests: a core run in this process, a bridge
//! on a free loopback port, WebSocket and SSE clients, and the checks every stream
//! must pass.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use seamless_bridge::push::{Urgency, classify};
use seamless_bridge::{Bridge, Options};
use seamless_config::Config;
use seamless_core::domain::Event;
use seamless_core::runtime::{self, RunError, RunOptions, RunSummary, StopFlag};
use seamless_core::shared::SharedReader;
use seamless_ipc::broadcast::Start;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Generous: a loaded 2-core machine runs several test binaries at once.
pub const DEADLINE: Duration = Duration::from_secs(90);

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One core run at a time in this binary (each already uses most of two cores).
/// (An async mutex: each test's runtime awaits it; it never poisons.)
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// A synthetic run of `ticks` at `rate` ticks per second that ends by itself.
pub fn core_config(name: &str, ticks: u64, rate: u64) -> Config {
    let mut cfg = Config::default();
    cfg.core.name = name.to_owned();
    cfg.feed.synthetic.ticks = ticks;
    cfg.feed.synthetic.rate_per_sec = rate;
    cfg.feed.exit_after_feed = true;
    cfg
}

/// A core running on a thread of this process.
pub struct Core {
    pub stop: StopFlag,
    thread: Option<JoinHandle<Result<RunSummary, RunError>>>,
}

impl Core {
    pub fn start(dir: &Path, cfg: Config) -> Core {
        let stop = StopFlag::new();
        let opts = RunOptions {
            shm_dir: Some(dir.to_owned()),
            stop: stop.clone(),
            ..RunOptions::default()
        };
        let thread = std::thread::spawn(move || runtime::run(&cfg, opts));
        Core {
            stop,
            thread: Some(thread),
        }
    }

    pub fn join(mut self) -> RunSummary {
        let thread = self.thread.take().expect("joined once");
        thread.join().expect("core thread").expect("core run")
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stop.request(seamless_core::domain::Reason::Operator);
            let _ = t.join();
        }
    }
}

/// A bridge for instance `name` in `dir` on a free loopback port.
pub fn bridge(dir: &Path, name: &str, tweak: impl FnOnce(&mut Options)) -> Bridge {
    let mut opts = Options::new(name);
    opts.shm_dir = Some(dir.to_owned());
    opts.listen = "127.0.0.1:0".parse().unwrap();
    opts.workers = 2;
    tweak(&mut opts);
    Bridge::start(opts).expect("bridge starts")
}

/// Polls `f` until it returns `Some`, or panics after [`DEADLINE`] naming `what`.
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `ws://addr/ws?query` with extra headers.
pub async fn ws(
    addr: SocketAddr,
    query: &str,
    headers: &[(&'static str, &str)],
) -> Result<Ws, tungstenite::Error> {
    let mut req = format!("ws://{addr}/ws?{query}").into_client_request()?;
    for (k, v) in headers {
        req.headers_mut().insert(*k, v.parse().unwrap());
    }
    let (ws, _) = tokio_tungstenite::connect_async(req).await?;
    Ok(ws)
}

/// The next JSON message (pings skipped), `None` when the stream ends.
pub async fn next_json<S>(ws: &mut WebSocketStream<S>) -> Option<Value>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let msg = tokio::time::timeout(DEADLINE, ws.next())
            .await
            .expect("a message within the deadline")?;
        match msg.ok()? {
            Message::Text(t) => return Some(serde_json::from_str(&t).expect("json")),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// A minimal SSE client over HTTP/1.1 (chunked body).
pub struct Sse {
    reader: BufReader<TcpStream>,
    text: String,
}

impl Sse {
    /// `GET path` with headers; the status and, for 200, the stream.
    pub async fn connect(
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Option<Sse>) {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let mut req =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.expect("send");
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).await.expect("status");
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let sse = (status == 200).then_some(Sse {
            reader,
            text: String::new(),
        });
        (status, sse)
    }

    async fn chunk(&mut self) -> Option<()> {
        let mut size = String::new();
        if self.reader.read_line(&mut size).await.ok()? == 0 {
            return None;
        }
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        if size == 0 {
            return None;
        }
        let mut buf = vec![0; size + 2];
        self.reader.read_exact(&mut buf).await.ok()?;
        buf.truncate(size);
        self.text.push_str(std::str::from_utf8(&buf).ok()?);
        Some(())
    }

    /// The next event's `id` and JSON data (comments and keep-alives skipped).
    pub async fn next(&mut self) -> Option<(Option<u64>, Value)> {
        loop {
            if let Some(end) = self.text.find("\n\n") {
                let block: String = self.text.drain(..end + 2).collect();
                let (mut id, mut data) = (None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if !data.is_empty() {
                    return Some((id, serde_json::from_str(&data).expect("json data")));
                }
                continue;
            }
            tokio::time::timeout(DEADLINE, self.chunk())
                .await
                .expect("data within the deadline")?;
        }
    }
}

/// What a client saw: the snapshot it started from and the events after it.
#[derive(Debug, Default)]
pub struct Transcript {
    /// `last_seq` of the (last) snapshot the events follow.
    pub after: u64,
    /// Events: seq, kind, instrument (or ""), conflated count.
    pub events: Vec<(u64, String, String, u64)>,
    /// Control messages (`resync`, `waiting`, ...).
    pub controls: Vec<Value>,
    /// SSE ids seen, in order.
    pub ids: Vec<u64>,
}

impl Transcript {
    /// Takes one message; true once `runner_stopped` arrived.
    pub fn take(&mut self, msg: &Value) -> bool {
        match msg["type"].as_str() {
            Some("snapshot") => {
                self.after = msg["last_seq"].as_u64().unwrap();
                false
            }
            Some("state") => false,
            Some(_) => {
                self.controls.push(msg.clone());
                false
            }
            None => {
                let seq = msg["seq"].as_u64().expect("event seq");
                let kind = msg["kind"].as_str().expect("kind").to_owned();
                let inst = msg["instrument"].as_str().unwrap_or("").to_owned();
                let conflated = msg["conflated"].as_u64().unwrap_or(0);
                self.events.push((seq, kind.clone(), inst, conflated));
                kind == "runner_stopped"
            }
        }
    }

    pub fn last_seq(&self) -> u64 {
        self.events.last().map_or(self.after, |e| e.0)
    }
}

/// Every event the run published, read back from its (stopped, still readable) region:
/// seq, kind, instrument symbol, push class.
pub fn ring_events(dir: &Path, name: &str) -> Vec<(u64, String, String, Urgency)> {
    let reader = SharedReader::attach(Some(dir), name).expect("attach after the run");
    let mut ring = reader.events(Start::Oldest).expect("ring");
    assert_eq!(ring.next_seq(), 1, "the ring still holds the whole run");
    let mut out = Vec::new();
    while let Ok(Some((seq, record))) = ring.try_next() {
        let ev: Event = record.decode().expect("decodes");
        let inst = ev
            .instrument()
            .and_then(|id| reader.symbol(id))
            .unwrap_or("")
            .to_owned();
        out.push((seq, ev.kind().name().to_owned(), inst, classify(&ev)));
    }
    out
}

/// The checks of a stream against the run: strictly increasing sequences; every
/// immediate (critical) event after `t.after` received, in order; every event not
/// received is a conflated one with a newer event of its key received.
pub fn check_stream(t: &Transcript, run: &[(u64, String, String, Urgency)]) {
    let seqs: Vec<u64> = t.events.iter().map(|e| e.0).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "sequences strictly increase"
    );
    assert!(
        seqs.first().is_none_or(|&s| s > t.after),
        "events follow the snapshot"
    );
    let last = t.last_seq();
    let received: std::collections::HashSet<u64> = seqs.iter().copied().collect();
    let mut missing_critical = Vec::new();
    for (seq, kind, inst, urgency) in run.iter().filter(|e| e.0 > t.after && e.0 <= last) {
        if received.contains(seq) {
            let got = t.events.iter().find(|e| e.0 == *seq).unwrap();
            assert_eq!((&got.1, &got.2), (kind, inst), "event {seq} is the run's");
            continue;
        }
        match urgency {
            Urgency::Immediate => missing_critical.push(*seq),
            Urgency::Conflated(_) => assert!(
                t.events
                    .iter()
                    .any(|e| e.0 > *seq && e.1 == *kind && e.2 == *inst),
                "conflated {kind} {inst} {seq} has a newer one received"
            ),
        }
    }
    assert!(
        missing_critical.is_empty(),
        "critical events missing: {missing_critical:?}"
    );
}

/// [`wait_for`] for async tests (sleeps on the runtime's timer).
pub async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the bridge follows a core.
pub async fn attached(bridge: &Bridge) {
    until("the bridge to attach", || {
        matches!(
            *bridge.hub().status(),
            seamless_bridge::status::Status::Attached(_)
        )
        .then_some(())
    })
    .await;
}

/// A plain HTTP/1.1 request (`Connection: close`): status and body. `host` replaces
/// the Host header when given.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    host: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let host = host.map_or(addr.to_string(), str::to_owned);
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(DEADLINE, stream.read_to_end(&mut raw))
        .await
        .expect("answer within the deadline")
        .expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = text.split_once("\r\n\r\n").map_or("", |b| b.1).to_owned();
    (status, body)
}
