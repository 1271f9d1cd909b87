//! The data dictionary: every table knocklog writes, each column declared once with its
//! name, type and meaning. The table builders (`tables`, `store::tables`) are checked
//! against these declarations as they build (`BatchBuilder::of`), the Parquet writer
//! takes each column's type from its kind, and `knocklog columns` prints them.

use std::borrow::Cow;
use std::sync::LazyLock;

use polars::prelude::{Categories, DataType, Field, TimeUnit, TimeZone};

use crate::vocab::event::{Category, LogKind};

/// A column's type, as Parquet holds it and as CSV writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Category,
    Timestamp,
    Date,
    Int,
    Float,
    Bool,
    TextCounts,
    IntCounts,
    Dates,
    Categories,
}

impl Kind {
    /// The polars type of the column in a Parquet file (and in `knocklog query`).
    pub fn dtype(self) -> DataType {
        let counted = |value: DataType| {
            DataType::List(Box::new(DataType::Struct(vec![
                Field::new("value".into(), value),
                Field::new("count".into(), DataType::Int64),
            ])))
        };
        let categorical = || DataType::from_categories(Categories::global());
        match self {
            Kind::Text => DataType::String,
            Kind::Category => categorical(),
            Kind::Timestamp => DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
            Kind::Date => DataType::Date,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::TextCounts => counted(DataType::String),
            Kind::IntCounts => counted(DataType::Int64),
            Kind::Dates => DataType::List(Box::new(DataType::Date)),
            Kind::Categories => DataType::List(Box::new(categorical())),
        }
    }

    /// The type as polars names it (`knocklog query`, a notebook's `df.schema`).
    pub fn polars_name(self) -> &'static str {
        match self {
            Kind::Text => "String",
            Kind::Category => "Categorical",
            Kind::Timestamp => "Datetime(time_unit='us', time_zone='UTC')",
            Kind::Date => "Date",
            Kind::Int => "Int64",
            Kind::Float => "Float64",
            Kind::Bool => "Boolean",
            Kind::TextCounts => "List(Struct({'value': String, 'count': Int64}))",
            Kind::IntCounts => "List(Struct({'value': Int64, 'count': Int64}))",
            Kind::Dates => "List(Date)",
            Kind::Categories => "List(Categorical)",
        }
    }

    /// The type as DuckDB reads it from the Parquet file (`typeof(column)`).
    pub fn duckdb_name(self) -> &'static str {
        match self {
            Kind::Text | Kind::Category => "VARCHAR",
            Kind::Timestamp => "TIMESTAMP WITH TIME ZONE",
            Kind::Date => "DATE",
            Kind::Int => "BIGINT",
            Kind::Float => "DOUBLE",
            Kind::Bool => "BOOLEAN",
            Kind::TextCounts => r#"STRUCT("value" VARCHAR, count BIGINT)[]"#,
            Kind::IntCounts => r#"STRUCT("value" BIGINT, count BIGINT)[]"#,
            Kind::Dates => "DATE[]",
            Kind::Categories => "VARCHAR[]",
        }
    }

    /// The type as Arrow (pyarrow, pandas) reads it from the Parquet file.
    pub fn arrow_name(self) -> &'static str {
        match self {
            Kind::Text => "string_view",
            Kind::Category => "dictionary<values=string, indices=uint32, ordered=0>",
            Kind::Timestamp => "timestamp[us, tz=UTC]",
            Kind::Date => "date32[day]",
            Kind::Int => "int64",
            Kind::Float => "double",
            Kind::Bool => "bool",
            Kind::TextCounts => "large_list<element: struct<value: string_view, count: int64>>",
            Kind::IntCounts => "large_list<element: struct<value: int64, count: int64>>",
            Kind::Dates => "large_list<element: date32[day]>",
            Kind::Categories => "large_list<element: dictionary<values=string, indices=uint32, ordered=0>>",
        }
    }

    /// How a CSV cell of the type reads.
    pub fn csv_form(self) -> &'static str {
        match self {
            Kind::Text | Kind::Category => "text",
            Kind::Timestamp => "RFC 3339 UTC",
            Kind::Date => "YYYY-MM-DD",
            Kind::Int => "integer",
            Kind::Float => "decimal",
            Kind::Bool => "true/false",
            Kind::TextCounts => r#"JSON [{"value":"...","count":N}]"#,
            Kind::IntCounts => r#"JSON [{"value":N,"count":N}]"#,
            Kind::Dates => r#"JSON ["YYYY-MM-DD"]"#,
            Kind::Categories => r#"JSON ["..."]"#,
        }
    }
}

