//! The user's pattern files (`--attack-patterns`, `--ignore-patterns`), in the format of
//! the self-learning detector knocklog grew from: one pattern per line, matched against
//! the whole raw line.
//!
//! - blank lines and lines whose first non-blank character is `#` are skipped;
//! - leading and trailing whitespace is trimmed (a pattern of spaces would match nearly
//!   every line, and editors add trailing blanks unseen); a pattern that must start or
//!   end with a space is written as a regex;
//! - `re:REGEX` is a regex (Rust `regex` syntax, matched on the raw bytes, case-sensitive
//!   unless it says `(?i)`; `\w`, `\d`, `\s` and `\b` are ASCII, as Unicode word
//!   boundaries would keep the fast engines off every line: write `(?u)` to opt in);
//!   anything else is a case-sensitive substring.

use std::path::{Path, PathBuf};

use crate::vocab::files::{read_small_file, MAX_INPUT_FILE_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: invalid regex {regex:?}: {source}", path.display())]
    Regex { path: PathBuf, line: usize, regex: String, source: Box<regex::Error> },
    #[error("{}:{line}: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, message: String },
    /// An embedded signature file is broken (a build defect, caught by the unit tests).
    #[error("built-in signatures {file}:{line}: {message}")]
    Builtin { file: String, line: usize, message: String },
}

/// What one pattern line matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternKind {
    Substring(Vec<u8>),
    Regex(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// 1-based line in its file, for the `rule` column (`attack.txt:12`).
    pub line: usize,
    pub kind: PatternKind,
}

#[derive(Clone, Debug)]
pub struct PatternFile {
    pub path: PathBuf,
    pub patterns: Vec<Pattern>,
}

/// Reads and checks a pattern file; every regex is compiled here so that a bad one is
/// reported with its file and line before any scanning starts.
pub fn load(path: &Path) -> Result<PatternFile, PatternError> {
    let bytes = read_small_file(path, MAX_INPUT_FILE_BYTES)
        .map_err(|source| PatternError::Read { path: path.to_path_buf(), source })?;
    parse(path, &bytes)
}

/// Parses pattern-file contents (`path` only names it in errors and rule names).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<PatternFile, PatternError> {
    let mut patterns = Vec::new();
    for (index, raw) in bytes.split(|&c| c == b'\n').enumerate() {
        let line = index + 1;
        let text = raw.trim_ascii();
        if text.is_empty() || text.starts_with(b"#") {
            continue;
        }
        let kind = match text.strip_prefix(b"re:") {
            Some(source) => {
                let syntax =
                    |message: &str| PatternError::Syntax { path: path.to_path_buf(), line, message: message.into() };
                let source = std::str::from_utf8(source).map_err(|_| syntax("regex is not valid UTF-8"))?.trim();
                if source.is_empty() {
                    return Err(syntax("empty regex after re:"));
                }
                compile(source).map_err(|e| PatternError::Regex {
                    path: path.to_path_buf(),
                    line,
                    regex: source.to_string(),
                    source: Box::new(e),
                })?;
                PatternKind::Regex(source.to_string())
            }
            None => PatternKind::Substring(text.to_vec()),
        };
        patterns.push(Pattern { line, kind });
    }
    Ok(PatternFile { path: path.to_path_buf(), patterns })
}

/// How user regexes are compiled: on bytes, so lines that are not UTF-8 still match.
pub(super) fn compile(source: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(source).unicode(false).size_limit(1 << 22).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_format() {
        let text = b"# comment\n\n  /wp-login.php  \n   # indented comment\nre: ^\\S+ - admin \\[\nFailed password\r\n";
        let f = parse(Path::new("attack.txt"), text).unwrap();
        assert_eq!(
            f.patterns,
            [
                Pattern { line: 3, kind: PatternKind::Substring(b"/wp-login.php".to_vec()) },
                Pattern { line: 5, kind: PatternKind::Regex("^\\S+ - admin \\[".into()) },
                Pattern { line: 6, kind: PatternKind::Substring(b"Failed password".to_vec()) },
            ]
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse(Path::new("attack.txt"), b"ok\nre:(unclosed\n").unwrap_err().to_string();
        assert!(e.starts_with("attack.txt:2: invalid regex \"(unclosed\": "), "{e}");
        let e = parse(Path::new("a.txt"), b"re:   \n").unwrap_err().to_string();
        assert_eq!(e, "a.txt:1: empty regex after re:");
        let e = load(Path::new("/nonexistent/attack.txt")).unwrap_err().to_string();
        assert!(e.starts_with("cannot read /nonexistent/attack.txt: "), "{e}");
    }
}
