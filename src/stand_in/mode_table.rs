//! One table for the record mode on every path that asks for one: the Rust adapter (and the
//! stand-in's app-server, which resolves the same way), the stand-in's `codex exec`, and what
//! `prompt-diary project --json` answers the two wrappers (the pytest plugin passes its
//! `--codex-record-mode`; the npm helper passes the environment as it is), then the stand-in
//! again under the environment each wrapper sets from that answer. Flag, environment, project
//! file and CI; every path must agree, and an error must say the same thing.

use std::path::Path;

use rstest::rstest;

use crate::cassette::{CassetteSettings, FlagMode, RecordMode, Resolved};
use crate::project::{ProjectFile, TestPlan};

use super::run::{record_mode_in, settings_in};

/// Who asks.
#[derive(Debug, Clone, Copy)]
enum Asker {
    /// The adapter (`CodexBackendConfig::with_cassette_settings`) and the stand-in's app-server.
    Adapter,
    /// The stand-in's `codex exec`.
    StandInExec,
    /// The pytest plugin: `project --json --test ... [--record-mode FLAG]`, then the stand-in
    /// under the environment it sets.
    Pytest,
    /// The npm helper: `project --json --test ...` in the test's environment, then the stand-in.
    Npm,
}

use Asker::{Adapter, Npm, Pytest, StandInExec};
use RecordMode::{All, NewEpisodes, None as Replay, Once};

fn lookup<'a>(pairs: &'a [(String, String)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// The mode `asker` ends up with (`None`: the path has no flag to pass), in a project whose file
/// says `file` (no file at all for `None`).
fn mode_for(
    asker: Asker,
    file: Option<RecordMode>,
    flag: Option<RecordMode>,
    env: &[(&str, &str)],
) -> Option<Result<RecordMode, String>> {
    let dir = tempfile::tempdir().unwrap();
    if let Some(mode) = file {
        let text = format!("record_mode = \"{mode}\"\n");
        std::fs::write(dir.path().join("prompt-diary.toml"), text).unwrap();
    }
    let cassette = dir.path().join("c.jsonl");
    let mut pairs: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.push((super::CASSETTE_ENV.into(), cassette.display().to_string()));
    if flag.is_some() && !matches!(asker, Pytest) {
        return None;
    }
    Some(match asker {
        Adapter => adapter(dir.path(), &cassette, &pairs),
        StandInExec => stand_in_exec(dir.path(), &pairs),
        Pytest | Npm => {
            let flag = flag.map(|mode| FlagMode {
                flag: "--codex-record-mode",
                mode,
            });
            let found = ProjectFile::find(dir.path()).unwrap();
            let plan = TestPlan::new(
                found.as_ref(),
                dir.path(),
                Some(cassette.clone()),
                flag,
                &lookup(&pairs),
                &mut |_| {},
            );
            match plan {
                Ok(plan) => {
                    // The environment the wrapper sets for the test: the mode it was answered.
                    pairs.retain(|(k, _)| k != "PROMPT_DIARY_RECORD_MODE");
                    pairs.push(("PROMPT_DIARY_RECORD_MODE".into(), plan.mode.to_string()));
                    let stand_in = stand_in_exec(dir.path(), &pairs);
                    assert_eq!(
                        stand_in,
                        Ok(plan.mode),
                        "the stand-in under the wrapper's env"
                    );
                    Ok(plan.mode)
                }
                Err(err) => Err(err.to_string()),
            }
        }
    })
}

/// The mode the adapter's resolution implies: a missing and an existing cassette together tell
/// the four modes apart.
fn adapter(dir: &Path, cassette: &Path, pairs: &[(String, String)]) -> Result<RecordMode, String> {
    let found = ProjectFile::find(dir).unwrap();
    let settings = CassetteSettings::for_project(cassette, found.as_ref());
    let resolve = |settings: &CassetteSettings| {
        settings
            .resolve_with(None, &lookup(pairs), &mut |_| {})
            .map_err(|e| e.to_string())
    };
    let missing = resolve(&settings)?;
    std::fs::write(cassette, "").unwrap();
    let there = resolve(&settings)?;
    std::fs::remove_file(cassette).unwrap();
    Ok(match (missing, there) {
        (Resolved::Replay, _) => Replay,
        (_, Resolved::Replay) => Once,
        (_, Resolved::Episodes(_)) => NewEpisodes,
        (_, Resolved::Record(_)) => All,
    })
}

fn stand_in_exec(dir: &Path, pairs: &[(String, String)]) -> Result<RecordMode, String> {
    let settings = settings_in(&lookup(pairs), dir, "hint").map_err(|e| e.to_string())?;
    record_mode_in(&settings, &lookup(pairs), &mut |_| {}).map_err(|e| e.to_string())
}

#[rstest]
#[case::the_default(None, None, &[], Ok(Replay))]
#[case::the_file(Some(Once), None, &[], Ok(Once))]
#[case::the_environment_over_the_file(Some(Once), None, &[("PROMPT_DIARY_RECORD_MODE", "all")], Ok(All))]
#[case::the_old_variable(None, None, &[("PROMPT_DIARY_CASSETTE_MODE", "new_episodes")], Ok(NewEpisodes))]
#[case::an_old_mode_name(None, None, &[("PROMPT_DIARY_RECORD_MODE", "record")], Ok(All))]
#[case::the_flag_over_the_environment(None, Some(Once), &[("PROMPT_DIARY_RECORD_MODE", "all")], Ok(Once))]
#[case::ci_reads_the_file_as_none(Some(NewEpisodes), None, &[("CI", "true")], Ok(Replay))]
#[case::ci_allows_none_asked(Some(All), None, &[("CI", "1"), ("PROMPT_DIARY_RECORD_MODE", "none")], Ok(Replay))]
#[case::ci_refuses_the_environment(None, None, &[("CI", "true"), ("PROMPT_DIARY_RECORD_MODE", "once")], Err("CI is set, and CI never records, but PROMPT_DIARY_RECORD_MODE=once asks"))]
#[case::ci_refuses_the_flag(None, Some(All), &[("CI", "true")], Err("CI is set, and CI never records, but --codex-record-mode all asks"))]
#[case::ci_false_is_not_ci(None, None, &[("CI", "false"), ("PROMPT_DIARY_RECORD_MODE", "once")], Ok(Once))]
#[case::a_bad_mode(None, None, &[("PROMPT_DIARY_RECORD_MODE", "sometimes")], Err("invalid record mode \"sometimes\" in PROMPT_DIARY_RECORD_MODE: accepted values are none, once, new_episodes, all"))]
fn every_path_takes_the_same_mode(
    #[case] file: Option<RecordMode>,
    #[case] flag: Option<RecordMode>,
    #[case] env: &[(&str, &str)],
    #[case] want: Result<RecordMode, &str>,
    #[values(Adapter, StandInExec, Pytest, Npm)] asker: Asker,
) {
    let Some(got) = mode_for(asker, file, flag, env) else {
        return; // only the pytest plugin (and the command line) has a flag
    };
    match (got, want) {
        (Ok(got), Ok(want)) => assert_eq!(got, want, "{asker:?}"),
        (Err(got), Err(want)) => assert!(got.contains(want), "{asker:?}: {got}"),
        (got, want) => panic!("{asker:?}: got {got:?}, wanted {want:?}"),
    }
}
