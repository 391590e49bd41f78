//! `codex exec` command lines, as the TypeScript SDK and people write them.

use std::path::PathBuf;

use crate::cassette::ExecArg;
use crate::stand_in::args::UnsupportedArgs;
use crate::stand_in::config_args::{ConfigOverride, take_override};

/// A `codex exec` run the stand-in serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExecArgs {
    /// Every argument as given, to pass on to the real Codex when recording.
    pub raw: Vec<String>,
    /// The arguments classified, for the cassette.
    pub classified: Vec<ExecArg>,
    /// `--cd` / `-C`.
    pub cd: Option<PathBuf>,
    /// `--output-schema`.
    pub output_schema: Option<PathBuf>,
    /// `-o` / `--output-last-message`.
    pub last_message: Option<PathBuf>,
    /// The thread id after `resume`.
    pub resume: Option<String>,
}

/// Flags that take a value, and what the value is.
const VALUED: &[(&[&str], Kind)] = &[
    (&["-m", "--model"], Kind::Literal),
    (&["-s", "--sandbox"], Kind::Literal),
    (&["-p", "--profile"], Kind::Literal),
    (
        &["--enable", "--disable", "--color", "--local-provider"],
        Kind::Literal,
    ),
    (&["--thread-source"], Kind::Literal),
    (&["-C", "--cd"], Kind::Cd),
    (&["--add-dir", "-i", "--image"], Kind::Path),
    (&["--output-schema"], Kind::Schema),
    (&["-o", "--output-last-message"], Kind::LastMessage),
];

/// Flags without a value.
const SWITCHES: &[&str] = &[
    "--json",
    "--experimental-json",
    "--skip-git-repo-check",
    "--ephemeral",
    "--strict-config",
    "--oss",
    "--ignore-user-config",
    "--ignore-rules",
    "--dangerously-bypass-approvals-and-sandbox",
    "--dangerously-bypass-hook-trust",
    "--full-auto",
    "--all",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Literal,
    Cd,
    Path,
    Schema,
    LastMessage,
}

/// Parses a `codex exec` command line: `args` is all of it, as given; `global` the `-c`/`--config`
/// overrides before `exec`, and `after` the arguments after it.
pub(crate) fn parse(
    args: &[String],
    global: Vec<ConfigOverride>,
    after: &[String],
) -> Result<ExecArgs, UnsupportedArgs> {
    let unsupported = |text: String| UnsupportedArgs::new(text);
    let mut out = ExecArgs {
        raw: args.to_vec(),
        classified: Vec::new(),
        cd: None,
        output_schema: None,
        last_message: None,
        resume: None,
    };
    for found in global {
        push_override(&mut out, found);
    }
    out.classified.push(ExecArg::Literal("exec".to_owned()));
    let mut iter = after.iter();
    let mut positionals = Vec::new();
    let mut only_positionals = false;
    while let Some(arg) = iter.next() {
        let text = arg.as_str();
        if only_positionals || text == "-" || !text.starts_with('-') {
            positionals.push(arg.clone());
            continue;
        }
        if text == "--last" {
            return Err(unsupported(
                "`codex exec resume --last` is not supported by the prompt-diary stand-in: name \
                 the thread id the first run printed"
                    .to_owned(),
            ));
        }
        if text == "--" {
            only_positionals = true;
            continue;
        }
        if let Some(found) = take_override(text, &mut iter)? {
            push_override(&mut out, found);
            continue;
        }
        if SWITCHES.contains(&text) {
            out.classified.push(ExecArg::Literal(arg.clone()));
            continue;
        }
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (text, None),
        };
        let Some((_, kind)) = VALUED.iter().find(|(names, _)| names.contains(&flag)) else {
            return Err(unsupported(format!(
                "unsupported `codex exec` option `{text}` in the prompt-diary stand-in; it serves \
                 --json/--experimental-json, -c/--config, -m/--model, -s/--sandbox, -C/--cd, --add-dir, \
                 --skip-git-repo-check, --output-schema, -o/--output-last-message, --ephemeral, \
                 -i/--image and `resume THREAD_ID`. Run the real Codex for the rest"
            )));
        };
        let value = match inline {
            Some(value) => Some(value),
            None => iter.next().cloned(),
        };
        push_valued(&mut out, flag, *kind, value.as_ref())?;
    }
    let mut positionals = positionals.into_iter();
    let mut first = positionals.next();
    if first.as_deref() == Some("resume") {
        let Some(id) = positionals.next().filter(|id| !id.starts_with('-')) else {
            return Err(unsupported(
                "`codex exec resume` needs a thread id in the prompt-diary stand-in (`--last` is \
                 not supported: name the thread id the first run printed)"
                    .to_owned(),
            ));
        };
        out.classified.push(ExecArg::Literal("resume".to_owned()));
        out.classified.push(ExecArg::Thread(id.clone()));
        out.resume = Some(id);
        first = positionals.next();
    }
    if let Some(prompt) = first {
        out.classified.push(ExecArg::Literal(prompt));
    }
    if let Some(extra) = positionals.next() {
        return Err(unsupported(format!(
            "unexpected argument `{extra}` after the prompt of `codex exec`; quote the prompt as one argument"
        )));
    }
    Ok(out)
}

