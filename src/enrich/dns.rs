//! Two-way DNS for the suspicious visitors (`scan --dns`): the reverse name of
//! each address, confirmed when that name resolves back to the address (a PTR record
//! is controlled by whoever owns the address, so an unconfirmed name proves nothing).
//! Lookups run on a few threads with a bounded total time; what is not answered in
//! time is left blank, never guessed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::findings::Findings;
use crate::vocab::labels::DnsName;

/// Reverse and forward lookups (the system resolver, or a fake in tests).
pub trait Resolver: Send + Sync + 'static {
    /// The PTR name of `ip`, if any.
    fn reverse(&self, ip: IpAddr) -> Option<String>;
    /// The addresses `name` resolves to.
    fn forward(&self, name: &str) -> Vec<IpAddr>;
}

/// Two-way DNS for the first `limit` suspicious addresses of `findings` (worst
/// first: those the report lists), within `budget`.
pub fn resolve_visitors(findings: &mut Findings, resolver: Arc<dyn Resolver>, limit: usize, budget: Duration) {
    let ips: Vec<String> = findings.suspicious().take(limit).map(|a| a.ip.clone()).collect();
    let mut names = resolve_all(resolver, &ips, 8, budget);
    findings.enriched.dns = true;
    for a in findings.ips.iter_mut() {
        if let Some(name) = names.remove(&a.ip) {
            super::labels_of(a).dns = Some(name);
        }
    }
}

/// Looks up every address in `ips` (those that parse as addresses) with `threads`
/// workers, stopping after `budget`. Returns the names found, by address text.
pub fn resolve_all(
    resolver: Arc<dyn Resolver>,
    ips: &[String],
    threads: usize,
    budget: Duration,
) -> HashMap<String, DnsName> {
    let queue: Vec<(String, IpAddr)> = ips.iter().filter_map(|s| s.parse().ok().map(|a| (s.clone(), a))).collect();
    let total = queue.len();
    let queue = Arc::new(Mutex::new(queue.into_iter().rev().collect::<Vec<_>>()));
    let (tx, rx) = mpsc::channel::<(String, Option<DnsName>)>();
    for _ in 0..threads.max(1).min(total) {
        let (queue, tx, resolver) = (Arc::clone(&queue), tx.clone(), Arc::clone(&resolver));
        // Detached: a lookup blocked past the budget must not hold up the scan.
        let spawned = std::thread::Builder::new().name("knocklog-dns".into()).spawn(move || loop {
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let Some((text, addr)) = next else { return };
            let name = two_way(resolver.as_ref(), addr);
            if tx.send((text, name)).is_err() {
                return;
            }
        });
        if spawned.is_err() {
            break;
        }
    }
    drop(tx);
    let deadline = Instant::now() + budget;
    let mut found = HashMap::new();
    for _ in 0..total {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((text, Some(name))) => {
                found.insert(text, name);
            }
            Ok((_, None)) => {}
            Err(_) => break,
        }
    }
    // Workers still blocked in a lookup find the queue empty when they return.
    queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
    found
}

/// Reverse lookup, then forward confirmation.
pub fn two_way(resolver: &dyn Resolver, ip: IpAddr) -> Option<DnsName> {
    let name = resolver.reverse(ip)?;
    let name = name.trim_end_matches('.').to_owned();
    if name.is_empty() {
        return None;
    }
    let confirmed = resolver.forward(&name).iter().any(|a| canonical(*a) == canonical(ip));
    Some(DnsName { name, confirmed })
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The system resolver through libc: getnameinfo(NI_NAMEREQD) and getaddrinfo.
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn reverse(&self, ip: IpAddr) -> Option<String> {
        let sa = socket2_free::SockAddr::from(ip);
        let mut host = [0 as libc::c_char; 1025];
        // SAFETY: `sa` is a valid sockaddr of the given length; `host` is a writable
        // buffer of the length passed; no service buffer is requested.
        let rc = unsafe {
            libc::getnameinfo(
                sa.as_ptr(),
                sa.len(),
                host.as_mut_ptr(),
                host.len() as libc::socklen_t,
                std::ptr::null_mut(),
                0,
                libc::NI_NAMEREQD,
            )
        };
        if rc != 0 {
            return None;
        }
        // SAFETY: getnameinfo wrote a NUL-terminated string into `host`.
        let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
        Some(String::from_utf8_lossy(name.to_bytes()).into_owned())
    }

    fn forward(&self, name: &str) -> Vec<IpAddr> {
        use std::net::ToSocketAddrs;
        // std's resolver is getaddrinfo.
        (name, 0u16).to_socket_addrs().map(|it| it.map(|sa| sa.ip()).collect()).unwrap_or_default()
    }
}

