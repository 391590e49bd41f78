//! Replaying an app-server session: the [`transport::ReplayTransport`] a client talks to, the
//! [`replayer::Replayer`] that plays the server side, each recorded conversation as it is played
//! ([`conversation`]), which conversations share a history ([`history`]), and the shape checks of
//! a recorded line that let a replay parse each server message only when it is due ([`shape`]).

pub(crate) mod conversation;
pub(crate) mod history;
pub(crate) mod replayer;
pub(crate) mod shape;
pub(crate) mod transport;
