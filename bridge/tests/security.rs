//! Access control: evil Host and Origin get 403 before any upgrade or stream; a
//! missing or wrong token gets 401 when one is set; a non-loopback address without a
//! token is refused; nothing but GET is served.

mod common;

use common::*;
use seamless_bridge::{Bridge, BridgeError, Options};
use tokio_tungstenite::tungstenite;

fn status_of(e: tungstenite::Error) -> u16 {
    match e {
        tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn evil_origin_and_host_get_403_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge(dir.path(), "sec-origin", |_| {});
    let addr = bridge.local_addr();
    let evil = ws(addr, "", &[("origin", "http://evil.example")]).await;
    assert_eq!(status_of(evil.unwrap_err()), 403);
    let evil_host = ws(addr, "", &[("host", "evil.example:80")]).await;
    assert_eq!(status_of(evil_host.unwrap_err()), 403);
    let rebound = ws(
        addr,
        "",
        &[
            ("host", "rebind.example:8787"),
            ("origin", "http://rebind.example:8787"),
        ],
    )
    .await;
    assert_eq!(
        status_of(rebound.unwrap_err()),
        403,
        "DNS rebinding: same origin, foreign host"
    );

    let own = format!("http://{addr}");
    let mut ok = ws(addr, "", &[("origin", own.as_str())])
        .await
        .expect("own origin upgrades");
    assert!(next_json(&mut ok).await.is_some());
    let local = format!("http://localhost:{}", addr.port());
    let host = format!("localhost:{}", addr.port());
    ws(
        addr,
        "",
        &[("origin", local.as_str()), ("host", host.as_str())],
    )
    .await
    .expect("localhost is the bridge too");

    let (status, sse) = Sse::connect(addr, "/events", &[("Origin", "https://evil.example")]).await;
    assert_eq!(status, 403);
    assert!(sse.is_none());
    let (status, _) = http(addr, "GET", "/api/state", Some("evil.example"), &[]).await;
    assert_eq!(status, 403);
    let (status, _) = http(addr, "GET", "/healthz", Some("evil.example"), &[]).await;
    assert_eq!(status, 403);
    let counters = bridge.hub().counters();
    assert!(
        counters
            .forbidden
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 5
    );
    drop(ok);
    bridge.stop().unwrap();
}

#[tokio::test]
async fn allowed_origins_from_the_config_may_connect() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge(dir.path(), "sec-allowed", |o| {
        o.allowed_origins = vec!["https://ops.example:8443".into()];
    });
    let addr = bridge.local_addr();
    ws(addr, "", &[("origin", "https://ops.example:8443")])
        .await
        .expect("a listed origin upgrades");
    let other = ws(addr, "", &[("origin", "https://ops.example:9999")]).await;
    assert_eq!(status_of(other.unwrap_err()), 403);
    bridge.stop().unwrap();
}

#[tokio::test]
async fn a_token_is_required_everywhere_but_healthz() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge(dir.path(), "sec-token", |o| o.token = Some("s3cret".into()));
    let addr = bridge.local_addr();
    for path in ["/", "/api/state", "/metrics", "/events"] {
        let (status, _) = http(addr, "GET", path, None, &[]).await;
        assert_eq!(status, 401, "{path} without a token");
        let (status, _) = http(
            addr,
            "GET",
            path,
            None,
            &[("Authorization", "Bearer wrong")],
        )
        .await;
        assert_eq!(status, 401, "{path} with a wrong token");
    }
    let (status, page) = http(
        addr,
        "GET",
        "/",
        None,
        &[("Authorization", "Bearer s3cret")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("<title>seamless dashboard</title>"));
    let (status, _) = http(addr, "GET", "/metrics?token=s3cret", None, &[]).await;
    assert_eq!(status, 200);
    let (status, body) = http(addr, "GET", "/healthz", None, &[]).await;
    assert_eq!(status, 503, "no core yet, but no 401 either: {body}");
    assert!(body.contains("no core attached"), "{body}");

    assert_eq!(status_of(ws(addr, "", &[]).await.unwrap_err()), 401);
    assert_eq!(
        status_of(ws(addr, "token=nope", &[]).await.unwrap_err()),
        401
    );
    let mut ok = ws(addr, "token=s3cret", &[])
        .await
        .expect("token in the query");
    assert!(next_json(&mut ok).await.is_some());
    ws(addr, "", &[("authorization", "Bearer s3cret")])
        .await
        .expect("token in the header");
    drop(ok);
    bridge.stop().unwrap();
}

#[test]
fn a_non_loopback_address_without_a_token_is_refused() {
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8787"] {
        let mut opts = Options::new("sec-bind");
        opts.listen = listen.parse().unwrap();
        let err = Bridge::start(opts).unwrap_err();
        assert!(
            matches!(err, BridgeError::TokenRequired { .. }),
            "{listen}: {err}"
        );
        assert!(err.is_usage());
        assert!(err.to_string().contains("bridge.token"), "{err}");
    }
}

#[tokio::test]
async fn only_get_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge(dir.path(), "sec-ro", |_| {});
    let addr = bridge.local_addr();
    for method in ["POST", "PUT", "DELETE"] {
        let (status, _) = http(addr, method, "/api/state", None, &[("Content-Length", "0")]).await;
        assert_eq!(status, 405, "{method}");
    }
    bridge.stop().unwrap();
}
