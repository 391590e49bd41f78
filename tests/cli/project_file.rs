//! The project file through the commands, in temp projects outside this repository: `init`,
//! every command's defaults from `prompt-diary.toml` (cassette folder, pin, project root), a bad
//! file failing every command with its file, line and key, and a Codex version from any source
//! (the project file, `--version`, `--to`, `latest` as npm answers it) refused before npm runs
//! or anything is written. A fake `npm` first on `PATH` says whether npm was run, and with what.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prompt_diary::project::{PROJECT_FILE, ProjectFile};
use rstest::rstest;

const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A temp project: `dir` holds the project, `bin` a fake `npm` that logs its arguments to
/// `npm.log` beside it, answers `npm view` with `latest`, and on `install --prefix P` puts a
/// fake `codex` where npm would.
struct Project {
    top: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn new(file: Option<&str>) -> Self {
        let top = tempfile::tempdir().unwrap();
        let dir = top.path().join("project");
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(text) = file {
            std::fs::write(dir.join(PROJECT_FILE), text).unwrap();
        }
        let bin = top.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let npm = bin.join("npm");
        std::fs::write(
            &npm,
            format!(
                r#"#!/bin/sh
echo "$*" >> '{log}'
if [ "$1" = view ]; then cat '{latest}'; exit 0; fi
if [ "$1" = install ] && [ "$2" = --prefix ]; then
    mkdir -p "$3/node_modules/@openai/codex-linux-x64/vendor/t/bin"
    printf '#!/bin/sh\nexit 1\n' > "$3/node_modules/@openai/codex-linux-x64/vendor/t/bin/codex"
    chmod +x "$3/node_modules/@openai/codex-linux-x64/vendor/t/bin/codex"
fi
"#,
                log = top.path().join("npm.log").display(),
                latest = top.path().join("latest").display(),
            ),
        )
        .unwrap();
        make_executable(&npm);
        std::fs::write(top.path().join("latest"), "0.171.0\n").unwrap();
        Self { top, dir }
    }

    /// Runs `prompt-diary ARGS` in `cwd` with the fake npm first on `PATH` and no Codex.
    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(cwd)
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.top.path().join("bin").display()),
            )
            .env_remove("PROMPT_DIARY_CODEX_BIN")
            .env_remove("CI")
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.dir, args)
    }

    /// What npm was asked to do, one line a run.
    fn npm_log(&self) -> String {
        std::fs::read_to_string(self.top.path().join("npm.log")).unwrap_or_default()
    }

    /// Every file under the project with its contents.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        walk(&self.dir, &self.dir, &mut files);
        files
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.strip_prefix(root).unwrap().to_path_buf();
        if path.is_dir() {
            out.insert(name, b"<dir>".to_vec());
            walk(root, &path, out);
        } else {
            out.insert(name, std::fs::read(&path).unwrap());
        }
    }
}

fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a failure; stdout:\n{}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

#[test]
fn init_writes_a_file_that_reads_back_and_never_overwrites_it() {
    let project = Project::new(None);
    let printed = succeeded(&project.run(&["init", "--print"]));
    assert!(project.files().is_empty(), "--print writes nothing");
    let said = succeeded(&project.run(&["init"]));
    assert_eq!(said.trim(), PROJECT_FILE);
    let path = project.dir.join(PROJECT_FILE);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, printed, "--print shows what init writes");
    let file = ProjectFile::load(&path).unwrap();
    assert_eq!(
        file.codex_version(),
        prompt_diary::codex_bin::PINNED_CODEX_VERSION
    );
    assert_eq!(file.cassette_dir(), project.dir.join("tests/cassettes"));
    for key in [
        "codex = ",
        "cassettes = ",
        "record_command = ",
        "record_mode = \"none\"",
        "# [[volatile]]",
        "# [[redact]]",
    ] {
        assert!(written.contains(key), "{key}: {written}");
    }

    std::fs::write(&path, "codex = \"0.163.0\"\n").unwrap();
    let err = failed(&project.run(&["init"]));
    assert!(
        err.contains("already exists") && err.contains("never overwrites"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "codex = \"0.163.0\"\n"
    );

    let other = project.dir.join("sub");
    std::fs::create_dir(&other).unwrap();
    let said = succeeded(&project.run(&["init", "--dir", "sub", "--cassettes", "spec/tapes"]));
    assert_eq!(said.trim(), format!("sub/{PROJECT_FILE}"));
    let file = ProjectFile::load(&other.join(PROJECT_FILE)).unwrap();
    assert_eq!(file.cassette_dir(), other.join("spec/tapes"));
}

