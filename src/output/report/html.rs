//! The page around the report's `<section>`: report.html with its inline style sheet
//! and script allowed by hash in a strict Content-Security-Policy, and the fragment
//! (the bare section, for an admin page that brings its own CSS and may forbid script).

use base64::Engine;
use sha2::{Digest, Sha256};

use super::sections::section;
use super::{format, ReportData};

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// `'sha256-…'` of an inline style or script, as CSP wants it.
fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The policy report.html declares: nothing may load or run but its own style sheet
/// and script (by hash) and data: images.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// The whole page: report.html.
pub fn render_page(data: &ReportData) -> String {
    let body = section(data);
    let title = match (&data.history, data.period) {
        (Some(h), _) => {
            format!("knocklog report {} to {} (UTC)", format::day(h.figures.days.0), format::day(h.figures.days.1))
        }
        (None, period) => match period {
            Some((a, b)) => format!("knocklog report {} to {} (UTC)", format::day(day(a)), format::day(day(b))),
            None => "knocklog report".to_owned(),
        },
    };
    let mut out = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    out.push_str(&content_security_policy());
    out.push_str("\">\n<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    out.push_str(&title);
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(&body);
    out.push_str("\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The fragment: the same section alone, every class `knocklog-…`.
pub fn render_fragment(data: &ReportData) -> String {
    let mut out = section(data);
    out.push('\n');
    out
}

fn day(ts: i64) -> i32 {
    crate::vocab::time::day_of(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_cannot_end_their_element_early() {
        assert!(!STYLE.contains("</"), "report.css must not contain `</`");
        assert!(!SCRIPT.contains("</"), "report.js must not contain `</`");
    }

    #[test]
    fn policy_hashes_the_shipped_assets() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'; style-src 'sha256-"));
        assert_eq!(csp.matches("'sha256-").count(), 2);
        assert!(!csp.contains("unsafe"));
        // sha256("") in base64, to pin the encoding.
        assert_eq!(csp_hash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    }
}
