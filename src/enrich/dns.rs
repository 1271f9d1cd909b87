//! Two-way DNS (`--dns`): the reverse name of each address, confirmed when that name
//! resolves back to the address (forward-confirmed reverse DNS: a PTR record is written
//! by whoever owns the address, so an unconfirmed name proves nothing). Lookups go
//! through hickory-resolver on a small tokio runtime made here, many at a time, each
//! query bounded by a timeout and the whole run by a deadline; what the deadline cuts
//! off is counted and marked, never guessed. A `DnsCache` (kept by the history store)
//! answers what was looked up before and has not expired.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as WireError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::findings::Findings;
use crate::vocab::labels::{DnsError, DnsName, DnsOutcome};

/// Names of one PTR answer that are followed forward: a hostile server may return
/// hundreds, and each would cost a query.
pub const MAX_NAMES_FOLLOWED: usize = 4;

/// How `--dns` looks addresses up.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsSettings {
    /// The servers asked (`--dns-server`, else those of /etc/resolv.conf).
    pub servers: Vec<SocketAddr>,
    /// Whether `servers` came from the system's configuration.
    pub system: bool,
    /// Lookups in flight at once (`--dns-concurrency`).
    pub concurrency: usize,
    /// Time one query may take (`--dns-timeout`).
    pub timeout: Duration,
    /// Time all lookups together may take (`--dns-deadline`).
    pub deadline: Duration,
    /// Every address of `ips`, not only the suspicious ones (`--dns-all`).
    pub all: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Cache lifetime bounds: an answer is kept at least `ttl_floor` and at most
    /// `ttl_cap`, whatever its TTL says.
    pub ttl_floor: Duration,
    pub ttl_cap: Duration,
    /// Lifetime of a negative answer without an SOA to say how long it holds.
    pub negative_ttl: Duration,
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            servers: Vec::new(),
            system: true,
            concurrency: 64,
            timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(30),
            all: false,
            progress: false,
            ttl_floor: Duration::from_secs(5 * 60),
            ttl_cap: Duration::from_secs(7 * 24 * 3600),
            negative_ttl: Duration::from_secs(3600),
        }
    }
}

/// The name servers of /etc/resolv.conf, each with the port it names (53 unless said).
pub fn system_servers() -> Result<Vec<SocketAddr>, String> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|e| format!("reading the system's resolver configuration (/etc/resolv.conf): {e}"))?;
    let mut servers: Vec<SocketAddr> = Vec::new();
    for ns in config.name_servers() {
        let port = ns.connections.first().map_or(53, |c| c.port);
        let addr = SocketAddr::new(ns.ip, port);
        if !servers.contains(&addr) {
            servers.push(addr);
        }
    }
    if servers.is_empty() {
        return Err("the system's resolver configuration (/etc/resolv.conf) names no server".into());
    }
    Ok(servers)
}

/// `--dns-server IP[:PORT]`: an address, with port 53 unless one is given (`[v6]:port`
/// for IPv6 with a port).
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse::<SocketAddr>()
        .map_err(|_| format!("--dns-server {text:?}: expected an address, IP:PORT or [IPv6]:PORT"))
}

/// One cached answer. Times are microseconds since the epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedName {
    pub dns: DnsName,
    pub looked_up: i64,
    pub expires: i64,
}

/// Answers of earlier runs, by address (IPv4-mapped IPv6 addresses as their IPv4).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsCache {
    pub entries: HashMap<IpAddr, CachedName>,
}

impl DnsCache {
    /// The answer for `ip` if it is still valid at `now`.
    pub fn fresh(&self, ip: IpAddr, now: i64) -> Option<&DnsName> {
        self.entries.get(&canonical(ip)).filter(|c| c.expires > now).map(|c| &c.dns)
    }