#[rstest]
#[case::unknown_key(
    "codex = \"0.171.0\"\nrecod_mode = \"once\"\n",
    2,
    "recod_mode",
    "unknown field"
)]
#[case::bad_version(
    "# pin\ncodex = \"0.171.0 --foo\"\n",
    2,
    "codex",
    "not a Codex release version"
)]
#[case::uncompilable_pattern(
    "[[volatile]]\nname = \"date\"\npattern = '(\\d{4}'\n",
    3,
    "volatile[0].pattern",
    "does not compile"
)]
#[case::built_in_name(
    "[[volatile]]\nname = \"workspace\"\npattern = 'x'\n",
    2,
    "volatile[0].name",
    "collides with a built-in placeholder"
)]
#[case::any_character_redacted(
    "[[redact]]\nname = \"acme\"\npattern = '.'\n",
    3,
    "redact[0].pattern",
    "a character of the cassette's own JSON structure"
)]
#[case::structural_characters_redacted(
    "[[redact]]\npattern = '[{}\":,]'\n",
    2,
    "redact[0].pattern",
    "a character of the cassette's own JSON structure"
)]
#[case::empty_matching_volatile(
    "[[volatile]]\nname = \"date\"\npattern = '\\d*'\n",
    3,
    "volatile[0].pattern",
    "the empty string, so it matches everywhere"
)]
#[case::whole_argument_list_volatile(
    "[[volatile]]\nname = \"arg\"\npattern = '[a-z -]+'\n",
    3,
    "volatile[0].pattern",
    "the whole argument list"
)]
fn a_bad_project_file_fails_the_command_naming_the_file_line_and_key(
    #[case] file: &str,
    #[case] line: usize,
    #[case] key: &str,
    #[case] says: &str,
    #[values(&["verify"][..], &["review"][..], &["install-codex"][..], &["view", "x.jsonl"][..])]
    args: &[&str],
) {
    let project = Project::new(Some(file));
    let deeper = project.dir.join("tests/deeper");
    std::fs::create_dir_all(&deeper).unwrap();
    let err = failed(&project.run_in(&deeper, args));
    let at = format!(
        "{}:{line}: `{key}`",
        project.dir.join(PROJECT_FILE).display()
    );
    assert!(err.contains(&at), "{at}: {err}");
    assert!(err.contains(says), "{says}: {err}");
    assert!(project.npm_log().is_empty(), "npm never ran");
}

/// A version from each source that must never reach npm or the file system.
#[rstest]
fn a_bad_version_from_any_source_is_refused_before_anything_is_written(
    #[values(
        "../../../x",
        "file:x",
        "https://example.com/codex.tgz",
        "github:openai/codex",
        "0.171.0 --foo",
        "--registry=x"
    )]
    version: &str,
    #[values(
        "project file via install-codex",
        "project file via upgrade-codex",
        "--version",
        "--to",
        "latest"
    )]
    source: &str,
) {
    let file = match source {
        "project file via install-codex" | "project file via upgrade-codex" => {
            format!("codex = \"{version}\"\n")
        }
        _ => "codex = \"0.171.0\"\n".to_owned(),
    };
    let project = Project::new(Some(&file));
    std::fs::create_dir_all(project.dir.join("cassettes")).unwrap();
    std::fs::write(project.top.path().join("latest"), format!("{version}\n")).unwrap();
    let before = project.files();
    // `--flag=VALUE`, so that a value starting with `--` reaches the command as the value.
    let (version_flag, to_flag) = (format!("--version={version}"), format!("--to={version}"));
    let args: Vec<&str> = match source {
        "project file via install-codex" => vec!["install-codex"],
        "project file via upgrade-codex" => vec!["upgrade-codex", "--to", "0.171.0"],
        "--version" => vec!["install-codex", &version_flag],
        "--to" => vec!["upgrade-codex", &to_flag],
        _ => vec!["upgrade-codex", "--to", "latest"],
    };
    let err = failed(&project.run(&args));
    assert!(
        err.contains(&format!("`{version}` is not a Codex release version")),
        "{source}: {err}"
    );
    assert_eq!(project.files(), before, "{source}: nothing written");
    let npm = project.npm_log();
    let asked = if source == "latest" {
        "view @openai/codex version\n"
    } else {
        ""
    };
    assert_eq!(
        npm, asked,
        "{source}: npm only answered `latest`, installed nothing"
    );
    let accept = project.run(&[&args[..], &["--accept"]].concat());
    if args[0] == "upgrade-codex" {
        failed(&accept);
        assert_eq!(
            project.files(),
            before,
            "{source} --accept: nothing written"
        );
    }
}

