//! Who may talk to the bridge: the `Host` allowlist (against DNS rebinding), the
//! `Origin` check (against other web pages opening a WebSocket or an event stream),
//! and the bearer token.
//!
//! The rules, in the order [`guard`] applies them to every request:
//!
//! 1. `Host` must name the bridge: for a loopback listen address `127.0.0.1:P`,
//!    `localhost:P` or `[::1]:P`; for a specific address that address with its port;
//!    plus the hosts of `allowed_origins`. A wildcard address (`0.0.0.0`, `::`) needs a
//!    token and accepts any `Host` (the token is the protection there). Otherwise
//!    **403**.
//! 2. With a token configured, every path but `/healthz` needs it, as
//!    `Authorization: Bearer T` or `?token=T` (browsers cannot set headers on a
//!    WebSocket or `EventSource`). Otherwise **401** with `WWW-Authenticate: Bearer`.
//! 3. An `Origin` header, when present, must be the bridge's own (`http(s)://` plus the
//!    request's `Host`) or one of `allowed_origins`: checked before any WebSocket
//!    upgrade or event stream starts. Otherwise **403**. (Browsers always send
//!    `Origin` on WebSocket handshakes and cross-origin requests; tools like curl send
//!    none and are let through by this rule, not by the others.)
//!
//! The bridge is read-only: its routes are `GET` only.
//!
//! Progress: plain functions; the token comparison takes the same time whatever
//! the position of the first differing byte.
//!
//! # Example
//!
//! ```
//! use seamless_bridge::access::Access;
//! let a = Access::new("127.0.0.1:8787".parse().unwrap(), None, &[]);
//! assert!(a.host_allowed(Some("localhost:8787")));
//! assert!(!a.host_allowed(Some("attacker.example:8787"))); // DNS rebinding
//! assert!(!a.origin_allowed(Some("http://attacker.example"), Some("localhost:8787")));
//! ```
//!
//! # Implementation
//!
//! 1. The allowlist is built once from the *bound* address (so port 0 works).
//! 2. One axum middleware ([`guard`]) runs before routing, so no handler (and no
//!    upgrade) ever sees a refused request.
//!    (The checks follow the WebSocket RFC 6455 section 10.2 advice on `Origin` and the
//!    DNS-rebinding defences of local servers, e.g. Jupyter's `allow_remote_access`.)
//!
//! It must never accept a token in a way that leaks it to other origins, nor
//! answer a refused request with data.

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::metrics::Counters;
use crate::query;
use crate::routes::App;

/// The access rules of one bridge.
#[derive(Debug, Clone)]
pub struct Access {
    /// Allowed `Host` values, lower case; `None`: any (wildcard listen address).
    hosts: Option<Vec<String>>,
    /// Extra allowed origins, lower case, without a trailing slash.
    origins: Vec<String>,
    token: Option<String>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 403: the `Host` header is not the bridge's.
    Host,
    /// 403: the `Origin` header is not allowed.
    Origin,
    /// 401: the token is missing or wrong.
    Token,
}

impl Access {
    /// The rules for a bridge bound to `bound` (the real address, after binding).
    pub fn new(bound: SocketAddr, token: Option<String>, allowed_origins: &[String]) -> Self {
        let origins: Vec<String> = allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
            .collect();
        let port = bound.port();
        let hosts = if bound.ip().is_unspecified() {
            None
        } else {
            let mut hosts = Vec::new();
            let mut add = |host: &str| {
                hosts.push(format!("{host}:{port}"));
                if port == 80 {
                    hosts.push(host.to_owned());
                }
            };
            if bound.ip().is_loopback() {
                add("127.0.0.1");
                add("localhost");
                add("[::1]");
            }
            add(&match bound {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            });
            for o in &origins {
                if let Some((_, authority)) = o.split_once("://") {
                    hosts.push(authority.to_owned());
                }
            }
            Some(hosts)
        };
        Access {
            hosts,
            origins,
            token,
        }
    }

