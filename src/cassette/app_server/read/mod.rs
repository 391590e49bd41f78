//! An app-server cassette read for people: the [`timeline::Timeline`] (`prompt-diary inspect`)
//! and its text, and a re-recording's change read by meaning ([`meaning::MeaningDiff`]).

pub(crate) mod meaning;
pub(crate) mod timeline;
mod timeline_text;