/// One column: its name, type and a one-line meaning.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDoc {
    pub name: &'static str,
    pub kind: Kind,
    pub about: Cow<'static, str>,
}

const fn col(name: &'static str, kind: Kind, about: &'static str) -> ColumnDoc {
    ColumnDoc { name, kind, about: Cow::Borrowed(about) }
}

/// Where a table is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A scan's or report's `--out` (`NAME.csv`, `NAME.parquet`).
    Out,
    /// A fleet report's `--out` only (`report --history FLEET`), beside `Out`'s tables.
    FleetOut,
    /// A history store (`NAME/day=YYYY-MM-DD/data.parquet`, or `dns.parquet`).
    Store,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Out => "out",
            Place::FleetOut => "fleet-out",
            Place::Store => "history",
        }
    }
}

/// One table: where it is written, what a row is (`one row per ...`), and its columns
/// in file order.
pub struct TableDoc {
    pub name: &'static str,
    pub place: Place,
    pub row: &'static str,
    pub columns: &'static [ColumnDoc],
}

use Kind::*;

pub static EVENTS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("ts", Timestamp, "when the line was logged (null if its time could not be read)"),
        col("ip", Text, "the remote address the line names"),
        col("log_kind", Category, "access, error, auth or syslog"),
        col("event", Category, "what the parser recognised: failed_password, invalid_user, request, ..."),
        col(
            "category",
            Category,
            "why the line counts (or not) against the address: probe, auth_bad_user, benign, ...",
        ),
        col("rule", Category, "the rule that matched (built-in name, or pattern file and line)"),
        col("rule_category", Category, "the rule's own category, before allow-lists and mode"),
        col(
            "counts_against_address",
            Bool,
            "the line counts against its address (false: a weak signal, counted in its category only)",
        ),
        col("source_file", Category, "the log file the line is in"),
        col("line_no", Int, "its line number in that file (1-based, after decompression)"),
        col("vhost", Category, "virtual host (access logs that log it)"),
        col("method", Category, "HTTP method"),
        col("path", Text, "requested path with its query string"),
        col("protocol", Category, "HTTP protocol of the request line"),
        col("status", Int, "HTTP status answered"),
        col("bytes", Int, "bytes sent in the answer"),
        col("referer", Text, "Referer header"),
        col("user_agent", Category, "User-Agent header"),
        col("user", Text, "remote user, or the username tried"),
        col("host", Category, "host name of a syslog or journal line"),
        col("program", Category, "program of a syslog or journal line (sshd, sudo, ...)"),
        col("pid", Int, "process id of a syslog or journal line"),
        col("message", Text, "the message of a syslog, journal or error-log line"),
        col("proxy", Category, "the trusted proxy an access line came through (--trusted-proxy)"),
    ]
});

/// The per-category count column's meaning.
fn category_about(c: Category) -> &'static str {
    match c {
        Category::AuthBadUser => "suspicious lines: a username that is not allowed or does not exist",
        Category::AuthBadPassword => "suspicious lines: an existing user with a wrong password",
        Category::Connect => "suspicious lines: CONNECT or absolute-URI proxy requests",
        Category::Probe => "suspicious lines: requests for known attack targets",
        Category::ScannerAgent => "suspicious lines: tool user agents (sqlmap, Nikto, ...)",
        Category::Malformed => "suspicious lines: invalid method or URI, binary request lines",
        Category::SshPreauth => "suspicious lines: sshd pre-authentication noise",
        Category::Denied => "suspicious lines: 401/403 answers",
        Category::AttackPattern => "suspicious lines matched by --attack-patterns",
        Category::FakeCrawler => "suspicious lines: a crawler's agent from an address the crawler denies",
        Category::Ignored | Category::Unclassified | Category::Benign => "lines of this category",
    }
}

fn per_category() -> impl Iterator<Item = ColumnDoc> {
    Category::ALL.into_iter().filter(|c| c.is_suspicious()).map(|c| ColumnDoc {
        name: c.as_str(),
        kind: Int,
        about: category_about(c).into(),
    })
}

/// The column of a per-kind count.
pub fn kind_column(k: LogKind) -> &'static str {
    match k {
        LogKind::Access => "access_events",
        LogKind::Error => "error_events",
        LogKind::Auth => "auth_events",
        LogKind::Syslog => "syslog_events",
    }
}

fn per_kind(what: &'static str) -> impl Iterator<Item = ColumnDoc> {
    LogKind::ALL.into_iter().map(move |k| ColumnDoc {
        name: kind_column(k),
        kind: Int,
        about: format!("{what} in {} logs", k.as_str()).into(),
    })
}

