//! The built-in signatures: rule data files under `signatures/`, embedded at compile time,
//! and the parser for their format (documented in `signatures/README.md`).

use super::patterns::PatternError;
use crate::vocab::event::Category;

/// The embedded data files, in priority order within a category (earlier wins a tie).
/// The exploit paths generated from CrowdSec's scenarios and nuclei's CVE templates
/// come first, so a line shows its CVE in the `rule` column rather than a generic rule's
/// name; CRS's lists of file names and agents come last, after knocklog's own. All three
/// are made by `knocklog-gen feeds`.
const FILES: [(&str, &str); 8] = [
    ("feed-crowdsec.txt", include_str!("signatures/feed-crowdsec.txt")),
    ("feed-nuclei.txt", include_str!("signatures/feed-nuclei.txt")),
    ("scanner-agents.txt", include_str!("signatures/scanner-agents.txt")),
    ("injection.txt", include_str!("signatures/injection.txt")),
    ("probe-paths.txt", include_str!("signatures/probe-paths.txt")),
    ("missing-scripts.txt", include_str!("signatures/missing-scripts.txt")),
    ("server-errors.txt", include_str!("signatures/server-errors.txt")),
    ("feed-crs.txt", include_str!("signatures/feed-crs.txt")),
];

/// Which parsed field a signature is matched against (a bit set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fields(pub u8);

impl Fields {
    /// The request target of an access line (query included), or the path an error
    /// line names (File does not exist, script not found, denied, invalid URI).
    pub const PATH: Fields = Fields(1);
    /// PATH, but only when the server said it does not exist (404/410, File does not
    /// exist, script not found): targets that are only suspicious when missing.
    pub const MISSING: Fields = Fields(2);
    pub const AGENT: Fields = Fields(4);
    pub const REFERER: Fields = Fields(8);
    /// The message of an error-log line that the parser left untagged (`Other`).
    pub const MESSAGE: Fields = Fields(16);

    pub fn contains(self, other: Fields) -> bool {
        self.0 & other.0 == other.0
    }

    fn parse(spec: &str) -> Option<Fields> {
        let mut set = 0;
        for name in spec.split(',') {
            set |= match name {
                "path" => Fields::PATH.0,
                "missing" => Fields::MISSING.0,
                "agent" => Fields::AGENT.0,
                "referer" => Fields::REFERER.0,
                "request" => Fields::PATH.0 | Fields::AGENT.0 | Fields::REFERER.0,
                "message" => Fields::MESSAGE.0,
                _ => return None,
            };
        }
        Some(Fields(set))
    }
}

/// One rule of a data file.
#[derive(Clone, Debug)]
pub struct Signature {
    /// `namespace:id`, the `rule` column.
    pub name: String,
    pub category: Category,
    pub fields: Fields,
    /// The literal the automaton looks for (as written, anchors removed).
    pub literal: Vec<u8>,
    /// `^`: the literal starts the field.
    pub at_start: bool,
    /// `$`: the literal ends the field (for paths: ends the path before any query).
    pub at_end: bool,
    /// A regex that must also match the normalised field once the literal is found.
    pub regex: Option<String>,
}

/// The longest literal a signature may have (chunks of long fields overlap this much).
pub const MAX_LITERAL: usize = super::normalize::OVERLAP - 2;

/// Parses all embedded data files.
pub fn builtin() -> Result<Vec<Signature>, PatternError> {
    let mut all = Vec::new();
    for (file, text) in FILES {
        parse(file, text, &mut all)?;
    }
    Ok(all)
}

