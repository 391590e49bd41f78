//! [`CassetteLock`]: one writer at a time for a cassette. Concurrent recorders of one cassette
//! (test workers, several stand-ins) take a lock file beside it, `<name>.jsonl.lock`, while
//! they read, merge and write it, so no recording replaces another's.
//!
//! The lock is the operating system's advisory file lock ([`std::fs::File::try_lock`]): the
//! kernel lets it go when its holder dies, so a lock file left by a dead process is taken over
//! at once. The holder writes who it is (pid, host, since when) into the file for the message a
//! waiter gives when the wait runs out. The holder removes the file before letting go; a waiter
//! that got the lock of a file already removed (or replaced) tries again on the new one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::CassetteError;

/// How long a writer waits for another writer of the same cassette by default. Writing is a
/// read, a merge and a rename: far shorter, unless the holder hangs.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(60);

/// How often a waiter tries the lock again.
const RETRY: Duration = Duration::from_millis(15);

/// A held lock on one cassette; released (and its file removed) on drop.
#[derive(Debug)]
pub(crate) struct CassetteLock {
    file: File,
    path: PathBuf,
}

/// `<path>.lock`: the lock file of the cassette at `path`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl CassetteLock {
    /// Takes the lock of the cassette at `cassette`, waiting at most `wait` for another writer;
    /// past it, [`CassetteError::Locked`] names the holder.
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
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) if same_file(&file, &path) => {
                    file.set_len(0).map_err(io)?;
                    file.rewind().map_err(io)?;
                    file.write_all(holder_line().as_bytes()).map_err(io)?;
                    return Ok(Self { file, path });
                }
                // The holder removed (or replaced) the file before letting go: try the new one.
                Ok(()) => continue,
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => return Err(io(source)),
            }
            if Instant::now() >= deadline {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
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
        // Removed while still held, so a waiter never takes a file that is about to go.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `file` (open) is still the file at `path`.
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
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
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
    };
    match (field("pid"), field("host"), field("since")) {
        (Some(pid), Some(host), Some(since)) => {
            let since = since
                .parse::<u64>()
                .map_or_else(|_| since.to_owned(), |secs| super::envelope::utc_time(secs));
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
        // What a holder killed mid-write leaves: the file, with no lock on it.
        std::fs::write(lock_path(&cassette), "pid=999999 host=gone since=1\n").unwrap();
        let lock = CassetteLock::acquire(&cassette, Duration::ZERO).unwrap();
        let text = std::fs::read_to_string(lock_path(&cassette)).unwrap();
        assert!(
            text.starts_with(&format!("pid={} host=", std::process::id())),
            "{text}"
        );
        drop(lock);
    }
}
