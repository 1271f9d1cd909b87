//! The search-engine and AI crawlers a user agent can claim to be, and how each is
//! verified: the domains its forward-confirmed reverse DNS lies under, and the labels
//! of the published range files (`--ranges googlebot.json` labels `googlebot`) that
//! list its addresses. Taken from each operator's own verification page; crawlers
//! that publish neither are not listed (a claim nobody can check proves nothing).

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// A crawler an agent can claim (an enum, so a claim fits a byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Crawler {
    Google,
    Bing,
    Apple,
    Yandex,
    Baidu,
    DuckDuckGo,
    Yahoo,
    Petal,
    Seznam,
    Naver,
    Amazon,
    OpenAi,
}

/// How one crawler is recognised and verified.
pub struct CrawlerSpec {
    pub crawler: Crawler,
    pub name: &'static str,
    /// Tokens of its user agents (ASCII, matched case-insensitively).
    pub tokens: &'static [&'static str],
    /// Forward-confirmed reverse names lie under one of these (empty: it publishes
    /// ranges only).
    pub domains: &'static [&'static str],
    /// Labels of its published range files, as `--ranges` names them from the file
    /// (`googlebot.json` -> `googlebot`).
    pub range_labels: &'static [&'static str],
}

/// Sources: Google "Verifying Googlebot and other Google crawlers", Bing Webmaster
/// "Verify Bingbot", Apple "About Applebot", Yandex "How to check that a robot
/// belongs to Yandex", Baidu spider help, DuckDuckGo "DuckDuckBot", Yahoo "Slurp",
/// Huawei "PetalBot", Seznam "SeznamBot", Naver "Yeti", Amazon "Amazonbot", OpenAI
/// "Overview of OpenAI crawlers".
pub const CRAWLERS: [CrawlerSpec; 12] = [
    CrawlerSpec {
        crawler: Crawler::Google,
        name: "Googlebot",
        tokens: &[
            "Googlebot",
            "AdsBot-Google",
            "Mediapartners-Google",
            "APIs-Google",
            "Google-InspectionTool",
            "GoogleOther",
            "Storebot-Google",
            "FeedFetcher-Google",
        ],
        domains: &["googlebot.com", "google.com", "googleusercontent.com"],
        range_labels: &[
            "googlebot",
            "common-crawlers",
            "special-crawlers",
            "user-triggered-fetchers",
            "user-triggered-fetchers-google",
        ],
    },
    CrawlerSpec {
        crawler: Crawler::Bing,
        name: "Bingbot",
        tokens: &["bingbot", "msnbot", "BingPreview", "adidxbot"],
        domains: &["search.msn.com"],
        range_labels: &["bingbot"],
    },
    CrawlerSpec {
        crawler: Crawler::Apple,
        name: "Applebot",
        tokens: &["Applebot"],
        domains: &["applebot.apple.com"],
        range_labels: &["applebot"],
    },
    CrawlerSpec {
        crawler: Crawler::Yandex,
        name: "YandexBot",
        // Every Yandex robot links its help page; the robot names vary.
        tokens: &["yandex.com/bots"],
        domains: &["yandex.ru", "yandex.net", "yandex.com"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::Baidu,
        name: "Baiduspider",
        tokens: &["Baiduspider"],
        domains: &["baidu.com", "baidu.jp"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::DuckDuckGo,
        name: "DuckDuckBot",
        tokens: &["DuckDuckBot", "DuckAssistBot"],
        domains: &[],
        range_labels: &["duckduckbot", "duckassistbot"],
    },
    CrawlerSpec {
        crawler: Crawler::Yahoo,
        name: "Yahoo Slurp",
        tokens: &["Yahoo! Slurp"],
        domains: &["crawl.yahoo.net"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::Petal,
        name: "PetalBot",
        tokens: &["PetalBot"],
        domains: &["petalsearch.com"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::Seznam,
        name: "SeznamBot",
        tokens: &["SeznamBot"],
        domains: &["seznam.cz"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::Naver,
        name: "Naver Yeti",
        tokens: &["Yeti/"],
        domains: &["naver.com"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::Amazon,
        name: "Amazonbot",
        tokens: &["Amazonbot"],
        domains: &["crawl.amazonbot.amazon"],
        range_labels: &[],
    },
    CrawlerSpec {
        crawler: Crawler::OpenAi,
        name: "OpenAI",
        tokens: &["GPTBot", "OAI-SearchBot", "ChatGPT-User"],
        domains: &[],
        range_labels: &["gptbot", "searchbot", "chatgpt-user"],
    },
];

impl Crawler {
    pub fn spec(self) -> &'static CrawlerSpec {
        &CRAWLERS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// True when `host` (a reverse name, any case, with or without the root dot) is
    /// one of the crawler's domains or under one.
    pub fn owns_name(self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.spec().domains.iter().any(|d| host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
    }

    /// True when `label` is one of the crawler's published range files.
    pub fn owns_label(self, label: &str) -> bool {
        self.spec().range_labels.contains(&label)
    }
}

/// The crawler a user agent claims, if any (aho-corasick's own prefilter skips most
/// of a browser's agent).
pub fn claimed(agent: &[u8]) -> Option<Crawler> {
    if agent.len() < 5 {
        return None;
    }
    let m = matcher().0.find(agent)?;
    Some(matcher().1[m.pattern().as_usize()])
}

fn matcher() -> &'static (AhoCorasick, Vec<Crawler>) {
    static MATCHER: OnceLock<(AhoCorasick, Vec<Crawler>)> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut tokens = Vec::new();
        let mut owners = Vec::new();
        for spec in &CRAWLERS {
            for t in spec.tokens {
                tokens.push(*t);
                owners.push(spec.crawler);
            }
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&tokens)
            .expect("the crawler tokens compile");
        (ac, owners)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crawlers_own_agents_are_claims_and_browsers_are_not() {
        for (agent, want) in [
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", Some(Crawler::Google)),
            ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/143.0.7499.169 Safari/537.36", Some(Crawler::Google)),
            ("AdsBot-Google (+http://www.google.com/adsbot.html)", Some(Crawler::Google)),
            ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", Some(Crawler::Bing)),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", Some(Crawler::Apple)),
            ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", Some(Crawler::Yandex)),
            ("Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)", Some(Crawler::Yandex)),
            ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", Some(Crawler::Baidu)),
            ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", Some(Crawler::DuckDuckGo)),
            ("Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)", Some(Crawler::Yahoo)),
            ("Mozilla/5.0 (compatible;PetalBot;+https://webmaster.petalsearch.com/site/petalbot)", Some(Crawler::Petal)),
            ("Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)", Some(Crawler::Seznam)),
            ("Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)", Some(Crawler::Naver)),
            ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36", Some(Crawler::Amazon)),
            ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", Some(Crawler::OpenAi)),
            ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot", Some(Crawler::OpenAi)),
            ("googlebot", Some(Crawler::Google)),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36", None),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1", None),
            ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", None),
            ("curl/8.5.0", None),
            ("", None),
        ] {
            assert_eq!(claimed(agent.as_bytes()), want, "{agent}");
        }
    }

    #[test]
    fn the_table_is_in_enum_order() {
        for spec in &CRAWLERS {
            assert_eq!(spec.crawler.spec().name, spec.name);
        }
    }

    #[test]
    fn a_name_is_the_crawlers_only_under_its_domains() {
        assert!(Crawler::Google.owns_name("crawl-66-249-66-1.googlebot.com."));
        assert!(Crawler::Google.owns_name("rate-limited-proxy-66-249-90-77.google.com"));
        assert!(Crawler::Google.owns_name("GOOGLEBOT.COM"));
        assert!(!Crawler::Google.owns_name("crawl-66-249-66-1.googlebot.com.evil.example"));
        assert!(!Crawler::Google.owns_name("fakegooglebot.com"));
        assert!(!Crawler::Google.owns_name("googlebot.com-scan.example"));
        assert!(Crawler::Bing.owns_name("msnbot-157-55-39-10.search.msn.com"));
        assert!(!Crawler::Bing.owns_name("bing.com"));
        assert!(!Crawler::DuckDuckGo.owns_name("duckduckgo.com"), "ranges only");
        assert!(Crawler::Google.owns_label("googlebot") && !Crawler::Google.owns_label("bingbot"));
    }
}