/// Parses one data file's text, appending its rules to `out`.
pub fn parse(file: &str, text: &str, out: &mut Vec<Signature>) -> Result<(), PatternError> {
    let mut namespace = String::new();
    let mut category = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |message: String| PatternError::Builtin { file: file.to_string(), line, message };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(directive) = trimmed.strip_prefix('@') {
            match directive.split_once(char::is_whitespace).map(|(k, v)| (k, v.trim())) {
                Some(("namespace", value)) => namespace = value.to_string(),
                Some(("category", value)) => {
                    category = Some(Category::from_name(value).ok_or_else(|| err(format!("unknown category {value}")))?)
                }
                _ => return Err(err(format!("unknown directive @{directive}"))),
            }
            continue;
        }
        // id, fields, literal, and an optional regex: tab-separated (a literal may hold
        // spaces), empty columns from repeated tabs skipped.
        let mut columns = raw.split('\t').filter(|c| !c.is_empty());
        let (Some(id), Some(fields), Some(literal)) = (columns.next(), columns.next(), columns.next()) else {
            return Err(err("expected id<TAB>fields<TAB>literal[<TAB>re:regex]".into()));
        };
        let regex = match columns.next() {
            Some(r) => Some(r.strip_prefix("re:").ok_or_else(|| err("4th column must start with re:".into()))?),
            None => None,
        };
        if columns.next().is_some() {
            return Err(err("too many columns".into()));
        }
        let fields = Fields::parse(fields).ok_or_else(|| err(format!("unknown field list {fields}")))?;
        let category = category.ok_or_else(|| err("rule before any @category".into()))?;
        if namespace.is_empty() {
            return Err(err("rule before any @namespace".into()));
        }
        let (at_start, literal) = match literal.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, literal),
        };
        let (at_end, literal) = match literal.strip_suffix('$') {
            Some(rest) => (true, rest),
            None => (false, literal),
        };
        let literal = unescape(literal).ok_or_else(|| err("bad escape in literal (\\xHH or \\\\)".into()))?;
        if literal.is_empty() || literal.len() > MAX_LITERAL {
            return Err(err(format!("literal must be 1..={MAX_LITERAL} bytes")));
        }
        if let Some(re) = regex {
            compile_regex(re).map_err(|e| err(format!("invalid regex {re:?}: {e}")))?;
        }
        let name = format!("{namespace}:{id}");
        if out.iter().any(|s: &Signature| s.name == name) {
            return Err(err(format!("duplicate rule {name}")));
        }
        out.push(Signature { name, category, fields, literal, at_start, at_end, regex: regex.map(str::to_string) });
    }
    Ok(())
}

/// A literal's bytes: `\xHH` is a raw byte, `\\` a backslash, other text as is.
fn unescape(literal: &str) -> Option<Vec<u8>> {
    let b = literal.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if b.get(i + 1) == Some(&b'x') {
            let hex = std::str::from_utf8(b.get(i + 2..i + 4)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 4;
        } else {
            return None;
        }
    }
    Some(out)
}

/// The order categories win in, lower first (see `classify`).
pub fn rank(category: Category) -> u8 {
    match category {
        Category::Ignored => 0,
        Category::AttackPattern => 1,
        Category::Connect => 2,
        Category::ScannerAgent => 3,
        Category::Probe => 4,
        Category::Malformed => 5,
        Category::AuthBadUser => 6,
        Category::AuthBadPassword => 7,
        Category::SshPreauth => 8,
        Category::Denied => 9,
        // Never a line's category: assigned per address after reading.
        Category::FakeCrawler => 10,
        Category::Unclassified | Category::Benign => u8::MAX,
    }
}

/// Signature regexes: on bytes, ASCII classes (fields are lowercased bytes, not text).
pub fn compile_regex(source: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(source).unicode(false).size_limit(1 << 20).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_data_parses() {
        let all = builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(all.len() > 200, "{} rules", all.len());
        for s in &all {
            assert!(s.category.is_suspicious(), "{}", s.name);
            // signatures are written in the lowercase form fields are matched in
            assert!(!s.literal.iter().any(u8::is_ascii_uppercase), "{} has uppercase", s.name);
        }
    }

    #[test]
    fn format_and_errors() {
        let mut out = Vec::new();
        let text = "# c\n@namespace t\n@category probe\nwp\tpath\t^/wp-login.php$\nu\trequest\tunion\tre:union\\s+select\nx\tpath\t..\\xc0\\xaf\\\\\n";
        parse("t.txt", text, &mut out).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[2].literal, b"..\xc0\xaf\\");
        assert_eq!((out[0].name.as_str(), out[0].at_start, out[0].at_end), ("t:wp", true, true));
        assert_eq!(out[0].literal, b"/wp-login.php");
        assert_eq!(out[1].fields, Fields(1 | 4 | 8));
        assert_eq!(out[1].regex.as_deref(), Some("union\\s+select"));
        for (bad, why) in [
            ("@namespace t\n@category probe\nx\tpath\n", "expected id"),
            ("@namespace t\n@category nope\n", "unknown category"),
            ("@namespace t\n@category probe\nx\tbody\ty\n", "unknown field"),
            ("@namespace t\n@category probe\nx\tpath\ty\tre:(\n", "invalid regex"),
            ("@category probe\nx\tpath\ty\n", "@namespace"),
            ("@namespace t\n@category probe\nx\tpath\ty\nx\tpath\tz\n", "duplicate"),
        ] {
            let e = parse("t.txt", bad, &mut Vec::new()).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("t.txt:"), "{e}");
        }
    }
}
