//! prompt-diary
pub mod agent;
pub mod cli;
pub mod integrations;
pub mod transport;
#[cfg(feature = "test-util")]
pub mod testing;
