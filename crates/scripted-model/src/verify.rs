//! Verifying that the client followed the scenario: every scripted reply served, every request
//! answered. [`ScriptedModel::verify`](crate::ScriptedModel::verify) and
//! [`finish`](crate::ScriptedModel::finish) return the result; dropping the model panics with it
//! (the net for tests, in the manner of wiremock's `MockServer`).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

/// How many lines of each list [`ScenarioMismatch`]'s message shows (the fields keep them all).
const SHOWN: usize = 20;

/// The client did not use the scripted model as its scenario scripts: replies were left unserved
/// (it made fewer model calls), or requests could not be answered (it made more or other calls,
/// or sent malformed requests).
///
/// Returned by [`ScriptedModel::verify`](crate::ScriptedModel::verify) and
/// [`ScriptedModel::finish`](crate::ScriptedModel::finish); a
/// [`ScriptedModel`](crate::ScriptedModel) dropped in this state panics with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScenarioMismatch {
    /// The scenario's name.
    pub scenario: String,
    /// The scripted replies never served, one line each, as
    /// [`ScriptedModel::unused_replies`](crate::ScriptedModel::unused_replies) lists them (empty
    /// when the model does not [expect all served](crate::ScriptedModel::expect_all_served)).
    pub unused_replies: Vec<String>,
    /// The requests it could not answer, as [`ScriptedModel::errors`](crate::ScriptedModel::errors)
    /// lists them (empty when the model does not [expect no
    /// errors](crate::ScriptedModel::expect_no_errors)).
    pub errors: Vec<String>,
}

impl fmt::Display for ScenarioMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the scripted model of scenario {:?} was not used as the scenario scripts:",
            self.scenario
        )?;
        list(
            f,
            &self.unused_replies,
            "scripted reply was never served",
            "scripted replies were never served",
            "the client made fewer model calls than the scenario scripts",
        )?;
        list(
            f,
            &self.errors,
            "request could not be answered",
            "requests could not be answered",
            "the client made more or other model calls than the scenario scripts, or sent \
             malformed requests",
        )?;
        write!(f, "\nFix the scenario (or the client)")?;
        let opt_out = match (self.unused_replies.is_empty(), self.errors.is_empty()) {
            (false, true) => {
                "call `.expect_all_served(false)` on the ScriptedModel for a test \
                              that stops early on purpose"
            }
            (true, false) => {
                "call `.expect_no_errors(false)` on the ScriptedModel for a test \
                              that sends unscripted or malformed requests on purpose"
            }
            _ => {
                "call `.expect_all_served(false)` and `.expect_no_errors(false)` on the \
                  ScriptedModel for a test that means to stop early and send unscripted requests"
            }
        };
        write!(f, ", or {opt_out}.")
    }
}

/// Writes one list of the message: a count, the reason, and up to [`SHOWN`] lines.
fn list(
    f: &mut fmt::Formatter<'_>,
    lines: &[String],
    one: &str,
    many: &str,
    why: &str,
) -> fmt::Result {
    if lines.is_empty() {
        return Ok(());
    }
    let what = if lines.len() == 1 { one } else { many };
    write!(f, "\n  {} {what} ({why}):", lines.len())?;
    for line in lines.iter().take(SHOWN) {
        write!(f, "\n    - {line}")?;
    }
    if lines.len() > SHOWN {
        write!(f, "\n    ... and {} more", lines.len() - SHOWN)?;
    }
    Ok(())
}

impl std::error::Error for ScenarioMismatch {}

/// What the model is expected to have done by the time it is verified (both on by default).
#[derive(Debug)]
pub(super) struct Expectations {
    all_served: AtomicBool,
    no_errors: AtomicBool,
}

impl Default for Expectations {
    fn default() -> Self {
        Self {
            all_served: AtomicBool::new(true),
            no_errors: AtomicBool::new(true),
        }
    }
}

impl Expectations {
    pub(super) fn set_all_served(&self, expect: bool) {
        self.all_served.store(expect, Ordering::Relaxed);
    }

    pub(super) fn set_no_errors(&self, expect: bool) {
        self.no_errors.store(expect, Ordering::Relaxed);
    }

    /// Checks what was left unserved and what could not be answered against the expectations.
    pub(super) fn check(
        &self,
        scenario: &str,
        unused_replies: Vec<String>,
        errors: Vec<String>,
    ) -> Result<(), ScenarioMismatch> {
        let mismatch = ScenarioMismatch {
            scenario: scenario.to_owned(),
            unused_replies: if self.all_served.load(Ordering::Relaxed) {
                unused_replies
            } else {
                Vec::new()
            },
            errors: if self.no_errors.load(Ordering::Relaxed) {
                errors
            } else {
                Vec::new()
            },
        };
        if mismatch.unused_replies.is_empty() && mismatch.errors.is_empty() {
            Ok(())
        } else {
            Err(mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(prefix: &str, n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{prefix} {i}")).collect()
    }

    #[test]
    fn met_expectations_pass() {
        assert_eq!(Expectations::default().check("s", vec![], vec![]), Ok(()));
    }

    #[test]
    fn opted_out_lists_are_not_checked() {
        let expectations = Expectations::default();
        expectations.set_all_served(false);
        assert_eq!(expectations.check("s", lines("reply", 2), vec![]), Ok(()));
        let err = expectations
            .check("s", lines("reply", 2), lines("error", 1))
            .unwrap_err();
        assert!(err.unused_replies.is_empty(), "{err:?}");
        expectations.set_no_errors(false);
        assert_eq!(
            expectations.check("s", lines("reply", 2), lines("error", 1)),
            Ok(())
        );
    }

    #[test]
    fn the_message_names_the_scenario_each_line_and_the_opt_out() {
        let err = Expectations::default()
            .check("demo", lines("reply", 1), vec![])
            .unwrap_err()
            .to_string();
        assert!(err.contains("scenario \"demo\""), "{err}");
        assert!(err.contains("1 scripted reply was never served"), "{err}");
        assert!(err.contains("\n    - reply 1"), "{err}");
        assert!(err.contains("`.expect_all_served(false)`"), "{err}");
        assert!(!err.contains("expect_no_errors"), "{err}");
    }

    #[test]
    fn long_lists_are_cut_short_in_the_message() {
        let err = Expectations::default()
            .check("s", vec![], lines("error", SHOWN + 5))
            .unwrap_err();
        assert_eq!(err.errors.len(), SHOWN + 5, "the field keeps every line");
        let text = err.to_string();
        assert!(text.contains(&format!("error {SHOWN}\n")), "{text}");
        assert!(!text.contains(&format!("error {}", SHOWN + 1)), "{text}");
        assert!(text.contains("... and 5 more"), "{text}");
        assert!(text.contains("`.expect_no_errors(false)`"), "{text}");
    }
}
