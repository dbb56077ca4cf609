//! The dashboard page, embedded in the binary (no build step, no files at run time):
//! one HTML document with its style sheet and script inline, so the page is a single
//! request (which also carries the token, when one is needed).
//!
//! The script opens `/ws` (with `?token=` when the page's URL has one), renders the
//! first snapshot, applies `state` messages in place (only cells whose text changed are
//! written, at most once per animation frame; numbers in tabular figures so nothing
//! jumps), lists the newest events with a `✓` once `durable_seq` passed them (logged),
//! shows a STALE badge when `stale` is set or nothing arrived for 3 s, a HALTED badge,
//! a loading note until the first snapshot, and a banner while disconnected,
//! reconnecting with `?from=NEXT&instance=ID` so what the ring still holds is not
//! missed.
//!
//! Progress: static data.

/// `GET /`: the whole page.
pub const PAGE: &str = concat!(
    include_str!("head.html"),
    "<style>\n",
    include_str!("style.css"),
    "</style>\n",
    include_str!("body.html"),
    "<script>\n",
    include_str!("app.js"),
    "</script>\n</body>\n</html>\n"
);
