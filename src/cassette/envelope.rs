//! The envelope every cassette shares, whatever its kind: the header's magic and format
//! version, reading the file, and which kind of cassette the header says it is.

use std::path::Path;

use serde_json::Value;

use crate::cassette::CassetteError;

/// The magic value of the header's `cassette` field.
pub(crate) const MAGIC: &str = "prompt-diary";
/// The cassette format this crate writes and reads.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// Reads a cassette file's text; a missing file names the command that records it.
pub(crate) fn read(path: &Path, record_hint: &str) -> Result<String, CassetteError> {
    std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            CassetteError::Missing {
                path: path.to_owned(),
                record_command: record_hint.to_owned(),
            }
        } else {
            CassetteError::Io {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// The header line of any prompt-diary cassette (app-server or exec) as JSON, after checking its
/// magic and format version, with the maker of this line's errors.
pub(crate) fn header_json<'p>(
    path: &'p Path,
    first: &str,
) -> Result<(Value, impl Fn(String) -> CassetteError + 'p), CassetteError> {
    let bad = move |reason: String| CassetteError::BadLine {
        path: path.to_owned(),
        line: 1,
        reason,
    };
    if first.starts_with('\u{feff}') {
        return Err(bad(
            "the file starts with a UTF-8 byte order mark (BOM), which an editor added: save it \
             as UTF-8 without a BOM (cassettes never have one)"
                .to_owned(),
        ));
    }
    let value: Value = serde_json::from_str(first)
        .map_err(|err| bad(format!("the header is not JSON ({err})")))?;
    if value.get("cassette").and_then(Value::as_str) != Some(MAGIC) {
        return Err(bad(format!(
            "the header lacks \"cassette\": \"{MAGIC}\"; this is not a prompt-diary cassette"
        )));
    }
    match value.get("format") {
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(FORMAT_VERSION)) => Ok((value, bad)),
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n > u64::from(FORMAT_VERSION)) => {
            Err(CassetteError::NewerFormat {
                path: path.to_owned(),
                found: n.as_u64().unwrap_or_default(),
                supported: FORMAT_VERSION,
            })
        }
        Some(Value::Number(n)) => Err(CassetteError::UnsupportedFormat {
            path: path.to_owned(),
            found: n.to_string(),
            expected: FORMAT_VERSION,
        }),
        None => Err(bad(format!(
            "the header has no \"format\" (this prompt-diary writes \"format\": {FORMAT_VERSION})"
        ))),
        Some(other) => Err(bad(format!(
            "the header's \"format\" is {other}, not a number: it must be the number \
             {FORMAT_VERSION}, as in \"format\": {FORMAT_VERSION}"
        ))),
    }
}

/// Whether a body line is a second header (a cassette pasted after another one): the reason to
/// give for it, or `None`.
pub(crate) fn second_header(line: &str) -> Option<String> {
    let value: Value = serde_json::from_str(line).ok()?;
    (value.get("cassette").and_then(Value::as_str) == Some(MAGIC)).then(|| {
        "a second header: a cassette holds one session, so the file looks like two cassettes \
         joined; keep one (its header is line 1)"
            .to_owned()
    })
}

/// The header's `kind` for exec cassettes (app-server cassettes have none).
pub(crate) const EXEC_KIND: &str = "exec";

/// Today's date, `YYYY-MM-DD` (UTC).
pub(crate) fn today() -> String {
    date_in_days(0)
}

/// The date `days` days from today, `YYYY-MM-DD` (UTC).
pub(crate) fn date_in_days(days: u64) -> String {
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    civil_date(today + days)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of `secs` seconds since the Unix epoch.
pub(crate) fn utc_time(secs: u64) -> String {
    let of_day = secs % 86_400;
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        civil_date(secs / 86_400),
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// `YYYY-MM-DD` of the day `days` days after 1970-01-01.
fn civil_date(days: u64) -> String {
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
