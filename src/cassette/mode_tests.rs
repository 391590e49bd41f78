//! Resolving a record mode: sources, CI, the file system, old names.

use rstest::rstest;

use super::*;

const MISSING: &str = "/nonexistent/c.jsonl";

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |key| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    }
}

/// The mode in effect and the notes said, for a configured mode, a flag and an environment.
fn chosen(
    configured: RecordMode,
    flag: Option<RecordMode>,
    pairs: &[(&str, &str)],
) -> (Result<(RecordMode, ModeSource), String>, Vec<String>) {
    let mut notes = Vec::new();
    let flag = flag.map(|mode| FlagMode {
        flag: "--record-mode",
        mode,
    });
    let result = choose_mode(
        Path::new(MISSING),
        configured,
        flag,
        &env(pairs),
        &mut |n| notes.push(n),
    );
    (result.map_err(|e| e.to_string()), notes)
}

#[rstest]
#[case::configured_alone(RecordMode::Once, None, &[], RecordMode::Once, ModeSource::Configured)]
#[case::the_environment_overrides_the_configured_mode(RecordMode::None, None, &[(RECORD_MODE_ENV, "all")], RecordMode::All, ModeSource::Env(RECORD_MODE_ENV))]
#[case::the_old_variable_still_works(RecordMode::None, None, &[(OLD_MODE_ENV, "once")], RecordMode::Once, ModeSource::Env(OLD_MODE_ENV))]
#[case::the_new_variable_wins_over_the_old(RecordMode::None, None, &[(RECORD_MODE_ENV, "new_episodes"), (OLD_MODE_ENV, "record")], RecordMode::NewEpisodes, ModeSource::Env(RECORD_MODE_ENV))]
#[case::an_empty_variable_is_unset(RecordMode::Once, None, &[(RECORD_MODE_ENV, " ")], RecordMode::Once, ModeSource::Configured)]
#[case::a_flag_wins_over_the_environment(RecordMode::None, Some(RecordMode::Once), &[(RECORD_MODE_ENV, "all")], RecordMode::Once, ModeSource::Flag("--record-mode"))]
#[case::ci_reads_a_configured_mode_as_none(RecordMode::NewEpisodes, None, &[("CI", "true")], RecordMode::None, ModeSource::Configured)]
#[case::ci_allows_none_asked_by_the_environment(RecordMode::All, None, &[("CI", "true"), (RECORD_MODE_ENV, "none")], RecordMode::None, ModeSource::Env(RECORD_MODE_ENV))]
#[case::ci_false_is_not_ci(RecordMode::All, None, &[("CI", "false"), (RECORD_MODE_ENV, "once")], RecordMode::Once, ModeSource::Env(RECORD_MODE_ENV))]
#[case::ci_zero_is_not_ci(RecordMode::All, None, &[("CI", "0")], RecordMode::All, ModeSource::Configured)]
fn the_mode_in_effect(
    #[case] configured: RecordMode,
    #[case] flag: Option<RecordMode>,
    #[case] pairs: &[(&str, &str)],
    #[case] mode: RecordMode,
    #[case] source: ModeSource,
) {
    assert_eq!(chosen(configured, flag, pairs).0, Ok((mode, source)));
}

#[rstest]
#[case::once_by_the_environment(None, &[("CI", "true"), (RECORD_MODE_ENV, "once")], "PROMPT_DIARY_RECORD_MODE=once")]
#[case::all_by_the_old_variable(None, &[("CI", "1"), (OLD_MODE_ENV, "record")], "PROMPT_DIARY_CASSETTE_MODE=record")]
#[case::new_episodes_by_a_flag(Some(RecordMode::NewEpisodes), &[("CI", "yes")], "--record-mode new_episodes")]
fn ci_refuses_a_recording_mode_asked_explicitly(
    #[case] flag: Option<RecordMode>,
    #[case] pairs: &[(&str, &str)],
    #[case] asked: &str,
) {
    let err = chosen(RecordMode::None, flag, pairs).0.unwrap_err();
    assert!(
        err.contains("refusing to record /nonexistent/c.jsonl")
            && err.contains("CI never records")
            && err.contains(asked),
        "{err}"
    );
}

