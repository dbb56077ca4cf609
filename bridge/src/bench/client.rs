//! A minimal WebSocket client for the benchmark: the handshake and the reading of
//! unmasked server text frames over a tokio `TcpStream`, nothing else (no TLS, no
//! extensions, no sending after the handshake but pongs are not needed: the bridge
//! does not ping).
//!
//! Progress: async; waits on its socket.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One connection to `/ws`.
#[derive(Debug)]
pub struct Client {
    stream: BufReader<TcpStream>,
    frame: Vec<u8>,
}

impl Client {
    /// Connects to `addr` and upgrades `GET /ws`.
    ///
    /// # Errors
    ///
    /// Socket errors, or a refused upgrade (`InvalidData` with the status line).
    pub async fn connect(addr: SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut stream = BufReader::new(stream);
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: c2VhbWxlc3MtYmVuY2gtMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.get_mut().write_all(request.as_bytes()).await?;
        let mut status = String::new();
        stream.read_line(&mut status).await?;
        if !status.starts_with("HTTP/1.1 101") {
            return Err(io::Error::new(io::ErrorKind::InvalidData, status));
        }
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await? == 0 || line == "\r\n" {
                break;
            }
        }
        Ok(Client {
            stream,
            frame: Vec::with_capacity(4096),
        })
    }

    /// The next complete text message; `None` on close or end of stream.
    ///
    /// # Errors
    ///
    /// Socket errors, or a frame this client does not understand.
    pub async fn next_text(&mut self) -> io::Result<Option<&[u8]>> {
        self.frame.clear();
        loop {
            let mut head = [0u8; 2];
            if let Err(e) = self.stream.read_exact(&mut head).await {
                return match e.kind() {
                    io::ErrorKind::UnexpectedEof => Ok(None),
                    _ => Err(e),
                };
            }
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            if head[1] & 0x80 != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "masked server frame",
                ));
            }
            let len = match head[1] & 0x7f {
                126 => u64::from(self.stream.read_u16().await?),
                127 => self.stream.read_u64().await?,
                n => u64::from(n),
            };
            let len = usize::try_from(len)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "frame too long"))?;
            let start = self.frame.len();
            self.frame.resize(start + len, 0);
            self.stream.read_exact(&mut self.frame[start..]).await?;
            match opcode {
                8 => return Ok(None),
                1 | 0 if fin => return Ok(Some(&self.frame)),
                1 | 0 => {}
                // Ping, pong, binary: not used by the bridge; drop the payload.
                _ => self.frame.truncate(start),
            }
        }
    }
}

/// The `seq` of an event message (`{"seq":N,...`), `None` for other messages.
pub fn event_seq(text: &[u8]) -> Option<u64> {
    let rest = text.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// Whether `text` is a control message of `kind` (`{"type":"snapshot",...`).
pub fn is_kind_type(text: &[u8], kind: &str) -> bool {
    let needle = format!("{{\"type\":\"{kind}\"");
    text.starts_with(needle.as_bytes())
}

/// The `kind` of an event message (`..."kind":"trade_executed",...`), without
/// allocating: the field name is looked for only where a `"` starts, so a client pays
/// a few byte comparisons per message (every client reads every message).
pub fn event_kind(text: &[u8]) -> Option<&[u8]> {
    const FIELD: &[u8] = b"\"kind\":\"";
    let at = (0..text.len()).find(|&i| text[i] == b'"' && text[i..].starts_with(FIELD))?;
    let rest = &text[at + FIELD.len()..];
    let end = rest.iter().position(|&b| b == b'"')?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sequence_and_kind() {
        let ev = br#"{"seq":42,"ts_ns":1,"kind":"trade_executed","instrument":"X"}"#;
        assert_eq!(event_seq(ev), Some(42));
        assert_eq!(event_seq(br#"{"type":"state"}"#), None);
        assert_eq!(event_kind(ev), Some(&b"trade_executed"[..]));
        assert_eq!(event_kind(br#"{"type":"state"}"#), None);
    }
}
