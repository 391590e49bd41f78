//! The `-c`/`--config` option of a `codex` command line, read once for every place the stand-in
//! meets it: before the subcommand, after `app-server` and after `exec`.
//!
//! The grammar is the real Codex CLI's (clap): `-c key=value`, `-ckey=value`, `-c=key=value`,
//! `--config key=value` and `--config=key=value`, each repeatable, before or after the
//! subcommand. A separate value is the next argument unless that looks like an option (starts
//! with `-` and is not `-` alone), as clap reads it. The value is `key=value` with a non-empty
//! key; the `value` part is Codex's to read (TOML or a literal).

use super::args::UnsupportedArgs;

/// The long spelling of the option.
const LONG: &str = "--config";
/// The short spelling of the option.
const SHORT: &str = "-c";
/// The spellings the stand-in accepts, for error messages.
const FORMS: &str = "`-c key=value`, `-ckey=value`, `-c=key=value`, `--config key=value` or \
                     `--config=key=value`";

/// One `-c`/`--config` override, in the order the command line gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigOverride {
    /// The option as spelled: `-c` or `--config` (an exec cassette keeps the spelling).
    pub(crate) flag: &'static str,
    /// `key=value`, as Codex reads it (and as an app-server cassette's header keeps it).
    pub(crate) value: String,
}

/// Reads one override if `arg` is a `-c`/`--config` option, taking its value from `rest` when it
/// is a separate argument. `Ok(None)` (and `rest` untouched) when `arg` is something else; an
/// error names the argument and the forms expected when the value is missing or not `key=value`.
pub(crate) fn take_override(
    arg: &str,
    rest: &mut std::slice::Iter<'_, String>,
) -> Result<Option<ConfigOverride>, UnsupportedArgs> {
    let (flag, value, written) = if arg == SHORT || arg == LONG {
        let flag = if arg == SHORT { SHORT } else { LONG };
        let Some(value) = rest
            .as_slice()
            .first()
            .filter(|next| !looks_like_option(next))
        else {
            let after = rest
                .as_slice()
                .first()
                .map(|next| format!(" (`{next}` is an option, not a value)"))
                .unwrap_or_default();
            return Err(UnsupportedArgs::new(format!(
                "`{arg}` needs a `key=value` argument{after}; expected {FORMS}"
            )));
        };
        rest.next();
        (flag, value.clone(), format!("{arg} {value}"))
    } else if let Some(value) = arg.strip_prefix("--config=") {
        (LONG, value.to_owned(), arg.to_owned())
    } else if let Some(joined) = arg.strip_prefix(SHORT).filter(|v| !v.is_empty()) {
        // clap reads `-c=k=v` as the value `k=v`, and `-ck=v` as `k=v`.
        let value = joined.strip_prefix('=').unwrap_or(joined);
        (SHORT, value.to_owned(), arg.to_owned())
    } else {
        return Ok(None);
    };
    match value.split_once('=') {
        None => Err(UnsupportedArgs::new(format!(
            "`{written}`: expected `key=value` (a dotted config key, `=`, then the value), as in \
             `-c model=\"o3\"`; write {FORMS}"
        ))),
        Some((key, _)) if key.trim().is_empty() => Err(UnsupportedArgs::new(format!(
            "`{written}`: the key before `=` is empty; expected `key=value`, as in \
             `-c model=\"o3\"`"
        ))),
        Some(_) => Ok(Some(ConfigOverride { flag, value })),
    }
}

