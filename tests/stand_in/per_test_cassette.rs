//! The twin of `conformance::per_test_cassette::notes_a`: a test of the same module and name in
//! another test target, as `tests/notes.rs` and `tests/other.rs` of a user's crate would each
//! hold a `writes_notes`. Its driver, `conformance::per_test_cassette`, records and replays both
//! and checks that each has a cassette of its own (`stand_in/...` here, `conformance/...` there).

use std::error::Error;

use crate::per_test_user::{project, writes_the_artifact};

#[tokio::test]
#[ignore = "a user test, run by conformance::per_test_cassette"]
async fn notes_a() -> Result<(), Box<dyn Error>> {
    let Some(project) = project("notes_a") else {
        return Ok(());
    };
    writes_the_artifact(prompt_diary::test_cassette!(project)?).await
}
