//! OWASP CRS's request-attack rules (921, 930-934, 941-943) as knocklog's payload rule
//! data (`feed-crs-payload.txt`, read by `src/detect/payload/rules.rs`): each rule's id,
//! paranoia level, the variables of it that an access log holds, its transformations
//! and its operator (a regex, phrases, or libinjection's SQLi/XSS detectors). Only the
//! data of each rule is taken; how the rules are run is knocklog's own.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use super::{header, read};

/// The rule files taken, with the kind knocklog names their rules by (`sqli:crs-942270`).
/// A line is named by the first rule that fires in this order: the SQL and XSS rules
/// (libinjection's confirmations among them), then traversal and inclusion, before the
/// broader command and code rules (Node.js and templates before PHP's function calls),
/// so `and benchmark(1000000,md5(1))` reads as SQL injection, not as a PHP call.
const FILES: [(&str, &str); 9] = [
    ("REQUEST-942-APPLICATION-ATTACK-SQLI.conf", "sqli"),
    ("REQUEST-941-APPLICATION-ATTACK-XSS.conf", "xss"),
    ("REQUEST-930-APPLICATION-ATTACK-LFI.conf", "lfi"),
    ("REQUEST-931-APPLICATION-ATTACK-RFI.conf", "rfi"),
    ("REQUEST-932-APPLICATION-ATTACK-RCE.conf", "rce"),
    ("REQUEST-934-APPLICATION-ATTACK-GENERIC.conf", "generic"),
    ("REQUEST-933-APPLICATION-ATTACK-PHP.conf", "php"),
    ("REQUEST-921-PROTOCOL-ATTACK.conf", "protocol"),
    ("REQUEST-943-APPLICATION-ATTACK-SESSION-FIXATION.conf", "fixation"),
];

/// Rules whose target lists knocklog already has in a narrower form (`feed-crs.txt`:
/// restricted files only when the server said they are missing).
const COVERED_ELSEWHERE: [&str; 2] = ["930130", "930140"];

/// The variables an access line holds. Request bodies, cookies, XML, uploaded files and
/// headers other than User-Agent and Referer never reach a log.
const LOGGED: [&str; 13] = [
    "ARGS",
    "ARGS_NAMES",
    "ARGS_GET",
    "ARGS_GET_NAMES",
    "QUERY_STRING",
    "REQUEST_FILENAME",
    "REQUEST_BASENAME",
    "REQUEST_URI",
    "REQUEST_URI_RAW",
    "REQUEST_HEADERS",
    "REQUEST_HEADERS:User-Agent",
    "REQUEST_HEADERS:Referer",
    "MATCHED_VARS",
];

/// The transformations the runtime implements (`src/detect/payload/transform.rs`).
const TRANSFORMS: [&str; 20] = [
    "none",
    "escapeSeqDecode",
    "lowercase",
    "urlDecode",
    "urlDecodeUni",
    "utf8toUnicode",
    "htmlEntityDecode",
    "jsDecode",
    "cssDecode",
    "removeNulls",
    "removeWhitespace",
    "compressWhitespace",
    "replaceComments",
    "removeCommentsChar",
    "cmdLine",
    "normalizePath",
    "normalizePathWin",
    "base64Decode",
    "replaceNulls",
    "trim",
];

/// One `SecRule` of a chain: its variables, operator and actions, as written.
struct Link {
    vars: String,
    op: String,
    actions: String,
}