/// Whether clap would read `arg` as an option rather than as a value.
fn looks_like_option(arg: &str) -> bool {
    arg.starts_with('-') && arg != "-"
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::super::args::{Invocation, parse};
    use super::*;
    use crate::cassette::ExecArg;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The overrides a whole command line gives, through the stand-in's parser.
    fn overrides(args: &[&str]) -> Result<Vec<String>, String> {
        match parse(&strings(args)).map_err(|err| err.to_string())? {
            Invocation::AppServer { overrides, .. } => {
                Ok(overrides.into_iter().map(|o| o.value).collect())
            }
            Invocation::Exec(exec) => {
                // The classified arguments keep each override as the flag, then its value.
                let mut values = Vec::new();
                let mut classified = exec.classified.iter();
                while let Some(arg) = classified.next() {
                    if matches!(arg, ExecArg::Literal(flag) if flag == SHORT || flag == LONG) {
                        if let Some(ExecArg::Literal(value)) = classified.next() {
                            values.push(value.clone());
                        }
                    }
                }
                Ok(values)
            }
            Invocation::Version => Err("--version".to_owned()),
        }
    }

    #[rstest]
    #[case::short_apart(&["-c", "k=v"], "-c")]
    #[case::short_joined(&["-ck=v"], "-c")]
    #[case::short_equals(&["-c=k=v"], "-c")]
    #[case::long_apart(&["--config", "k=v"], "--config")]
    #[case::long_equals(&["--config=k=v"], "--config")]
    fn every_spelling_gives_the_same_override(#[case] spelled: &[&str], #[case] flag: &str) {
        let args = strings(spelled);
        let mut rest = args[1..].iter();
        let taken = take_override(&args[0], &mut rest).unwrap().unwrap();
        assert_eq!((taken.flag, taken.value.as_str()), (flag, "k=v"));
        assert_eq!(rest.len(), 0, "the value is consumed");
    }

    #[rstest]
    #[case::short_apart(&["-c", "k=v"])]
    #[case::short_joined(&["-ck=v"])]
    #[case::short_equals(&["-c=k=v"])]
    #[case::long_apart(&["--config", "k=v"])]
    #[case::long_equals(&["--config=k=v"])]
    fn every_spelling_is_accepted_before_and_after_either_subcommand(
        #[case] spelled: &[&str],
        #[values("before", "after")] place: &str,
        #[values("app-server", "exec", "e")] subcommand: &str,
    ) {
        let tail: &[&str] = if subcommand == "app-server" {
            &["--listen", "stdio://"]
        } else {
            &["--json", "hi"]
        };
        let args: Vec<&str> = if place == "before" {
            [spelled, &[subcommand], tail].concat()
        } else {
            [&[subcommand], spelled, tail].concat()
        };
        assert_eq!(overrides(&args), Ok(vec!["k=v".to_owned()]), "{args:?}");
    }

    #[test]
    fn overrides_keep_their_order_around_the_subcommand() {
        let args = [
            "-c",
            "a=1",
            "--config=b=2",
            "app-server",
            "-cc=3",
            "--config",
            "d=\"x=y\"",
        ];
        assert_eq!(
            overrides(&args),
            Ok(strings(&["a=1", "b=2", "c=3", "d=\"x=y\""]))
        );
        let args = ["--config=a=1", "exec", "-c=b=2", "--json", "hi"];
        assert_eq!(overrides(&args), Ok(strings(&["a=1", "b=2"])));
    }

    #[test]
    fn other_arguments_are_left_alone() {
        let args = strings(&["k=v"]);
        for other in ["-C", "--cd", "--configure", "-", "exec", "--json"] {
            let mut rest = args.iter();
            assert_eq!(take_override(other, &mut rest), Ok(None), "{other}");
            assert_eq!(rest.len(), 1, "{other}");
        }
    }

    #[rstest]
    #[case::short_at_the_end(&["app-server", "-c"], &["`-c` needs a `key=value` argument", "`--config=key=value`"])]
    #[case::long_at_the_end(&["exec", "hi", "--config"], &["`--config` needs a `key=value` argument", "`-c key=value`"])]
    #[case::before_an_option(&["-c", "--json", "exec"], &["`-c` needs a `key=value` argument", "`--json` is an option, not a value"])]
    #[case::no_equals(&["-c", "novalue", "app-server"], &["`-c novalue`: expected `key=value`", "-c model=\"o3\""])]
    #[case::no_equals_long(&["exec", "--config=novalue"], &["`--config=novalue`: expected `key=value`", "`--config key=value`"])]
    #[case::no_equals_joined(&["-cnovalue", "exec"], &["`-cnovalue`: expected `key=value`"])]
    #[case::the_subcommand_is_no_value(&["--config", "exec", "hi"], &["`--config exec`: expected `key=value`"])]
    #[case::empty_key(&["-c=", "app-server"], &["`-c=`: expected `key=value`"])]
    #[case::empty_key_before_equals(&["--config", "=x", "app-server"], &["`--config =x`: the key before `=` is empty"])]
    fn a_missing_or_malformed_value_says_what_is_wrong_and_what_to_write(
        #[case] args: &[&str],
        #[case] expected: &[&str],
    ) {
        let err = overrides(args).unwrap_err();
        for part in expected {
            assert!(err.contains(part), "{part:?} not in {err:?}");
        }
    }
}
