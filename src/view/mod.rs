//! Seeing a session: a cassette as one self-contained HTML page (`prompt-diary view`), read
//! through the cassette's [`Timeline`](crate::cassette::Timeline). The page opens from disk in any
//! browser and fetches nothing.

mod page;

pub(crate) use page::{render, render_divergence};
