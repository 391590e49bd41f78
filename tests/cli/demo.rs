//! `prompt-diary demo`, run as a newcomer would: the diary workflow against the real pinned Codex
//! driven by the scripted model while recording, then replayed offline, side by side.

use std::path::Path;
use std::process::Command;

use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn demo_records_live_then_replays_offline_and_shows_both_sides() {
    let Some(bin) = codex_for_conformance("demo") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["demo", "--out"])
        .arg(out.path())
        .current_dir(ROOT)
        .env("PROMPT_DIARY_CODEX_BIN", &bin)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");

    assert!(
        stderr.contains("[1/2] live:") && stderr.contains("[2/2] replay:"),
        "{stderr}"
    );
    assert!(
        stdout.contains("live (Codex + scripted model)")
            && stdout.contains("replay (cassette, no Codex)")
            && stdout.contains("x faster"),
        "{stdout}"
    );
    // The repairs the scripted scenario provokes show on both sides.
    assert_eq!(
        stdout
            .matches("repaired: front matter lacks `date`")
            .count(),
        2,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("repaired: outline.md is missing").count(),
        2,
        "{stdout}"
    );
    assert_eq!(stdout.matches(", identical").count(), 2, "{stdout}");

    // Both sides left the same artifacts, and the recording is where the table says.
    let cassette = out.path().join("diary_workflow.jsonl");
    assert!(stdout.contains(&cassette.display().to_string()), "{stdout}");
    assert!(cassette.is_file());
    for slug in ["morning-walk", "rainy-evening"] {
        for file in ["outline.md", "draft.md", "review.md", "entry.html"] {
            let read = |side: &str| {
                std::fs::read_to_string(out.path().join(side).join(slug).join(file))
                    .unwrap_or_else(|e| panic!("{side}/{slug}/{file}: {e}"))
            };
            assert_eq!(read("live"), read("replay"), "{slug}/{file}");
        }
        let expected = Path::new(ROOT)
            .join("fixtures/expected/diary_workflow")
            .join(format!("{slug}.html"));
        assert_eq!(
            std::fs::read_to_string(out.path().join("replay").join(slug).join("entry.html"))
                .unwrap(),
            std::fs::read_to_string(expected).unwrap(),
            "the demo renders the committed pages"
        );
    }
}
