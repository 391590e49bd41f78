//! Newline-delimited JSON framing: read one capped line, write one message.
//!
//! Kept apart from processes so it is tested on in-memory buffers.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Message, TransportError};

/// The default cap on one incoming line: 16 MiB.
pub(crate) const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

/// Reads the next non-empty line (without its newline) from `reader`, refusing lines longer than
/// `max_len` bytes. `Ok(None)` at end of input. A final line without a newline is returned too.
pub(crate) async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max_len: usize,
) -> Result<Option<String>, TransportError> {
    let mut line = Vec::new();
    loop {
        let available = reader
            .fill_buf()
            .await
            .map_err(|source| TransportError::Read { source })?;
        if available.is_empty() {
            if line.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            break;
        }
        let (chunk, found_newline) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (&available[..at], true),
            None => (available, false),
        };
        if line.len() + chunk.len() > max_len {
            return Err(TransportError::LineTooLong { limit: max_len });
        }
        line.extend_from_slice(chunk);
        let consumed = chunk.len() + usize::from(found_newline);
        reader.consume(consumed);
        if found_newline {
            if line.iter().all(u8::is_ascii_whitespace) {
                line.clear();
                continue;
            }
            break;
        }
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|err| TransportError::MalformedLine {
            reason: "not UTF-8".into(),
            excerpt: excerpt(&String::from_utf8_lossy(err.as_bytes())),
        })
}

/// Reads and parses the next message; see [`read_line`].
pub(crate) async fn read_message<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max_len: usize,
) -> Result<Option<Message>, TransportError> {
    let Some(line) = read_line(reader, max_len).await? else {
        return Ok(None);
    };
    Message::parse_line(&line)
        .map(Some)
        .map_err(|err| TransportError::MalformedLine {
            reason: err.to_string(),
            excerpt: excerpt(&line),
        })
}

/// Messages read by [`spawn_reader`], ending with the first error if there is one.
pub(crate) type Incoming = mpsc::Receiver<Result<Message, TransportError>>;

/// Spawns a task that reads messages from `input` into a bounded channel until end of input or the
/// first error (which is sent too). Receiving from the channel is cancel-safe, unlike reading a
/// line directly inside `select!`.
pub(crate) fn spawn_reader<R>(
    input: R,
    max_len: usize,
    capacity: usize,
) -> (Incoming, JoinHandle<()>)
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(capacity);
    let task = tokio::spawn(async move {
        let mut reader = BufReader::with_capacity(64 * 1024, input);
        loop {
            let item = match read_message(&mut reader, max_len).await {
                Ok(Some(message)) => Ok(message),
                Ok(None) => break,
                Err(err) => Err(err),
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    (rx, task)
}

/// Writes one message as a line and flushes.
pub(crate) async fn write_message<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &Message,
) -> std::io::Result<()> {
    let mut line = message.to_line().into_bytes();
    line.push(b'\n');
    writer.write_all(&line).await?;
    writer.flush().await
}

/// The first 200 characters of `text`, for error messages.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{} … ({} bytes in all)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[tokio::test]
    async fn reads_lines_skipping_blank_ones_and_keeps_a_final_unterminated_line() {
        let input: &[u8] = b"{\"method\":\"a\"}\n\n  \n{\"method\":\"b\"}";
        let mut reader = BufReader::with_capacity(4, input);
        let first = read_message(&mut reader, 1024).await.unwrap().unwrap();
        let second = read_message(&mut reader, 1024).await.unwrap().unwrap();
        assert_eq!(first.method(), Some("a"));
        assert_eq!(second.method(), Some("b"));
        assert!(read_message(&mut reader, 1024).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn refuses_a_line_over_the_cap() {
        let input = vec![b'x'; 100];
        let mut reader = BufReader::with_capacity(8, input.as_slice());
        let err = read_line(&mut reader, 64).await.unwrap_err();
        assert!(err.to_string().contains("longer than 64 bytes"), "{err}");
    }

    #[tokio::test]
    async fn a_message_just_under_the_default_cap_is_read_whole_and_one_over_it_is_refused() {
        let head = br#"{"method":"item/agentMessage/delta","params":{"delta":""#;
        let tail = b"\"}}";
        let fill = DEFAULT_MAX_LINE - head.len() - tail.len();
        let mut input = Vec::with_capacity(2 * DEFAULT_MAX_LINE + 8);
        input.extend_from_slice(head);
        input.resize(head.len() + fill, b'a');
        input.extend_from_slice(tail);
        input.push(b'\n');
        input.resize(input.len() + DEFAULT_MAX_LINE + 1, b'b');
        input.push(b'\n');
        let mut reader = BufReader::new(input.as_slice());
        let message = read_message(&mut reader, DEFAULT_MAX_LINE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.params()["delta"].as_str().unwrap().len(), fill);
        let err = read_message(&mut reader, DEFAULT_MAX_LINE)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("longer than 16777216 bytes"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn garbage_is_a_malformed_line_with_an_excerpt() {
        let mut reader = BufReader::new(&b"hello world\n"[..]);
        let err = read_message(&mut reader, 1024).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not JSON"), "{text}");
        assert!(text.contains("hello world"), "{text}");
    }

    #[tokio::test]
    async fn writes_one_line_per_message() {
        let mut out = Vec::new();
        write_message(&mut out, &Message::notification("initialized", None))
            .await
            .unwrap();
        assert_eq!(out, b"{\"method\":\"initialized\"}\n");
    }
}