/// Classifies a `-c`/`--config` override as the flag as spelled, then its `key=value`, whatever
/// the spelling (`--config=k=v` is kept as `--config`, `k=v`).
fn push_override(out: &mut ExecArgs, found: ConfigOverride) {
    out.classified.push(ExecArg::Literal(found.flag.to_owned()));
    out.classified.push(ExecArg::Literal(found.value));
}

/// Classifies `flag` and its `value`, noting the values the run needs (`--cd`, the schema, `-o`).
fn push_valued(
    out: &mut ExecArgs,
    flag: &str,
    kind: Kind,
    value: Option<&String>,
) -> Result<(), UnsupportedArgs> {
    let Some(value) = value else {
        return Err(UnsupportedArgs::new(format!("`{flag}` needs a value")));
    };
    out.classified.push(ExecArg::Literal(flag.to_owned()));
    out.classified.push(match kind {
        Kind::Literal => ExecArg::Literal(value.clone()),
        Kind::Cd => {
            out.cd = Some(PathBuf::from(value));
            ExecArg::Path(value.clone())
        }
        Kind::Path => ExecArg::Path(value.clone()),
        Kind::Schema => {
            out.output_schema = Some(PathBuf::from(value));
            ExecArg::OutputSchema
        }
        Kind::LastMessage => {
            out.last_message = Some(PathBuf::from(value));
            ExecArg::LastMessage
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    /// `args` through the stand-in's parser, which must see a `codex exec` run.
    fn exec(args: &[String]) -> Result<ExecArgs, UnsupportedArgs> {
        match crate::stand_in::args::parse(args)? {
            crate::stand_in::args::Invocation::Exec(exec) => Ok(exec),
            other => panic!("not an exec run: {other:?}"),
        }
    }

    #[test]
    fn what_the_typescript_sdk_sends_is_classified() {
        let args = strings(&[
            "exec",
            "--experimental-json",
            "--config",
            "model_reasoning_effort=\"low\"",
            "--model",
            "m",
            "--sandbox",
            "workspace-write",
            "--cd",
            "/w",
            "--skip-git-repo-check",
            "--output-schema",
            "/tmp/s/schema.json",
            "resume",
            "019a-thread",
        ]);
        let parsed = exec(&args).unwrap();
        assert_eq!(parsed.cd, Some(PathBuf::from("/w")));
        assert_eq!(parsed.resume.as_deref(), Some("019a-thread"));
        assert!(parsed.classified.contains(&ExecArg::OutputSchema));
        assert_eq!(
            parsed.classified.last(),
            Some(&ExecArg::Thread("019a-thread".to_owned()))
        );
    }

    #[test]
    fn people_write_prompts_and_short_flags() {
        let args = strings(&[
            "-c",
            "k=v",
            "exec",
            "--json",
            "-C",
            "/w",
            "-o",
            "out.txt",
            "Write a.md",
        ]);
        let parsed = exec(&args).unwrap();
        assert_eq!(parsed.last_message, Some(PathBuf::from("out.txt")));
        assert_eq!(
            parsed.classified.last(),
            Some(&ExecArg::Literal("Write a.md".to_owned()))
        );
    }

    #[test]
    fn unknown_flags_and_resume_last_are_refused_with_the_reason() {
        let args = strings(&["exec", "--frobnicate", "hi"]);
        let err = exec(&args).unwrap_err().to_string();
        assert!(
            err.contains("unsupported `codex exec` option `--frobnicate`"),
            "{err}"
        );
        let args = strings(&["exec", "resume", "--last"]);
        let err = exec(&args).unwrap_err().to_string();
        assert!(err.contains("--last` is not supported"), "{err}");
    }
}
