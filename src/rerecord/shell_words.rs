//! Codex's command items read back into the call the model made.
//!
//! Codex shows a shell call as one string, its argv joined with POSIX shell quoting (the `shlex`
//! crate's `try_join`): `/bin/bash -c 'printf 42'`, `/bin/bash -c env`,
//! `/bin/bash -lc 'ls -a'` (a login shell: the model left out `login`), or double quotes when the
//! script holds a single quote (`/bin/bash -c "printf 'x\n' > a.md"`), and mixes of these within
//! one word. [`words`] splits such a string as a POSIX shell would (quote removal only: no
//! expansion), and [`shell_call`] finds the script and whether the shell was a login one.
//!
//! A splitter of our own rather than the `shlex` crate: the inverse of quoting is a few lines,
//! and reading only (no comments, no operators) is all re-recording needs.

/// The script of a shell call Codex showed as `command`, and whether it ran in a login shell
/// (`-lc`); `None` for a command that is not `<shell> -c SCRIPT` or `<shell> -lc SCRIPT` (a
/// `bash`, `zsh` or `sh`, by path or by name).
pub(crate) fn shell_call(command: &str) -> Option<(String, bool)> {
    let mut argv = words(command)?;
    let [shell, flag, _] = argv.as_slice() else {
        return None;
    };
    let name = shell.rsplit('/').next().unwrap_or_default();
    if !matches!(name, "bash" | "zsh" | "sh") {
        return None;
    }
    let login = match flag.as_str() {
        "-c" => false,
        "-lc" => true,
        _ => return None,
    };
    argv.pop().map(|script| (script, login))
}

/// The words of `line` after POSIX quote removal: unquoted backslashes escape the next
/// character (a backslash-newline joins lines), single quotes keep everything literally, double
/// quotes keep everything but `\$`, `` \` ``, `\"`, `\\` and backslash-newline. `None` when a
/// quote is left open.
pub(crate) fn words(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => out.extend(word.take()),
            '\'' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => text.push(other),
                    }
                }
            }
            '"' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            '\n' => {}
                            next @ ('$' | '`' | '"' | '\\') => text.push(next),
                            next => {
                                text.push('\\');
                                text.push(next);
                            }
                        },
                        other => text.push(other),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(next) => word.get_or_insert_with(String::new).push(next),
                None => word.get_or_insert_with(String::new).push('\\'),
            },
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    out.extend(word);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_codex_writes_gives_the_script_back() {
        let cases = [
            ("/bin/bash -c 'printf 42'", "printf 42", false),
            ("/bin/bash -c env", "env", false),
            ("/bin/bash -lc 'ls -a > list.md'", "ls -a > list.md", true),
            (
                r#"/bin/bash -c "printf '# A\\n' > \"a b.md\" && echo \$HOME""#,
                r#"printf '# A\n' > "a b.md" && echo $HOME"#,
                false,
            ),
            // A word quoted in parts, as shlex does for both kinds of quote.
            (
                r#"/usr/bin/zsh -c 'echo "it'"'"'s" > q.md'"#,
                r#"echo "it's" > q.md"#,
                false,
            ),
            (r"bash -lc a\ b", "a b", true),
            ("/bin/sh -c ''", "", false),
        ];
        for (command, script, login) in cases {
            assert_eq!(
                shell_call(command),
                Some((script.to_owned(), login)),
                "{command}"
            );
        }
    }

    #[test]
    fn other_commands_and_open_quotes_are_not_shell_calls() {
        for command in [
            "python3 x.py",
            "/bin/bash -c 'open",
            "/bin/bash -x 'ls'",
            "/bin/bash -c ls extra",
            "/usr/bin/fish -c ls",
            r#"/bin/bash -c "a"#,
        ] {
            assert_eq!(shell_call(command), None, "{command}");
        }
        assert_eq!(
            words("a  'b c'\"d\"\\ e").unwrap(),
            ["a", "b cd e"].map(str::to_owned)
        );
    }
}
