//! What a session with volatile values varies, shared by the volatile-values tests through the
//! adapter (`conformance::volatile_values`) and through the stand-in (`stand_in::volatile`): a
//! date and fresh run ids in the prompt, echoed by the scripted model's reply.

use std::hash::{BuildHasher as _, Hasher as _};

/// A fresh random UUID (version 4 layout), as Python's `uuid.uuid4()` writes one.
pub(crate) fn fresh_uuid() -> String {
    let random = |salt: u64| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.finish()
    };
    let (a, b) = (random(1), random(2));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// What one session varies: the date and the run ids its prompt names.
pub(crate) struct Values {
    pub(crate) date: String,
    pub(crate) runs: Vec<String>,
}

impl Values {
    /// `date` and `runs` fresh run ids.
    pub(crate) fn new(date: String, runs: usize) -> Self {
        Self {
            date,
            runs: (0..runs).map(|_| fresh_uuid()).collect(),
        }
    }

    /// The prompt that names the values.
    pub(crate) fn prompt(&self) -> String {
        format!(
            "Today is {}; this is run {}. Say which day it is.",
            self.date,
            self.runs.join(" and run ")
        )
    }

    /// The reply that echoes the values, the run ids in reverse order.
    pub(crate) fn reply(&self) -> String {
        let mut runs = self.runs.clone();
        runs.reverse();
        format!(
            "It is {}, as you said (runs {}).",
            self.date,
            runs.join(", ")
        )
    }
}
