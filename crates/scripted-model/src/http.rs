//! A minimal HTTP/1.1 request reader and response writer, enough for Codex's model requests.
//!
//! One request per connection: every response carries `Connection: close`.

use std::collections::HashMap;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest header block accepted (request line and headers).
pub(crate) const MAX_HEADERS: usize = 64 * 1024;
/// The largest body accepted.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

/// A parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without any query string.
    pub path: String,
    /// Headers, names lower-cased (a repeated header keeps its last value).
    pub headers: HashMap<String, String>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value (`name` lower-case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection closed or failed before a whole request arrived.
    Closed,
    /// The request is malformed or too large: answer with this status and reason.
    Bad(u16, String),
}

impl From<std::io::Error> for ReadError {
    fn from(_: std::io::Error) -> Self {
        Self::Closed
    }
}

/// Reads one CRLF- (or LF-) terminated line, charging it to `budget`.
async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    budget: &mut usize,
    too_large: (u16, &str),
) -> Result<String, ReadError> {
    let mut line = Vec::new();
    let n = reader
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    if n > *budget {
        return Err(ReadError::Bad(too_large.0, too_large.1.to_owned()));
    }
    if line.last() != Some(&b'\n') {
        return Err(ReadError::Closed);
    }
    *budget -= n;
    Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
}

const HEADERS_TOO_LARGE: (u16, &str) = (
    431,
    "request headers are larger than the scripted model's 64 KiB limit",
);
const BODY_TOO_LARGE: (u16, &str) = (
    413,
    "request body is larger than the scripted model's 16 MiB limit",
);

/// Reads one request: the request line, headers, and a `Content-Length` or chunked body.
pub(crate) async fn read_request<R: AsyncBufRead + Unpin>(
    reader: &mut R,
) -> Result<Request, ReadError> {
    let mut budget = MAX_HEADERS;
    let start = read_line(reader, &mut budget, HEADERS_TOO_LARGE).await?;
    let mut parts = start.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(
            400,
            format!("bad request line {start:?}; expected e.g. \"POST /v1/responses HTTP/1.1\""),
        ));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad(
            505,
            format!("{version} is not supported; the scripted model speaks HTTP/1.1"),
        ));
    }
    let mut headers = HashMap::new();
    loop {
        let line = read_line(reader, &mut budget, HEADERS_TOO_LARGE).await?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, format!("bad header line {line:?}")));
        };
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    if let Some(encoding) = headers
        .get("content-encoding")
        .filter(|e| !e.eq_ignore_ascii_case("identity"))
    {
        return Err(ReadError::Bad(
            415,
            format!(
                "the request body is compressed ({encoding}), which the scripted model does not \
                 read; set `[features] enable_request_compression = false` in config.toml \
                 (CodexHome does)"
            ),
        ));
    }
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(reader).await?
    } else if let Some(length) = headers.get("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| ReadError::Bad(400, format!("bad content-length {length:?}")))?;
        if length > MAX_BODY {
            return Err(ReadError::Bad(
                BODY_TOO_LARGE.0,
                BODY_TOO_LARGE.1.to_owned(),
            ));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        body
    } else {
        Vec::new()
    };
    let path = target.split('?').next().unwrap_or(target);
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body,
    })
}

/// Reads a `Transfer-Encoding: chunked` body (and any trailers).
async fn read_chunked<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    // Chunk-size lines, chunk terminators and trailers share one budget.
    let mut budget = MAX_HEADERS;
    loop {
        let size_line = read_line(reader, &mut budget, HEADERS_TOO_LARGE).await?;
        let digits = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(digits, 16)
            .map_err(|_| ReadError::Bad(400, format!("bad chunk size line {size_line:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader, &mut budget, HEADERS_TOO_LARGE)
                .await?
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(ReadError::Bad(
                BODY_TOO_LARGE.0,
                BODY_TOO_LARGE.1.to_owned(),
            ));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).await?;
        if !read_line(reader, &mut budget, HEADERS_TOO_LARGE)
            .await?
            .is_empty()
        {
            return Err(ReadError::Bad(
                400,
                "a chunk is longer than its size line says".to_owned(),
            ));
        }
    }
}

/// Writes a complete response with `Connection: close`.
pub(crate) async fn respond<W: AsyncWrite + Unpin>(
    writer: &mut W,
    status: u16,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    writer.write_all(head.as_bytes()).await?;
    writer.write_all(body.as_bytes()).await?;
    writer.flush().await
}

/// Writes the head of a streamed `text/event-stream` response; the events follow until the
/// connection closes.
pub(crate) async fn start_stream<W: AsyncWrite + Unpin>(writer: &mut W) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";
    writer.write_all(head.as_bytes()).await?;
    writer.flush().await
}

/// The reason phrase for `status`.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ if status < 500 => "Client Error",
        _ => "Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(raw: &[u8]) -> Result<Request, ReadError> {
        read_request(&mut &raw[..]).await
    }

    #[tokio::test]
    async fn reads_a_content_length_body_and_strips_the_query() {
        let request = read(
            b"POST /v1/responses?x=1 HTTP/1.1\r\nThread-Id: t1\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await
        .expect("parses");
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/responses");
        assert_eq!(request.header("thread-id"), Some("t1"));
        assert_eq!(request.body, b"{}");
    }

    #[tokio::test]
    async fn reads_a_chunked_body_with_trailers() {
        let raw = b"POST /v1/responses HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n{\"a\r\n4\r\n\":1}\r\n0\r\nX-Trailer: y\r\n\r\n";
        let request = read(raw).await.expect("parses");
        assert_eq!(request.body, b"{\"a\":1}");
    }

    #[tokio::test]
    async fn refuses_compressed_bodies_oversized_bodies_and_oversized_headers() {
        let compressed = read(
            b"POST /v1/responses HTTP/1.1\r\nContent-Encoding: zstd\r\nContent-Length: 0\r\n\r\n",
        )
        .await;
        assert!(
            matches!(&compressed, Err(ReadError::Bad(415, reason)) if reason.contains("enable_request_compression")),
            "{compressed:?}"
        );
        let huge = format!(
            "POST /v1/responses HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert!(matches!(
            read(huge.as_bytes()).await,
            Err(ReadError::Bad(413, _))
        ));
        let long_header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEADERS));
        assert!(matches!(
            read(long_header.as_bytes()).await,
            Err(ReadError::Bad(431, _))
        ));
        let chunk = format!(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            MAX_BODY + 1
        );
        assert!(matches!(
            read(chunk.as_bytes()).await,
            Err(ReadError::Bad(413, _))
        ));
    }

    #[tokio::test]
    async fn a_truncated_request_is_closed_not_bad() {
        assert!(matches!(
            read(b"POST /v1/responses HTTP/1.1\r\nContent-Le").await,
            Err(ReadError::Closed)
        ));
        assert!(matches!(
            read(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}").await,
            Err(ReadError::Closed)
        ));
    }
}
