//! A minimal HTTP/1.1 request reader and response writer, enough for Codex's model requests.

use std::collections::HashMap;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest header block accepted.
const MAX_HEADERS: usize = 64 * 1024;
/// The largest body accepted.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// A parsed request.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a request could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The connection closed or failed.
    Closed,
    /// The request is malformed or too large: answer with this status and reason.
    Bad(u16, String),
}

impl From<std::io::Error> for ReadError {
    fn from(_: std::io::Error) -> Self {
        Self::Closed
    }
}

async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    budget: &mut usize,
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
        return Err(ReadError::Bad(431, "request headers too large".into()));
    }
    *budget -= n;
    Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
}

/// Reads one request (line, headers, and a `Content-Length` or chunked body).
pub async fn read_request<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Request, ReadError> {
    let mut budget = MAX_HEADERS;
    let start = read_line(reader, &mut budget).await?;
    let mut parts = start.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(ReadError::Bad(400, format!("bad request line {start:?}")));
    };
    let mut headers = HashMap::new();
    loop {
        let line = read_line(reader, &mut budget).await?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    if headers
        .get("content-encoding")
        .is_some_and(|e| e != "identity")
    {
        return Err(ReadError::Bad(
            415,
            format!(
                "compressed bodies ({}) are not supported",
                headers["content-encoding"]
            ),
        ));
    }
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let size_line = read_line(reader, &mut MAX_HEADERS.clone()).await?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| ReadError::Bad(400, format!("bad chunk size {size_line:?}")))?;
            if size == 0 {
                let _ = read_line(reader, &mut MAX_HEADERS.clone()).await?;
                break;
            }
            if body.len() + size > MAX_BODY {
                return Err(ReadError::Bad(413, "request body too large".into()));
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk).await?;
            body.extend_from_slice(&chunk);
            let _ = read_line(reader, &mut MAX_HEADERS.clone()).await?;
        }
    } else if let Some(length) = headers.get("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| ReadError::Bad(400, format!("bad content-length {length:?}")))?;
        if length > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large".into()));
        }
        body.resize(length, 0);
        reader.read_exact(&mut body).await?;
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body,
    })
}

/// Writes a complete response with `Connection: close`.
pub async fn respond<W: AsyncWrite + Unpin>(
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

/// Writes the head of a streamed (`text/event-stream`) response; the body follows until close.
pub async fn start_stream<W: AsyncWrite + Unpin>(writer: &mut W) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";
    writer.write_all(head.as_bytes()).await?;
    writer.flush().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
