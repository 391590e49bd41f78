//! The house rules of STYLE.md, checked on the sources of both crates: no file over 500 lines,
//! no function over 100 lines (from its `fn` line to its closing brace, as rustfmt lays it out).

use std::path::{Path, PathBuf};

use crate::layering::rust_files;

const MAX_FILE_LINES: usize = 500;
const MAX_FN_LINES: usize = 100;

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = rust_files(&root.join("src"));
    files.extend(rust_files(&root.join("crates/scripted-model/src")));
    assert!(
        files.len() > 80,
        "expected the crates' sources under {}",
        root.display()
    );
    files
}

/// Each function of `text`: its name, first line (1-based) and length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        let indent = line.len() - code.len();
        let mut rest = code;
        for word in [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "const ",
            "async ",
            "unsafe ",
        ] {
            rest = rest.strip_prefix(word).unwrap_or(rest);
        }
        let Some(signature) = rest.strip_prefix("fn ") else {
            continue;
        };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body (in a trait) ends with `;` before any `{`.
        let body_opens = lines[at..]
            .iter()
            .position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'))
            .is_some_and(|n| lines[at + n].trim_end().ends_with('{'));
        if !body_opens {
            continue;
        }
        let closing = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[at..].iter().position(|l| *l == closing) {
            found.push((name, at + 1, end + 1));
        }
    }
    found
}

#[test]
fn no_file_over_500_lines_and_no_function_over_100() {
    let mut report = Vec::new();
    let mut longest = Vec::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        let count = text.lines().count();
        if count > MAX_FILE_LINES {
            report.push(format!("{}: {count} lines", file.display()));
        }
        for (name, line, length) in functions(&text) {
            if length > MAX_FN_LINES {
                report.push(format!(
                    "{}:{line}: fn {name} is {length} lines",
                    file.display()
                ));
            }
            longest.push((length, format!("{}:{line} fn {name}", file.display())));
        }
    }
    longest.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    for (length, at) in longest.iter().take(5) {
        println!("{length:>4} lines  {at}");
    }
    assert!(
        report.is_empty(),
        "split these (files at most {MAX_FILE_LINES} lines, functions at most {MAX_FN_LINES}):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_function_scan_measures_from_fn_to_its_closing_brace() {
    let text = "impl X {\n    pub async fn a(\n        x: u8,\n    ) -> u8 {\n        x\n    }\n    fn b(&self);\n}\nfn c() {}\n";
    assert_eq!(functions(text), [("a".to_owned(), 2, 5)]);
}
