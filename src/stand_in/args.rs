//! The command lines Codex clients launch `codex` with.

/// What the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Invocation {
    /// `[-c k=v | --config k=v]... app-server [--listen stdio://]`
    AppServer {
        /// Every argument as given, to pass on to the real Codex when recording.
        args: Vec<String>,
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

/// Parses a client's arguments (without the program name).
pub(super) fn parse(args: &[String]) -> Result<Invocation, UnsupportedArgs> {
    if let Some(at) = super::exec::args::exec_position(args) {
        return super::exec::args::parse(args, at).map(Invocation::Exec);
    }
    let mut iter = args.iter().peekable();
    let mut saw_app_server = false;
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--version" | "-V" if !saw_app_server => return Ok(Invocation::Version),
            "-c" | "--config" => {
                let Some(value) = iter.next() else {
                    return Err(UnsupportedArgs(format!(
                        "`{arg}` needs a `key=value` argument"
                    )));
                };
                if !value.contains('=') {
                    return Err(UnsupportedArgs(format!(
                        "`{arg} {value}`: expected `key=value`"
                    )));
                }
            }
            other
                if other.starts_with("--config=")
                    || (other.starts_with("-c") && other.len() > 2) => {}
            "app-server" if !saw_app_server => saw_app_server = true,
            "--listen" if saw_app_server => match iter.next().map(String::as_str) {
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
            other if !saw_app_server => {
                return Err(UnsupportedArgs(format!(
                    "the prompt-diary stand-in only stands in for `codex app-server` and `codex exec`; got `{other}`. \
                     Run the real Codex for other subcommands"
                )));
            }
            other => {
                return Err(UnsupportedArgs(format!(
                    "unsupported `app-server` option `{other}` in the prompt-diary stand-in"
                )));
            }
        }
    }
    if !saw_app_server {
        return Err(UnsupportedArgs(
            "no subcommand: the prompt-diary stand-in serves `codex app-server` and `codex exec`"
                .to_owned(),
        ));
    }
    Ok(Invocation::AppServer {
        args: args.to_vec(),
    })
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
        assert_eq!(parse(&sdk), Ok(Invocation::AppServer { args: sdk.clone() }));
        let ours = strings(&["-c", "k=v", "app-server"]);
        assert_eq!(
            parse(&ours),
            Ok(Invocation::AppServer { args: ours.clone() })
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