/// A sockaddr built from an address without extra crates.
mod socket2_free {
    use std::net::IpAddr;

    pub enum SockAddr {
        V4(libc::sockaddr_in),
        V6(libc::sockaddr_in6),
    }

    impl From<IpAddr> for SockAddr {
        fn from(ip: IpAddr) -> Self {
            match ip {
                IpAddr::V4(a) => {
                    // SAFETY: sockaddr_in is plain old data; all-zero is a valid value.
                    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                    sa.sin_family = libc::AF_INET as libc::sa_family_t;
                    sa.sin_addr = libc::in_addr { s_addr: u32::from_ne_bytes(a.octets()) };
                    SockAddr::V4(sa)
                }
                IpAddr::V6(a) => {
                    // SAFETY: as above.
                    let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                    sa.sin6_addr = libc::in6_addr { s6_addr: a.octets() };
                    SockAddr::V6(sa)
                }
            }
        }
    }

    impl SockAddr {
        pub fn as_ptr(&self) -> *const libc::sockaddr {
            match self {
                SockAddr::V4(sa) => sa as *const libc::sockaddr_in as *const libc::sockaddr,
                SockAddr::V6(sa) => sa as *const libc::sockaddr_in6 as *const libc::sockaddr,
            }
        }

        pub fn len(&self) -> libc::socklen_t {
            (match self {
                SockAddr::V4(_) => std::mem::size_of::<libc::sockaddr_in>(),
                SockAddr::V6(_) => std::mem::size_of::<libc::sockaddr_in6>(),
            }) as libc::socklen_t
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PTR and A records from a table; `slow` never answers in time.
    struct Fake {
        ptr: HashMap<IpAddr, String>,
        a: HashMap<String, Vec<IpAddr>>,
        slow: Option<IpAddr>,
    }

    impl Resolver for Fake {
        fn reverse(&self, ip: IpAddr) -> Option<String> {
            if Some(ip) == self.slow {
                std::thread::sleep(Duration::from_secs(30));
            }
            self.ptr.get(&ip).cloned()
        }
        fn forward(&self, name: &str) -> Vec<IpAddr> {
            self.a.get(name).cloned().unwrap_or_default()
        }
    }

    #[test]
    fn names_are_confirmed_only_when_they_resolve_back() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let fake = Fake {
            ptr: [
                (ip("198.51.100.7"), "scanner.example.net.".to_owned()),
                (ip("203.0.113.9"), "google.com".to_owned()),
                (ip("192.0.2.1"), "<script>x</script>".to_owned()),
            ]
            .into(),
            a: [("scanner.example.net".to_owned(), vec![ip("198.51.100.7")])].into(),
            slow: Some(ip("192.0.2.99")),
        };
        let ips: Vec<String> = ["198.51.100.7", "203.0.113.9", "192.0.2.50", "not-an-ip", "192.0.2.1", "192.0.2.99"]
            .map(String::from)
            .to_vec();
        let found = resolve_all(Arc::new(fake), &ips, 3, Duration::from_millis(1500));
        assert_eq!(found["198.51.100.7"], DnsName { name: "scanner.example.net".into(), confirmed: true });
        assert_eq!(found["203.0.113.9"], DnsName { name: "google.com".into(), confirmed: false });
        // A hostile PTR is kept as text (the report escapes it), unconfirmed.
        assert!(!found["192.0.2.1"].confirmed);
        assert!(!found.contains_key("192.0.2.50"));
        assert!(!found.contains_key("192.0.2.99"), "the slow lookup is cut off by the budget");
        assert_eq!(found.len(), 3);
    }
}
