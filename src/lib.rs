//! prompt-diary
pub mod agent;
pub mod transport;
#[cfg(feature = "test-util")]
pub mod testing;