/// The generated payload rules.
pub fn generate(dir: &Path) -> Result<String, Box<dyn Error>> {
    let mut body = String::new();
    let mut taken = 0;
    let mut left_out: Vec<String> = Vec::new();
    for (file, kind) in FILES {
        let text = read(&dir.join("rules").join(file))?;
        writeln!(body, "\n# {file}")?;
        for chain in chains(&text) {
            let Some(id) = action(&chain[0].actions, "id") else { continue };
            let Some(level) = tag_level(&chain[0].actions) else { continue }; // paranoia gates, bookkeeping
            if COVERED_ELSEWHERE.contains(&id.as_str()) {
                left_out.push(format!("{id} (its file list is feed-crs.txt)"));
                continue;
            }
            match rule_text(&id, &level, kind, &chain, dir) {
                Ok(text) => {
                    body.push_str(&text);
                    taken += 1;
                }
                Err(why) => left_out.push(format!("{id} ({why})")),
            }
        }
    }
    let mut out = String::new();
    header(
        &mut out,
        &format!("OWASP CRS request-attack rules as payload rules: {taken} rules of {} files.", FILES.len()),
        dir,
    )?;
    writeln!(out, "# Format: src/detect/signatures/README.md (payload rules). Left out, with why:")?;
    for chunk in left_out.chunks(4) {
        writeln!(out, "#   {}", chunk.join(", "))?;
    }
    out.push_str(&body);
    Ok(out)
}

/// One rule (with its chained links) in the payload rule format, or why it is left out.
fn rule_text(id: &str, level: &str, kind: &str, chain: &[Link], dir: &Path) -> Result<String, String> {
    let severity = action(&chain[0].actions, "severity").unwrap_or_default().trim_matches('\'').to_ascii_lowercase();
    if !["critical", "error", "warning", "notice"].contains(&severity.as_str()) {
        return Err(format!("severity {severity:?}"));
    }
    let mut out = format!("rule\t{id}\t{level}\t{kind}\t{severity}\n");
    for (i, link) in chain.iter().enumerate() {
        if i > 0 {
            out.push_str("chain\n");
        }
        let vars = logged_vars(&link.vars)?;
        out.push_str(&format!("vars\t{}\n", vars.join(",")));
        let transforms: Vec<&str> =
            link.actions.split(',').filter_map(|a| a.trim().strip_prefix("t:")).filter(|t| *t != "none").collect();
        if let Some(t) = transforms.iter().find(|t| !TRANSFORMS.contains(t)) {
            return Err(format!("transformation {t}"));
        }
        if !transforms.is_empty() {
            out.push_str(&format!("t\t{}\n", transforms.join(",")));
        }
        // The operator runs on the value as it is and after every transformation.
        if link.actions.split(',').any(|a| a == "multiMatch") {
            out.push_str("multimatch\n");
        }
        out.push_str(&operator(&link.op, dir)?);
    }
    Ok(out)
}

/// The variables of a `SecRule` that a log holds (exclusions kept as `!NAME`).
fn logged_vars(spec: &str) -> Result<Vec<String>, String> {
    let mut kept = Vec::new();
    for var in spec.split('|') {
        let (negated, name) = match var.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, var),
        };
        if LOGGED.contains(&name) || (negated && name.starts_with("REQUEST_HEADERS:")) {
            kept.push(var.to_string());
        }
    }
    if kept.iter().all(|v| v.starts_with('!')) {
        let first = spec.split('|').next().unwrap_or_default();
        return Err(format!("only variables no log holds: {first}"));
    }
    Ok(kept)
}

/// The operator line(s): `rx`, `pm` (one phrase a line), `detect sqli|xss`, or a
/// string comparison.
fn operator(op: &str, dir: &Path) -> Result<String, String> {
    if op.starts_with('!') {
        return Err("a negated operator".into());
    }
    let (name, arg) = match op.strip_prefix('@') {
        Some(rest) => rest.split_once(' ').unwrap_or((rest, "")),
        None => ("rx", op),
    };
    match name {
        "rx" => {
            let re = rust_regex(arg);
            regex::bytes::RegexBuilder::new(&re)
                .unicode(false)
                .dot_matches_new_line(true)
                .size_limit(32 << 20)
                .build()
                .map_err(|e| format!("regex: {}", e.to_string().lines().last().unwrap_or("").trim()))?;
            Ok(format!("rx\t{re}\n"))
        }
        "pm" => Ok(arg.split_whitespace().map(|p| format!("pm\t{}\n", p.to_ascii_lowercase())).collect()),
        "pmFromFile" => {
            let text = read(&dir.join("rules").join(arg)).map_err(|e| e.to_string())?;
            let phrases: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| format!("pm\t{}\n", l.to_ascii_lowercase()))
                .collect();
            Ok(phrases.concat())
        }
        "detectSQLi" => Ok("detect\tsqli\n".into()),
        "detectXSS" => Ok("detect\txss\n".into()),
        "contains" | "beginsWith" | "endsWith" | "streq" => Ok(format!("{name}\t{arg}\n")),
        other => Err(format!("operator @{other}")),
    }
}