pub static IPS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    let mut c = vec![
        col("ip", Text, "the remote address"),
        col("verdict", Category, "block, watch or none"),
        col("score", Float, "how suspicious the address is (the verdict's thresholds apply to it)"),
        col("sneak", Bool, "a sneak attacker: suspicious on many days, never much on one"),
        col("allowed", Bool, "on an allow-list (--allow-ip, own addresses)"),
        col("first_seen", Timestamp, "its first line"),
        col("last_seen", Timestamp, "its last line"),
        col("active_day_count", Int, "UTC days with a line of it"),
        col("active_days", Dates, "those days, in order"),
        col("events", Int, "lines that name it"),
        col("suspicious_events", Int, "its suspicious lines that count against it"),
    ];
    c.extend(per_kind("lines"));
    c.extend(per_category());
    c.extend([
        col("techniques", Text, "ATT&CK techniques of its categories and behaviour rules: T1110;T1595"),
        col("behaviour", Text, "the behaviour rules it tripped: http_probing;login_flood"),
        col("campaign", Int, "the largest campaign it is in (campaigns.campaign)"),
        col("previous_blocks", Int, "earlier days a history store saw it blocked"),
        col("first_blocked", Text, "the first of those days, YYYY-MM-DD"),
        col("suspicious_days", Int, "UTC days with a suspicious line of it"),
        col("max_daily_events", Int, "most suspicious lines on one day"),
        col("sessions", Int, "bursts of its suspicious lines (the sessions table)"),
        col("longest_session_s", Int, "the longest of them, in seconds"),
        col("usernames", TextCounts, "usernames tried in its suspicious lines, by name, with tries"),
        col("paths", TextCounts, "the 10 paths it requested most in suspicious lines, with hits"),
        col("user_agents", TextCounts, "the 5 user agents of most of its suspicious lines, with lines"),
        col("statuses", IntCounts, "HTTP statuses it was answered, with answers"),
        col("usernames_beyond", Int, "tries whose username was beyond the 1000 kept per address"),
        col("paths_beyond", Int, "hits whose path was beyond the 1000 kept"),
        col("user_agents_beyond", Int, "lines whose user agent was beyond the 1000 kept"),
        col("crawler", Category, "the crawler its user agents claimed to be"),
        col("crawler_check", Category, "what checking that claim found: verified, fake, unanswered, unchecked"),
        col("range_label", Category, "the --ranges label of its range"),
        col("country", Category, "country (--geoip)"),
        col("asn", Int, "autonomous system number (--asn)"),
        col("as_org", Category, "autonomous system's organisation (--asn)"),
        col("rdns", Text, "its reverse DNS name (--dns)"),
        col("fcrdns", Bool, "the name resolves back to it (null: not looked up)"),
        col("rdns_error", Category, "why no name was found (--dns)"),
    ]);
    c
});

pub static CAMPAIGNS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("campaign", Int, "campaign number (ips.campaign)"),
        col("shared", Category, "what its members share: usernames or paths"),
        col("evidence", Text, "the shared usernames or paths"),
        col("addresses", Int, "how many addresses are in it"),
        col("ips", Text, "its addresses, ; separated"),
        col("first_seen", Timestamp, "its first suspicious line"),
        col("last_seen", Timestamp, "its last suspicious line"),
        col("events", Int, "its members' suspicious lines"),
    ]
});

pub static SESSIONS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("ip", Text, "the address"),
        col("start", Timestamp, "its first suspicious line in the burst"),
        col("end", Timestamp, "its last"),
        col("duration_s", Int, "end - start, in seconds"),
        col("events", Int, "suspicious lines in the burst"),
        col("categories", Categories, "the categories of those lines"),
    ]
});

pub static USERNAMES: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("username", Text, "the username tried"),
        col("attempts", Int, "tries in suspicious lines"),
        col("ips", Int, "addresses that tried it"),
        col("first_seen", Timestamp, "first try"),
        col("last_seen", Timestamp, "last try"),
        col("allowed", Bool, "on --allow-user"),
    ]
});

pub static DAILY: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![col("day", Date, "UTC day"), col("ip", Text, "the address"), col("events", Int, "its lines that day")]
});

pub static PATTERNS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("pattern", Text, "the suggested pattern, as a pattern file holds it"),
        col("kind", Category, "what it matches: path, prefix, file, extension, param or agent"),
        col("attacker_ips", Int, "attacker addresses whose requests it matches"),
        col("attacker_hits", Int, "their requests it matches"),
        col("benign_ips", Int, "benign addresses it matches (0 for a good pattern)"),
        col("benign_hits", Int, "their requests it matches"),
        col("confidence", Float, "how sure the suggestion is, 0 to 1"),
        col("first_seen", Timestamp, "first request it matches"),
        col("last_seen", Timestamp, "last request it matches"),
        col("example", Text, "one request it matches"),
        col("sampled", Bool, "the benign counts come from a sample"),
        col("check", Text, "what to verify before accepting it"),
    ]
});