#[test]
fn install_codex_installs_the_projects_pin_at_its_root_from_any_folder_inside() {
    let project = Project::new(Some(
        "codex = \"0.163.0\"\ncassettes = \"tests/cassettes\"\n",
    ));
    let inside = project.dir.join("src/deep");
    std::fs::create_dir_all(&inside).unwrap();
    let bin = succeeded(&project.run_in(&inside, &["install-codex"]));
    let prefix = project.dir.join(".prompt-diary/codex/0.163.0");
    assert_eq!(
        bin.trim(),
        prefix
            .join("node_modules/@openai/codex-linux-x64/vendor/t/bin/codex")
            .display()
            .to_string()
    );
    assert!(
        project.npm_log().starts_with(&format!(
            "install --prefix {} @openai/codex@0.163.0 ",
            prefix.display()
        )),
        "{}",
        project.npm_log()
    );
    // The install is the one every command resolves: the project's pin, at its root.
    let err = failed(&project.run_in(&inside, &["rerecord", "none.jsonl"]));
    assert!(!err.contains("no Codex CLI binary was found"), "{err}");
    let other = Project::new(Some("codex = \"9.9.9\"\n"));
    let err = failed(&other.run(&["rerecord", "none.jsonl"]));
    assert!(
        err.contains(&format!(
            ".prompt-diary/codex/9.9.9/ at the project root {}",
            other.dir.display()
        )) && err.contains("@openai/codex@9.9.9"),
        "{err}"
    );
}

#[test]
fn review_accept_and_verify_default_to_the_projects_cassette_folder() {
    let project = Project::new(Some("cassettes = \"tests/tapes\"\n"));
    let tapes = project.dir.join("tests/tapes");
    std::fs::create_dir_all(&tapes).unwrap();
    let committed = Path::new(ROOT).join("cassettes/single_turn.jsonl");
    std::fs::copy(&committed, tapes.join("single_turn.jsonl")).unwrap();
    let changed = std::fs::read_to_string(&committed)
        .unwrap()
        .replace("Say hello.", "Say hi.");
    std::fs::write(tapes.join("single_turn.jsonl.new"), &changed).unwrap();

    let verified = succeeded(&project.run(&["verify"]));
    assert!(
        verified.contains("pending re-recording: tests/tapes/single_turn.jsonl.new"),
        "{verified}"
    );
    assert!(
        verified.contains("verified 1 cassette(s) in tests/tapes"),
        "{verified}"
    );
    let review = succeeded(&project.run(&["review"]));
    assert!(
        review.contains("== single_turn")
            && review.contains("prompt-diary accept tests/tapes single_turn"),
        "{review}"
    );
    let inside = project.dir.join("tests");
    let accepted = succeeded(&project.run_in(&inside, &["accept"]));
    assert!(accepted.contains("accepted single_turn"), "{accepted}");
    assert_eq!(
        std::fs::read_to_string(tapes.join("single_turn.jsonl")).unwrap(),
        changed
    );
}

#[test]
fn accepting_an_upgrade_moves_only_the_pin_line_or_creates_a_minimal_file() {
    let text = "# ours\ncodex = \"0.171.0\"   # keep this comment\n\ncassettes = \"c\"\n\n[[redact]]\npattern = 'acme_[a-z]{8}'\n";
    let project = Project::new(Some(text));
    std::fs::create_dir_all(project.dir.join("c")).unwrap();
    let said = succeeded(&project.run(&["upgrade-codex", "--to", "0.163.0", "--accept"]));
    assert!(
        said.contains("now pins Codex 0.163.0 (was 0.171.0)"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(project.dir.join(PROJECT_FILE)).unwrap(),
        text.replace("\"0.171.0\"", "\"0.163.0\"")
    );

    let bare = Project::new(None);
    std::fs::create_dir_all(bare.dir.join("cassettes")).unwrap();
    std::fs::write(bare.dir.join("Cargo.toml"), "").unwrap();
    let said = succeeded(&bare.run(&["upgrade-codex", "--to", "0.163.0", "--accept"]));
    assert!(
        said.contains("the project had no prompt-diary.toml: created"),
        "{said}"
    );
    let file = ProjectFile::load(&bare.dir.join(PROJECT_FILE)).unwrap();
    assert_eq!(file.codex_version(), "0.163.0");
    assert!(!bare.dir.join("src").exists(), "no sources are written");

    let missing = Project::new(Some("codex = \"0.171.0\"\n"));
    let err = failed(&missing.run(&["upgrade-codex", "--to", "0.163.0", "--accept"]));
    assert!(
        err.contains("cassettes"),
        "a missing cassette folder is a failure: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(missing.dir.join(PROJECT_FILE)).unwrap(),
        "codex = \"0.171.0\"\n",
        "the pin does not move when accepting fails"
    );
}

#[test]
fn record_fixtures_says_it_is_this_repositorys_tool() {
    let project = Project::new(Some("codex = \"0.171.0\"\n"));
    let err = failed(&project.run(&["record-fixtures"]));
    assert!(
        err.contains("prompt-diary's own fixture tool") && err.contains("record --script FILE"),
        "{err}"
    );
    let help = succeeded(&project.run(&["record-fixtures", "--help"]));
    assert!(help.contains("prompt-diary's own fixture tool"), "{help}");
}
