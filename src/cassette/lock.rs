//! [`CassetteLock`]: one writer at a time for a cassette. Concurrent recorders of one cassette
//! (test workers, several stand-ins) take a lock file beside it, `<name>.jsonl.lock`, while
//! they read, merge and write it, so no recording replaces another's.
//!
//! The lock file is created exclusively (it exists only while held) and says who holds it:
//! pid, host, since when, for the message a waiter gives when its wait runs out. A lock file of
//! a holder that died (same host, its process gone) is stale: the next writer removes it and
//! takes the lock. (`std::fs::File::lock` would do this in the kernel, but needs Rust 1.89; the
//! crate supports 1.85.)

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::CassetteError;

/// How long a writer waits for another writer of the same cassette by default. Writing is a
/// read, a merge and a rename: far shorter, unless the holder hangs.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(60);

/// How often a waiter tries the lock again.
const RETRY: Duration = Duration::from_millis(15);

/// A held lock on one cassette; released (its file removed) on drop.
#[derive(Debug)]
pub(crate) struct CassetteLock {
    path: PathBuf,
}

/// `<path>.lock`: the lock file of the cassette at `path`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl CassetteLock {
    /// Takes the lock of the cassette at `cassette`, waiting at most `wait` for another writer
    /// (a dead holder's lock is taken over at once); past it, [`CassetteError::Locked`] names
    /// the holder.
    pub(crate) fn acquire(cassette: &Path, wait: Duration) -> Result<Self, CassetteError> {
        let path = lock_path(cassette);
        let io = |source| CassetteError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let deadline = Instant::now() + wait;
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let held = Self { path: path.clone() };
                    file.write_all(holder_line().as_bytes()).map_err(io)?;
                    return Ok(held);
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(io(err)),
            }
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            if is_stale(&holder) {
                // Removed only if it still names the dead holder (another waiter may have
                // taken it over already).
                if std::fs::read_to_string(&path).is_ok_and(|now| now == holder) {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            if Instant::now() >= deadline {
                return Err(CassetteError::Locked {
                    path: cassette.to_owned(),
                    lock: path,
                    holder: describe_holder(&holder),
                    waited: wait.as_secs_f64(),
                });
            }
            std::thread::sleep(RETRY);
        }
    }
}

impl Drop for CassetteLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether the holder `line` names is a process of this host that no longer runs.
fn is_stale(line: &str) -> bool {
    let (Some(pid), Some(host)) = (field(line, "pid"), field(line, "host")) else {
        return false;
    };
    host == self::host()
        && !Path::new("/proc").join(pid).exists()
        && Path::new("/proc/self").exists()
}

/// The value of `key=VALUE` in the holder line.
fn field<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    line.split_whitespace()
        .find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
}

/// `pid=N host=H since=SECONDS`: who holds the lock, written into the lock file.
fn holder_line() -> String {
    let since = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("pid={} host={} since={since}\n", std::process::id(), host())
}

/// The machine's name, for the holder line.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown host".to_owned())
}

/// The holder line read for people: `process 123 on host h, since 2026-01-01 10:00:00 UTC`.
fn describe_holder(line: &str) -> String {
    match (
        field(line, "pid"),
        field(line, "host"),
        field(line, "since"),
    ) {
        (Some(pid), Some(host), Some(since)) => {
            let since = since
                .parse::<u64>()
                .map_or_else(|_| since.to_owned(), super::envelope::utc_time);
            format!("process {pid} on host {host}, since {since}")
        }
        _ => "a process that has not said who it is yet".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_then_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("c.jsonl");
        let held = CassetteLock::acquire(&cassette, Duration::ZERO).unwrap();
        let err = CassetteLock::acquire(&cassette, Duration::from_millis(50))
            .unwrap_err()
            .to_string();
        let pid = std::process::id();
        assert!(
            err.contains(&format!("c.jsonl.lock is held by process {pid} on host "))
                && err.contains(", since 20")
                && err.contains("waited 0.05 s"),
            "{err}"
        );
        drop(held);
        assert!(
            !lock_path(&cassette).exists(),
            "the lock file goes with its holder"
        );
        let again = CassetteLock::acquire(&cassette, Duration::ZERO);
        assert!(again.is_ok(), "free once the holder let go: {again:?}");
    }

    #[test]
    fn a_lock_file_left_by_a_dead_holder_is_taken_over_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("c.jsonl");
        // What a holder killed mid-write leaves: its lock file, naming a process that is gone.
        let dead = format!("pid=999999999 host={} since=1\n", host());
        std::fs::write(lock_path(&cassette), dead).unwrap();
        let lock = CassetteLock::acquire(&cassette, Duration::ZERO).unwrap();
        let text = std::fs::read_to_string(lock_path(&cassette)).unwrap();
        assert!(
            text.starts_with(&format!("pid={} host=", std::process::id())),
            "{text}"
        );
        drop(lock);
    }
}