pub static ATTACKERS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("ip", Text, "the address"),
        col("verdict", Category, "block, watch or none"),
        col("score", Float, "its score over the period"),
        col("sneak", Bool, "a sneak attacker over the period"),
        col("status", Category, "new, or returning (suspicious on a day before the period)"),
        col("first_suspicious_day", Text, "its first suspicious day in the store, YYYY-MM-DD"),
        col("suspicious_events", Int, "its suspicious lines in the period"),
        col("previous_events", Int, "its suspicious lines in the period before"),
        col("previous_blocks", Int, "earlier days the store saw it blocked"),
    ]
});

pub static SERVERS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("ip", Text, "the address (a row of ips)"),
        col("server", Category, "a server of the fleet that saw it (its server=NAME directory)"),
        col("events", Int, "lines of it that server logged in the period"),
        col("suspicious_events", Int, "of those, its suspicious lines that count against it"),
        col("first_seen", Timestamp, "its first line on that server"),
        col("last_seen", Timestamp, "its last line on that server"),
        col("active_day_count", Int, "UTC days with a line of it on that server"),
    ]
});

/// The store's `daily`: per day and address over every line.
pub static STORE_DAILY: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    let mut c = vec![
        col("ip", Text, "the address"),
        col("events", Int, "its lines that day"),
        col("suspicious_events", Int, "its suspicious lines that count against it"),
    ];
    c.extend(per_kind("lines"));
    c.extend(per_category());
    c.extend([
        col("first_seen", Timestamp, "its first line that day"),
        col("last_seen", Timestamp, "its last line that day"),
        col("statuses", IntCounts, "HTTP statuses it was answered that day, with answers"),
    ]);
    c
});

pub static STORE_REQUESTS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("ts", Timestamp, "when"),
        col("ip", Text, "the address"),
        col("method", Text, "HTTP method"),
        col("path", Text, "path without the query string"),
        col("status", Int, "HTTP status answered"),
    ]
});

pub static STORE_DNS: LazyLock<Vec<ColumnDoc>> = LazyLock::new(|| {
    vec![
        col("ip", Text, "the address looked up"),
        col("name", Text, "its reverse DNS name"),
        col("confirmed", Bool, "the name resolves back to the address"),
        col("error", Category, "why no name was found"),
        col("looked_up", Timestamp, "when it was looked up"),
        col("expires", Timestamp, "when the answer expires"),
    ]
});

/// Every table, `--out`'s first, in the order `knocklog columns` prints them.
pub fn tables() -> Vec<TableDoc> {
    let t = |name, place, row, columns: &'static LazyLock<Vec<ColumnDoc>>| TableDoc {
        name,
        place,
        row,
        columns: columns.as_slice(),
    };
    vec![
        t(
            "events",
            Place::Out,
            "one row per suspicious line (--all-events: every line with a remote address); in a fleet report a last text column, server, names the server that logged it",
            &EVENTS,
        ),
        t("ips", Place::Out, "one row per remote address, worst first", &IPS),
        t("campaigns", Place::Out, "one row per distributed campaign, largest first", &CAMPAIGNS),
        t("sessions", Place::Out, "one row per burst of an address's suspicious lines", &SESSIONS),
        t("usernames", Place::Out, "one row per username tried in a suspicious line", &USERNAMES),
        t("daily", Place::Out, "one row per UTC day and address", &DAILY),
        t("patterns", Place::Out, "one row per suggested attack pattern (scan only)", &PATTERNS),
        t("attackers", Place::Out, "one row per suspicious address of a report's period (report only)", &ATTACKERS),
        t("servers", Place::FleetOut, "one row per address of ips and server of the fleet that saw it", &SERVERS),
        t("events", Place::Store, "one row per suspicious line with a time, filed under its day", &EVENTS),
        t("daily", Place::Store, "one row per UTC day and address, over every line", &STORE_DAILY),
        t("sessions", Place::Store, "one row per burst, filed under the day it starts", &SESSIONS),
        t(
            "requests",
            Place::Store,
            "one row per access line the behaviour rules read (400/403/404, POST)",
            &STORE_REQUESTS,
        ),
        t("dns", Place::Store, "one row per address --dns looked up (dns.parquet, no day partitions)", &STORE_DNS),
    ]
}