#[rstest]
#[case::the_old_variable(&[(OLD_MODE_ENV, "once")], &["PROMPT_DIARY_CASSETTE_MODE is the old name of PROMPT_DIARY_RECORD_MODE"])]
#[case::an_old_mode_name(&[(RECORD_MODE_ENV, "auto")], &["\"auto\" is an old name: it means \"once\""])]
#[case::both(&[(OLD_MODE_ENV, "replay")], &["old name of PROMPT_DIARY_RECORD_MODE", "\"replay\" is an old name: it means \"none\""])]
#[case::none_for_new_names(&[(RECORD_MODE_ENV, "all")], &[])]
fn old_names_get_a_note(#[case] pairs: &[(&str, &str)], #[case] expected: &[&str]) {
    let (_, notes) = chosen(RecordMode::None, None, pairs);
    assert_eq!(notes.len(), expected.len(), "{notes:?}");
    for (note, want) in notes.iter().zip(expected) {
        assert!(note.contains(want), "{note:?} lacks {want:?}");
    }
}

#[test]
fn a_bad_mode_names_the_variable_and_the_accepted_values() {
    let err = chosen(RecordMode::None, None, &[(RECORD_MODE_ENV, "sometimes")])
        .0
        .unwrap_err();
    assert!(
        err.ends_with(
            "invalid record mode \"sometimes\" in PROMPT_DIARY_RECORD_MODE: accepted values are \
             none, once, new_episodes, all (or unset PROMPT_DIARY_RECORD_MODE: the configured \
             mode applies)"
        ),
        "{err}"
    );
}

#[rstest]
#[case::code(ModeFrom::Code, "invalid record mode \"sometimes\": accepted")]
#[case::flag(
    ModeFrom::Flag("--record-mode"),
    "invalid record mode \"sometimes\" given to --record-mode: accepted"
)]
#[case::project_file(
    ModeFrom::ProjectFile,
    "invalid record mode \"sometimes\" in the project file: accepted"
)]
fn a_bad_mode_says_the_value_where_it_was_written_and_the_accepted_values(
    #[case] from: ModeFrom,
    #[case] starts: &str,
) {
    let err = RecordMode::parse_from(" sometimes ", from).unwrap_err();
    assert_eq!(err.value, "sometimes");
    let text = err.to_string();
    assert!(
        text.starts_with(starts)
            && text.ends_with("accepted values are none, once, new_episodes, all"),
        "{text}"
    );
    assert_eq!(
        "sometimes".parse::<RecordMode>().unwrap_err(),
        RecordMode::parse("sometimes").unwrap_err()
    );
}

#[rstest]
#[case::none_replays_a_missing_cassette_too(RecordMode::None, false, "replay")]
#[case::none_replays(RecordMode::None, true, "replay")]
#[case::once_replays_an_existing_cassette(RecordMode::Once, true, "replay")]
#[case::once_records_a_missing_one(RecordMode::Once, false, "record")]
#[case::new_episodes_appends_to_an_existing_cassette(RecordMode::NewEpisodes, true, "episodes")]
#[case::new_episodes_records_a_missing_one(RecordMode::NewEpisodes, false, "record")]
#[case::all_records_again(RecordMode::All, true, "record")]
#[case::all_records_a_missing_one(RecordMode::All, false, "record")]
fn what_a_mode_does(#[case] mode: RecordMode, #[case] exists: bool, #[case] expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    if exists {
        std::fs::write(&path, "").unwrap();
    }
    let resolved = CassetteSettings::new(&path, mode)
        .resolve_with(None, &env(&[]), &mut |_| {})
        .unwrap();
    let kind = match resolved {
        Resolved::Replay => "replay",
        Resolved::Record(options) => {
            assert_eq!(options.path, path);
            "record"
        }
        Resolved::Episodes(options) => {
            assert_eq!(options.path, path);
            "episodes"
        }
    };
    assert_eq!(kind, expected);
}

#[test]
fn ci_refuses_even_when_nothing_would_need_recording() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("there.jsonl");
    std::fs::write(&path, "").unwrap();
    let err = CassetteSettings::new(&path, RecordMode::None)
        .resolve_with(
            None,
            &env(&[("CI", "true"), (RECORD_MODE_ENV, "once")]),
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("CI never records"), "{err}");
}

#[test]
fn the_default_commands_name_the_modes_that_record() {
    let settings = CassetteSettings::new("/p/c.jsonl", RecordMode::None);
    assert_eq!(
        settings.missing_command(),
        "PROMPT_DIARY_RECORD_MODE=once cargo test (records c.jsonl)"
    );
    assert_eq!(
        settings.record_command(),
        "PROMPT_DIARY_RECORD_MODE=all cargo test (re-records c.jsonl)"
    );
    let mut own = settings;
    own.record_command = Some("just record".into());
    assert_eq!(own.missing_command(), "just record");
    assert_eq!(own.record_command(), "just record");
}