/// A CRS regex in Rust `regex` syntax on bytes: `\x{HH}` is written `\xHH`, which the
/// byte-oriented syntax takes as the byte (the braced form means a code point).
fn rust_regex(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut rest = re;
    while let Some(at) = rest.find("\\x{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        match after.find('}') {
            Some(end) if end <= 2 && after[..end].chars().all(|c| c.is_ascii_hexdigit()) => {
                out.push_str(&format!("\\x{:0>2}", &after[..end]));
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("\\x{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `tag:'paranoia-level/N'` wherever it sits among the actions.
fn tag_level(actions: &str) -> Option<String> {
    let at = actions.find("paranoia-level/")? + "paranoia-level/".len();
    actions[at..].chars().next().filter(char::is_ascii_digit).map(String::from)
}

/// The value of an action `name:value` (first occurrence).
fn action(actions: &str, name: &str) -> Option<String> {
    actions.split(',').find_map(|a| a.trim().strip_prefix(name).and_then(|r| r.strip_prefix(':')).map(String::from))
}

/// The file's `SecRule`s, grouped into chains (a link whose actions say `chain` is
/// followed by the next one).
fn chains(text: &str) -> Vec<Vec<Link>> {
    let joined = text.replace("\\\n", " ");
    let mut out: Vec<Vec<Link>> = Vec::new();
    let mut open = false;
    for line in joined.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("SecRule ") else { continue };
        let Some(link) = parse_link(rest.trim_start()) else { continue };
        let chained = link.actions.split(',').any(|a| a.trim() == "chain");
        if open {
            if let Some(last) = out.last_mut() {
                last.push(link);
            }
        } else {
            out.push(vec![link]);
        }
        open = chained;
    }
    out
}

/// `VARIABLES "OPERATOR" "ACTIONS"` of one `SecRule` (quotes escaped with `\"`).
fn parse_link(text: &str) -> Option<Link> {
    let (vars, rest) = text.split_once(char::is_whitespace)?;
    let (op, rest) = quoted(rest.trim_start())?;
    let actions = quoted(rest.trim_start()).map(|(a, _)| a).unwrap_or_default();
    // Actions are comma-separated with spaces after continuation joins.
    let actions = actions.split(',').map(str::trim).collect::<Vec<_>>().join(",");
    Some(Link { vars: vars.to_string(), op, actions })
}

/// A double-quoted string at the start of `text`, unescaped (`\"` -> `"`), and the rest.
fn quoted(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '"' => return Some((out, &body[i + 1..])),
            _ => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secrule_is_split_into_variables_operator_and_actions() {
        let link =
            parse_link(r#"ARGS|!REQUEST_HEADERS:Referer "@rx a\"b" "id:1,phase:2,t:none,t:lowercase,chain""#).unwrap();
        assert_eq!(link.vars, "ARGS|!REQUEST_HEADERS:Referer");
        assert_eq!(link.op, "@rx a\"b");
        assert_eq!(action(&link.actions, "id").as_deref(), Some("1"));
        assert_eq!(
            logged_vars("REQUEST_COOKIES|ARGS|XML:/*|!REQUEST_HEADERS:Referer").unwrap(),
            ["ARGS", "!REQUEST_HEADERS:Referer"]
        );
        assert!(logged_vars("REQUEST_COOKIES|XML:/*").is_err());
        assert_eq!(rust_regex(r"[\x7f-\x{ff}]\x{bc}"), r"[\x7f-\xff]\xbc");
    }
}