    /// Keeps `dns` for `ttl` from `now`.
    pub fn insert(&mut self, ip: IpAddr, dns: DnsName, now: i64, ttl: Duration) {
        let expires = now.saturating_add(i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX));
        self.entries.insert(canonical(ip), CachedName { dns, looked_up: now, expires });
    }

    /// Drops the answers expired at `now` (they would only be looked up again).
    pub fn drop_expired(&mut self, now: i64) {
        self.entries.retain(|_, c| c.expires > now);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Two-way DNS for the addresses of `findings` (`settings.all`: every one; else the
/// suspicious ones), answered from `cache` where it can be and added to it. Labels each
/// address, notes a confirmed name on its blocklist entry, and returns how it went
/// (also kept on `findings` for summary.json).
pub fn resolve_visitors(
    findings: &mut Findings,
    settings: &DnsSettings,
    cache: Option<&mut DnsCache>,
) -> anyhow::Result<DnsOutcome> {
    let addrs: Vec<IpAddr> = findings
        .ips
        .iter()
        .filter(|a| settings.all || a.is_suspect())
        .filter_map(|a| crate::vocab::address::parse(&a.ip))
        .collect();
    let (names, outcome) = two_way_all(&addrs, settings, cache)?;
    findings.enriched.dns = true;
    for a in findings.ips.iter_mut() {
        let found = crate::vocab::address::parse(&a.ip).and_then(|ip| names.get(&ip));
        if let Some(dns) = found {
            super::labels_of(a).dns = Some(dns.clone());
        }
    }
    for entry in findings.blocklist.entries.iter_mut().filter(|e| e.addresses == 1) {
        let found = entry.network.parse::<IpAddr>().ok().and_then(|ip| names.get(&ip));
        entry.rdns = found.filter(|d| d.confirmed).and_then(|d| d.name.clone());
    }
    findings.dns = Some(outcome.clone());
    Ok(outcome)
}

/// Two-way DNS for every address of `addrs` (each once), within `settings`: the
/// unexpired answers of `cache` first, lookups for the rest, whose answers are added
/// to `cache`. Every address gets an answer; those the deadline cut off are
/// `DnsName::deadline()`. Usable before assessment (crawler verification).
pub fn two_way_all(
    addrs: &[IpAddr],
    settings: &DnsSettings,
    mut cache: Option<&mut DnsCache>,
) -> anyhow::Result<(HashMap<IpAddr, DnsName>, DnsOutcome)> {
    let now = crate::vocab::time::now_micros();
    let mut found: HashMap<IpAddr, DnsName> = HashMap::with_capacity(addrs.len());
    let mut by_canonical: HashMap<IpAddr, Vec<IpAddr>> = HashMap::new();
    let mut outcome = DnsOutcome {
        deadline_s: settings.deadline.as_secs_f64(),
        servers: if settings.system { vec!["system".to_owned()] } else { Vec::new() },
        ..Default::default()
    };
    outcome.servers.extend(settings.servers.iter().map(|s| s.to_string()));
    let mut seen = std::collections::HashSet::with_capacity(addrs.len());
    for &ip in addrs {
        if !seen.insert(ip) {
            continue;
        }
        outcome.addresses += 1;
        match cache.as_deref().and_then(|c| c.fresh(ip, now)) {
            Some(dns) => {
                outcome.cache_hits += 1;
                found.insert(ip, dns.clone());
            }
            None => by_canonical.entry(canonical(ip)).or_default().push(ip),
        }
    }
    let mut todo: Vec<IpAddr> = by_canonical.keys().copied().collect();
    // In the order given (worst first), so that a deadline leaves out the least
    // interesting addresses.
    let order: HashMap<IpAddr, usize> = addrs.iter().enumerate().rev().map(|(i, ip)| (canonical(*ip), i)).collect();
    todo.sort_by_key(|ip| order.get(ip).copied().unwrap_or(usize::MAX));
    let (answers, deadline_hit) = look_up(&todo, settings)?;
    outcome.deadline_hit = deadline_hit;
    for ip in todo {
        let dns = match answers.get(&ip) {
            Some(answer) => {
                outcome.looked_up += 1;
                if let Some(cache) = cache.as_deref_mut() {
                    cache.insert(ip, answer.dns.clone(), now, answer.lifetime(settings));
                }
                answer.dns.clone()
            }
            None => {
                outcome.not_looked_up += 1;
                DnsName::deadline()
            }
        };
        for given in by_canonical.remove(&ip).unwrap_or_default() {
            found.insert(given, dns.clone());
        }
    }
    Ok((found, outcome))
}

/// What one address's lookups gave, and how long the answers said they hold.
#[derive(Clone, Debug)]
struct Answer {
    dns: DnsName,
    /// The least TTL of the records consulted (or the SOA's negative TTL); None when
    /// the answers said nothing (a failure).
    ttl: Option<u32>,
}

impl Answer {
    fn failed(error: DnsError, ttl: Option<u32>) -> Answer {
        Answer { dns: DnsName { name: None, confirmed: false, error: Some(error) }, ttl }
    }

    /// How long the cache keeps it: its TTL between the floor and the cap; a negative
    /// answer without an SOA the negative default; a failure the floor, so that a
    /// dead server is not asked again at once, nor remembered long.
    fn lifetime(&self, settings: &DnsSettings) -> Duration {
        let said = match (self.ttl, self.dns.error) {
            (Some(ttl), _) => Duration::from_secs(u64::from(ttl)),
            (None, Some(e)) if e.is_answer() => settings.negative_ttl,
            (None, _) => settings.ttl_floor,
        };
        said.clamp(settings.ttl_floor, settings.ttl_cap.max(settings.ttl_floor))
    }
}

/// Looks every address of `todo` up, `settings.concurrency` at a time, until all are
/// answered or the deadline passes. Returns the answers and whether the deadline cut
/// some off.
fn look_up(todo: &[IpAddr], settings: &DnsSettings) -> anyhow::Result<(HashMap<IpAddr, Answer>, bool)> {
    let mut answers = HashMap::with_capacity(todo.len());
    if todo.is_empty() {
        return Ok((answers, false));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("starting the DNS lookups' runtime")?;
    let bar = settings.progress.then(|| progress_bar(todo.len()));
    let deadline_hit = runtime.block_on(async {
        let resolver = resolver(settings)?;
        let deadline = tokio::time::Instant::now() + settings.deadline;
        let mut tasks = tokio::task::JoinSet::new();
        let mut queue = todo.iter().copied();
        let spawn = |tasks: &mut tokio::task::JoinSet<(IpAddr, Answer)>, ip: IpAddr| {
            let (resolver, timeout) = (resolver.clone(), settings.timeout);
            tasks.spawn(async move { (ip, two_way(&resolver, ip, timeout).await) });
        };
        for ip in queue.by_ref().take(settings.concurrency.max(1)) {
            spawn(&mut tasks, ip);
        }
        loop {
            let next = tokio::time::timeout_at(deadline, tasks.join_next()).await;
            match next {
                Err(_) => return anyhow::Ok(true),
                Ok(None) => return Ok(false),
                Ok(Some(done)) => {
                    // A lookup that panicked is left unanswered, like one cut off.
                    if let Ok((ip, answer)) = done {
                        answers.insert(ip, answer);
                    }
                    if let Some(bar) = &bar {
                        bar.inc(1);
                    }
                    if let Some(ip) = queue.next() {
                        spawn(&mut tasks, ip);
                    }
                }
            }
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Lookups still in flight are dropped with the runtime.
    drop(runtime);
    Ok((answers, deadline_hit))
}

fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr_with_hz(8));
    bar.set_style(
        ProgressStyle::with_template("{spinner} DNS [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// A resolver asking `settings.servers` (UDP, and TCP for a truncated answer), one try
/// per query, never /etc/hosts: the answer is what the DNS says of the address.
fn resolver(settings: &DnsSettings) -> anyhow::Result<TokioResolver> {
    let servers = settings
        .servers
        .iter()
        .map(|s| {
            let mut ns = NameServerConfig::udp_and_tcp(s.ip());
            for c in ns.connections.iter_mut() {
                c.port = s.port();
            }
            ns
        })
        .collect();
    let mut opts = ResolverOpts::default();
    opts.timeout = settings.timeout;
    opts.attempts = 1;
    opts.use_hosts_file = ResolveHosts::Never;
    // Its own cache would only hold what this run asks once.
    opts.cache_size = 0;
    opts.max_active_requests = settings.concurrency.max(1) * 2;
    let config = ResolverConfig::from_name_servers(servers);
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .context("setting up the DNS resolver")
}

/// Reverse lookup, then the forward lookups of at most `MAX_NAMES_FOLLOWED` of the
/// names until one gives the address back. Each query is bounded by `timeout`.
async fn two_way(resolver: &TokioResolver, ip: IpAddr, timeout: Duration) -> Answer {
    let ip = canonical(ip);
    let ptr = match tokio::time::timeout(timeout, resolver.reverse_lookup(ip)).await {
        Err(_) => return Answer::failed(DnsError::Timeout, None),
        Ok(Err(e)) => {
            let (error, ttl) = classify(&e);
            return Answer::failed(error, ttl);
        }
        Ok(Ok(lookup)) => lookup,
    };
    let mut ttl: Option<u32> = None;
    let mut names: Vec<&Name> = Vec::new();
    for record in ptr.answers() {
        if let RData::PTR(p) = &record.data {
            ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
            if !names.contains(&&p.0) {
                names.push(&p.0);
            }
        }
    }
    let Some(first) = names.first() else { return Answer::failed(DnsError::NoPtr, ttl) };
    let mut forward_error = None;
    for name in names.iter().take(MAX_NAMES_FOLLOWED) {
        let query = async {
            match ip {
                IpAddr::V4(_) => resolver.ipv4_lookup((*name).clone()).await,
                IpAddr::V6(_) => resolver.ipv6_lookup((*name).clone()).await,
            }
        };
        match tokio::time::timeout(timeout, query).await {
            Ok(Ok(lookup)) => {
                let mut back = false;
                for record in lookup.answers() {
                    let addr = match &record.data {
                        RData::A(a) => IpAddr::V4(a.0),
                        RData::AAAA(a) => IpAddr::V6(a.0),
                        _ => continue,
                    };
                    ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
                    back |= canonical(addr) == ip;
                }
                if back {
                    return Answer { dns: DnsName { name: Some(text_of(name)), confirmed: true, error: None }, ttl };
                }
            }
            Ok(Err(e)) => {
                let (error, _) = classify(&e);
                if !error.is_answer() {
                    forward_error.get_or_insert(error);
                }
            }
            Err(_) => {
                forward_error.get_or_insert(DnsError::Timeout);
            }
        }
    }
    // Unconfirmed: only a definite "not this address" is cached long; a forward check
    // that failed is kept like a failure.
    let ttl = if forward_error.is_some() { None } else { ttl };
    Answer { dns: DnsName { name: Some(text_of(first)), confirmed: false, error: forward_error }, ttl }
}

/// A name in presentation form without its final dot (non-printable and special bytes
/// escaped as `\DDD` and `\c`, as in a zone file).
fn text_of(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_owned()
}

/// What a failed query means, with the negative TTL the server gave.
fn classify(e: &NetError) -> (DnsError, Option<u32>) {
    let code = |c: ResponseCode| match c {
        ResponseCode::NXDomain => DnsError::NxDomain,
        ResponseCode::NoError => DnsError::NoPtr,
        ResponseCode::ServFail => DnsError::ServFail,
        ResponseCode::Refused => DnsError::Refused,
        _ => DnsError::Other,
    };
    match e {
        NetError::Timeout => (DnsError::Timeout, None),
        NetError::Dns(WireError::NoRecordsFound(none)) => (code(none.response_code), none.negative_ttl),
        NetError::Dns(WireError::ResponseCode(c)) => (code(*c), None),
        _ => (DnsError::Other, None),
    }
}

/// IPv4-mapped IPv6 addresses are their IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

#[cfg(test)]
#[path = "dns_tests.rs"]
mod tests;
