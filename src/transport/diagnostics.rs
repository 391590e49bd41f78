//! [`Diagnostics`]: what a server said on the side (stderr) and how it ended.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many stderr lines are kept.
const MAX_LINES: usize = 200;
/// How many bytes of stderr are kept at most.
const MAX_BYTES: usize = 64 * 1024;
/// How long one kept stderr line may be.
const MAX_LINE: usize = 2048;

/// A shared, bounded view of a server's stderr tail and exit status.
///
/// Cloning shares the same state; the transport writes, the layers above read when they build an
/// error message.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    lines: VecDeque<String>,
    bytes: usize,
    exit_status: Option<String>,
}

impl Diagnostics {
    /// Empty diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends one stderr line (ANSI colour codes removed, long lines cut), dropping the oldest
    /// beyond the caps.
    pub fn push_stderr_line(&self, line: &str) {
        let mut clean = strip_ansi(line.trim_end());
        if clean.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !clean.is_char_boundary(cut) {
                cut -= 1;
            }
            clean.truncate(cut);
            clean.push_str(" …");
        }
        let mut state = self.state();
        state.bytes += clean.len();
        state.lines.push_back(clean);
        while state.lines.len() > MAX_LINES || state.bytes > MAX_BYTES {
            match state.lines.pop_front() {
                Some(old) => state.bytes -= old.len(),
                None => break,
            }
        }
    }

    /// Records how the server ended.
    pub fn set_exit_status(&self, status: impl Into<String>) {
        self.state().exit_status = Some(status.into());
    }

    /// How the server ended, if it has.
    pub fn exit_status(&self) -> Option<String> {
        self.state().exit_status.clone()
    }

    /// The last `n` stderr lines.
    pub fn stderr_lines(&self, n: usize) -> Vec<String> {
        let state = self.state();
        let skip = state.lines.len().saturating_sub(n);
        state.lines.iter().skip(skip).cloned().collect()
    }

    /// The last `n` stderr lines, joined, or a placeholder when there are none.
    pub fn stderr_tail(&self, n: usize) -> String {
        let state = self.state();
        if state.lines.is_empty() {
            return "(no stderr output)".to_owned();
        }
        let skip = state.lines.len().saturating_sub(n);
        state
            .lines
            .iter()
            .skip(skip)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Removes ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for next in chars.by_ref() {
                    if next.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_bounded_tail_without_colour() {
        let diag = Diagnostics::new();
        for i in 0..(MAX_LINES + 10) {
            diag.push_stderr_line(&format!("\u{1b}[2mline {i}\u{1b}[0m\n"));
        }
        let tail = diag.stderr_tail(2);
        assert_eq!(
            tail,
            format!("line {}\nline {}", MAX_LINES + 8, MAX_LINES + 9)
        );
        assert_eq!(diag.state().lines.len(), MAX_LINES);
    }

    #[test]
    fn empty_tail_says_so() {
        assert_eq!(Diagnostics::new().stderr_tail(5), "(no stderr output)");
    }
}