    /// Whether `host` (the `Host` header) names this bridge.
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        match (&self.hosts, host) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(list), Some(h)) => {
                let h = h.to_ascii_lowercase();
                list.contains(&h)
            }
        }
    }

    /// Whether `origin` may use the bridge reached as `host`.
    pub fn origin_allowed(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.origins.contains(&origin) {
            return true;
        }
        let Some(host) = host else { return false };
        let host = host.to_ascii_lowercase();
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|o| o == host)
    }

    /// Whether the request carries the token (always true without one).
    pub fn token_ok(&self, authorization: Option<&str>, query: Option<&str>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let bearer = authorization.and_then(|a| {
            let (scheme, value) = a.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
        });
        if bearer.is_some_and(|b| same(b.as_bytes(), token.as_bytes())) {
            return true;
        }
        query
            .and_then(|q| query::param(q, "token"))
            .is_some_and(|t| same(t.as_bytes(), token.as_bytes()))
    }

    /// The first rule `path` with `headers` and `query` breaks.
    pub fn check(
        &self,
        path: &str,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(), Refusal> {
        let get = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let host = get(header::HOST);
        if !self.host_allowed(host) {
            return Err(Refusal::Host);
        }
        if path != "/healthz" && !self.token_ok(get(header::AUTHORIZATION), query) {
            return Err(Refusal::Token);
        }
        if !self.origin_allowed(get(header::ORIGIN), host) {
            return Err(Refusal::Origin);
        }
        Ok(())
    }
}

/// Compares without an early exit on the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware applying [`Access::check`] to every request.
pub async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    let uri = req.uri();
    match app.access.check(uri.path(), req.headers(), uri.query()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            let counters = app.hub.counters();
            match refusal {
                Refusal::Token => {
                    Counters::add(&counters.unauthorized, 1);
                    let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
                    (
                        StatusCode::UNAUTHORIZED,
                        challenge,
                        "missing or wrong token\n",
                    )
                        .into_response()
                }
                Refusal::Host => {
                    Counters::add(&counters.forbidden, 1);
                    (StatusCode::FORBIDDEN, "host not allowed\n").into_response()
                }
                Refusal::Origin => {
                    Counters::add(&counters.forbidden, 1);
                    (StatusCode::FORBIDDEN, "origin not allowed\n").into_response()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Access {
        Access::new("127.0.0.1:8787".parse().unwrap(), None, &[])
    }

    #[test]
    fn loopback_hosts_only() {
        let a = local();
        for ok in ["127.0.0.1:8787", "LOCALHOST:8787", "[::1]:8787"] {
            assert!(a.host_allowed(Some(ok)), "{ok}");
        }
        for bad in ["evil.example:8787", "127.0.0.1:8788", "localhost", ""] {
            assert!(!a.host_allowed(Some(bad)), "{bad}");
        }
        assert!(!a.host_allowed(None));
    }

    #[test]
    fn origins_are_same_origin_or_listed() {
        let extra = vec!["https://ops.example:443/".to_owned()];
        let a = Access::new("127.0.0.1:8787".parse().unwrap(), None, &extra);
        let host = Some("localhost:8787");
        assert!(a.origin_allowed(None, host));
        assert!(a.origin_allowed(Some("http://localhost:8787"), host));
        assert!(a.origin_allowed(Some("https://ops.example:443"), host));
        assert!(!a.origin_allowed(Some("http://evil.example"), host));
        assert!(!a.origin_allowed(Some("null"), host));
        assert!(!a.origin_allowed(Some("http://127.0.0.1:8787"), host));
        assert!(a.host_allowed(Some("ops.example:443")));
    }

    #[test]
    fn token_from_header_or_query() {
        let a = Access::new("0.0.0.0:1".parse().unwrap(), Some("s3cret".into()), &[]);
        assert!(a.host_allowed(Some("anything:1")));
        assert!(a.token_ok(Some("Bearer s3cret"), None));
        assert!(a.token_ok(Some("bearer s3cret"), None));
        assert!(a.token_ok(None, Some("from=1&token=s3cret")));
        assert!(!a.token_ok(Some("Bearer s3cre"), None));
        assert!(!a.token_ok(None, Some("token=S3CRET")));
        assert!(!a.token_ok(None, None));
        assert!(local().token_ok(None, None));
    }

    #[test]
    fn healthz_needs_no_token_but_a_good_host() {
        let a = Access::new("127.0.0.1:80".parse().unwrap(), Some("t".into()), &[]);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "localhost".parse().unwrap());
        assert_eq!(a.check("/healthz", &h, None), Ok(()));
        assert_eq!(a.check("/api/state", &h, None), Err(Refusal::Token));
        assert_eq!(a.check("/api/state", &h, Some("token=t")), Ok(()));
        h.insert(header::HOST, "evil:80".parse().unwrap());
        assert_eq!(a.check("/healthz", &h, None), Err(Refusal::Host));
    }
}
