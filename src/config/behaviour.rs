//! The `[behaviour.*]` tables of knocklog.toml resolved into the behaviour rules,
//! defaults where a key is absent.

use super::file::BehaviourFile;
use super::UsageError;
use crate::detect::behaviour::{BehaviourRules, Campaigns, LoginFlood, Probing, Stuffing};
use crate::detect::policy::Mode;
use crate::vocab::time::parse_span_secs;

pub fn resolve(file: &BehaviourFile, mode: Mode) -> Result<BehaviourRules, UsageError> {
    let d = BehaviourRules::default();
    let span = |table: &str, key: &str, text: &Option<String>, default: i64| -> Result<i64, UsageError> {
        match text.as_deref() {
            None => Ok(default),
            Some(t) => parse_span_secs(t).filter(|s| *s > 0).ok_or_else(|| {
                UsageError(format!("[behaviour.{table}] {key} {t:?}: expected a span such as 30s, 10m, 12h or 1d"))
            }),
        }
    };
    let window = |table: &str, text: &Option<String>, default: i64| span(table, "window", text, default);
    let p = &file.http_probing;
    // `--mode user` judges usernames and passwords only: probing is about addresses.
    let probing_off = mode == Mode::User;
    let http_probing = Probing {
        capacity: if probing_off { 0 } else { p.capacity.unwrap_or(d.http_probing.capacity) },
        leak_secs: span("http_probing", "leak", &p.leak, d.http_probing.leak_secs)?,
    };
    let l = &file.login_flood;
    let login_flood = LoginFlood::new(
        l.posts.unwrap_or(d.login_flood.posts),
        window("login_flood", &l.window, d.login_flood.window_secs)?,
        &l.paths,
    )
    .map_err(|e| UsageError(format!("[behaviour.login_flood] {e}")))?;
    let s = &file.credential_stuffing;
    let credential_stuffing = Stuffing {
        usernames: s.usernames.unwrap_or(d.credential_stuffing.usernames),
        window_secs: window("credential_stuffing", &s.window, d.credential_stuffing.window_secs)?,
    };
    let c = &file.campaigns;
    let dc = &d.campaigns;
    let campaigns = Campaigns {
        min_addresses: c.min_addresses.unwrap_or(dc.min_addresses),
        block_addresses: c.block_addresses.unwrap_or(dc.block_addresses),
        window_secs: window("campaigns", &c.window, dc.window_secs)?,
        min_usernames: c.min_usernames.unwrap_or(dc.min_usernames).max(1),
        min_paths: c.min_paths.unwrap_or(dc.min_paths).max(1),
    };
    if campaigns.min_addresses == 1 {
        return Err(UsageError(
            "[behaviour.campaigns] min_addresses = 1: a campaign takes at least 2 addresses (0 turns campaigns off)"
                .into(),
        ));
    }
    Ok(BehaviourRules { http_probing, login_flood, credential_stuffing, campaigns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::{LoginFloodFile, ProbingFile};

    #[test]
    fn absent_keys_take_the_defaults_and_bad_values_name_their_table() {
        let d = BehaviourRules::default();
        let r = resolve(&BehaviourFile::default(), Mode::Standard).unwrap();
        assert_eq!(
            (r.http_probing, r.credential_stuffing, r.campaigns),
            (d.http_probing, d.credential_stuffing, d.campaigns)
        );
        let file = BehaviourFile {
            http_probing: ProbingFile { capacity: Some(20), leak: Some("1m".into()) },
            login_flood: LoginFloodFile { posts: Some(4), window: None, paths: vec!["/portal/enter".into()] },
            ..Default::default()
        };
        let r = resolve(&file, Mode::Standard).unwrap();
        assert_eq!((r.http_probing.capacity, r.http_probing.leak_secs), (20, 60));
        assert!(r.login_flood.is_login_post(b"POST", b"/portal/enter"));
        assert_eq!(resolve(&file, Mode::User).unwrap().http_probing.capacity, 0);
        let bad = BehaviourFile {
            http_probing: ProbingFile { capacity: None, leak: Some("soon".into()) },
            ..Default::default()
        };
        assert!(resolve(&bad, Mode::Standard).unwrap_err().0.contains("[behaviour.http_probing] leak \"soon\""));
    }
}
