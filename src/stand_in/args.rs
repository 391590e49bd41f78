//! The command lines Codex clients launch `codex` with.

use super::config_args::{ConfigOverride, take_override};

/// What the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Invocation {
    /// `[-c k=v]... app-server [-c k=v | --listen stdio://]...` (every `-c`/`--config`
    /// spelling).
    AppServer {
        /// Every argument as given, to pass on to the real Codex when recording.
        args: Vec<String>,
        /// The `-c`/`--config` overrides before and after `app-server`, in order, for the
        /// recording's header.
        overrides: Vec<ConfigOverride>,
    },
    /// `[-c k=v]... exec ...`: a `codex exec` run.
    Exec(super::exec::args::ExecArgs),
    /// `--version` / `-V`.
    Version,
}

/// A command line the stand-in does not serve; the message says which part and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnsupportedArgs(String);

impl UnsupportedArgs {
    pub(crate) fn new(reason: String) -> Self {
        Self(reason)
    }
}

/// Parses a client's arguments (without the program name): the global `-c`/`--config`
/// overrides, then the subcommand and its own arguments.
pub(super) fn parse(args: &[String]) -> Result<Invocation, UnsupportedArgs> {
    let mut rest = args.iter();
    let mut overrides = Vec::new();
    while let Some(arg) = rest.next() {
        if let Some(found) = take_override(arg, &mut rest)? {
            overrides.push(found);
            continue;
        }
        return match arg.as_str() {
            "--version" | "-V" => Ok(Invocation::Version),
            "exec" | "e" => {
                super::exec::args::parse(args, overrides, rest.as_slice()).map(Invocation::Exec)
            }
            "app-server" => {
                app_server(&mut rest, &mut overrides)?;
                Ok(Invocation::AppServer {
                    args: args.to_vec(),
                    overrides,
                })
            }
            other => Err(UnsupportedArgs(format!(
                "the prompt-diary stand-in only stands in for `codex app-server` and `codex exec`; got `{other}`. \
                 Run the real Codex for other subcommands"
            ))),
        };
    }
    Err(UnsupportedArgs(
        "no subcommand: the prompt-diary stand-in serves `codex app-server` and `codex exec`"
            .to_owned(),
    ))
}

/// Checks the arguments after `app-server`, adding its `-c`/`--config` overrides to `overrides`.
fn app_server(
    rest: &mut std::slice::Iter<'_, String>,
    overrides: &mut Vec<ConfigOverride>,
) -> Result<(), UnsupportedArgs> {
    while let Some(arg) = rest.next() {
        if let Some(found) = take_override(arg, rest)? {
            overrides.push(found);
            continue;
        }
        match arg.as_str() {
            "--listen" => match rest.next().map(String::as_str) {
                Some("stdio://") => {}
                Some(other) => {
                    return Err(UnsupportedArgs(format!(
                        "the prompt-diary stand-in serves stdio only; `--listen {other}` is not supported"
                    )));
                }
                None => {
                    return Err(UnsupportedArgs(
                        "`--listen` needs a value (stdio://)".to_owned(),
                    ));
                }
            },
            other if other.starts_with("--listen=") => {
                if other != "--listen=stdio://" {
                    return Err(UnsupportedArgs(format!(
                        "the prompt-diary stand-in serves stdio only; `{other}` is not supported"
                    )));
                }
            }
            other => {
                return Err(UnsupportedArgs(format!(
                    "unsupported `app-server` option `{other}` in the prompt-diary stand-in"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn accepts_what_the_python_sdk_and_this_crate_send() {
        let sdk = strings(&[
            "--config",
            "mcp_servers.a.command=\"x\"",
            "app-server",
            "--listen",
            "stdio://",
        ]);
        let sdk_override = ConfigOverride {
            flag: "--config",
            value: "mcp_servers.a.command=\"x\"".to_owned(),
        };
        assert_eq!(
            parse(&sdk),
            Ok(Invocation::AppServer {
                args: sdk.clone(),
                overrides: vec![sdk_override],
            })
        );
        let ours = strings(&["-c", "k=v", "app-server"]);
        let ours_override = ConfigOverride {
            flag: "-c",
            value: "k=v".to_owned(),
        };
        assert_eq!(
            parse(&ours),
            Ok(Invocation::AppServer {
                args: ours.clone(),
                overrides: vec![ours_override],
            })
        );
        assert_eq!(parse(&strings(&["--version"])), Ok(Invocation::Version));
    }

    #[test]
    fn refuses_other_subcommands_and_transports_with_the_reason() {
        let err = parse(&strings(&["login"])).unwrap_err().to_string();
        assert!(
            err.contains("only stands in for `codex app-server` and `codex exec`"),
            "{err}"
        );
        let err = parse(&strings(&["app-server", "--listen", "ws://127.0.0.1:1"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("serves stdio only"), "{err}");
        let err = parse(&strings(&["-c", "novalue", "app-server"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected `key=value`"), "{err}");
    }
}
