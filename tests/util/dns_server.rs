//! A DNS server on 127.0.0.1 (an ephemeral port, UDP and TCP) for the tests of
//! `--dns`: it answers from a table of names, counts the queries it gets, and can fail
//! the ways real servers do (NXDOMAIN, SERVFAIL, REFUSED, no record, no answer at all,
//! a truncated UDP answer whose whole is only over TCP). Messages are parsed and made
//! with hickory-proto. It stops when dropped.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA, PTR, SOA};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

/// What the server says to a query.
#[derive(Clone, Debug)]
pub enum Reply {
    /// These records, with this TTL.
    Records(Vec<RData>, u32),
    /// NXDOMAIN, with an SOA whose minimum is this negative TTL.
    NxDomain(u32),
    ServFail,
    Refused,
    /// NOERROR without a record.
    Empty,
    /// Never answers.
    Silent,
    /// Over UDP an empty answer with the TC bit; over TCP these records.
    Truncated(Vec<RData>, u32),
}

/// The table: a query's name (lower case, without the final dot) and type. Anything
/// else is NXDOMAIN.
pub type Zone = HashMap<(String, RecordType), Reply>;

/// `4.3.2.1.in-addr.arpa` for 1.2.3.4 (and the ip6.arpa name of an IPv6 address).
pub fn reverse_name(ip: IpAddr) -> String {
    key(&Name::from(ip))
}

fn key(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

pub fn name(text: &str) -> Name {
    Name::from_ascii(format!("{text}.")).expect("a valid name")
}

pub fn ptr(target: &str) -> RData {
    RData::PTR(PTR(name(target)))
}

pub fn address(ip: &str) -> RData {
    match ip.parse::<IpAddr>().expect("an address") {
        IpAddr::V4(a) => RData::A(A(a)),
        IpAddr::V6(a) => RData::AAAA(AAAA(a)),
    }
}

/// Adds a PTR for `ip` and, if `back` is given, the A/AAAA record of the name.
pub fn two_way(zone: &mut Zone, ip: &str, host: &str, back: Option<&str>, ttl: u32) {
    let addr: IpAddr = ip.parse().expect("an address");
    zone.insert((reverse_name(addr), RecordType::PTR), Reply::Records(vec![ptr(host)], ttl));
    if let Some(back) = back {
        let kind = if back.contains(':') { RecordType::AAAA } else { RecordType::A };
        zone.insert((host.to_ascii_lowercase(), kind), Reply::Records(vec![address(back)], ttl));
    }
}

pub struct TestDns {
    pub addr: SocketAddr,
    zone: Arc<Mutex<Zone>>,
    queries: Arc<Mutex<HashMap<(String, RecordType), usize>>>,
    total: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl TestDns {
    pub fn start(zone: Zone) -> TestDns {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("binding a UDP port on 127.0.0.1");
        let addr = udp.local_addr().unwrap();
        let tcp = TcpListener::bind(addr).expect("binding the same port over TCP");
        udp.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        tcp.set_nonblocking(true).unwrap();
        let server = TestDns {
            addr,
            zone: Arc::new(Mutex::new(zone)),
            queries: Arc::default(),
            total: Arc::default(),
            stop: Arc::default(),
            threads: Vec::new(),
        };
        let mut server = server;
        let answer = server.answerer();
        let stop = server.stop.clone();
        server.threads.push(std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop.load(Ordering::Relaxed) {
                let Ok((n, from)) = udp.recv_from(&mut buf) else { continue };
                if let Some(reply) = answer(&buf[..n], false) {
                    let _ = udp.send_to(&reply, from);
                }
            }
        }));
        let answer = server.answerer();
        let stop = server.stop.clone();
        server.threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok((mut conn, _)) = tcp.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                // Length-prefixed messages until the client closes.
                loop {
                    let mut len = [0u8; 2];
                    if conn.read_exact(&mut len).is_err() {
                        break;
                    }
                    let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
                    if conn.read_exact(&mut msg).is_err() {
                        break;
                    }
                    let Some(reply) = answer(&msg, true) else { continue };
                    let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                    framed.extend(reply);
                    if conn.write_all(&framed).is_err() {
                        break;
                    }
                }
            }
        }));
        server
    }

    /// The socket's answer to one query message, if it answers.
    fn answerer(&self) -> impl Fn(&[u8], bool) -> Option<Vec<u8>> + Send + 'static {
        let (zone, queries, total) = (self.zone.clone(), self.queries.clone(), self.total.clone());
        move |bytes, over_tcp| {
            let request = Message::from_vec(bytes).ok()?;
            let query = request.queries.first()?.clone();
            let asked = (key(&query.name), query.query_type);
            total.fetch_add(1, Ordering::SeqCst);
            *queries.lock().unwrap().entry(asked.clone()).or_default() += 1;
            let reply = zone.lock().unwrap().get(&asked).cloned().unwrap_or(Reply::NxDomain(60));
            let mut response = Message::response(request.metadata.id, request.metadata.op_code);
            response.metadata.recursion_desired = request.metadata.recursion_desired;
            response.metadata.recursion_available = true;
            response.metadata.authoritative = true;
            response.add_query(query.clone());
            let records = |data: Vec<RData>, ttl: u32| -> Vec<Record> {
                data.into_iter().map(|d| Record::from_rdata(query.name.clone(), ttl, d)).collect()
            };
            match reply {
                Reply::Records(data, ttl) => {
                    response.add_answers(records(data, ttl));
                }
                Reply::NxDomain(minimum) => {
                    response.metadata.response_code = ResponseCode::NXDomain;
                    let soa = SOA::new(name("ns.test"), name("admin.test"), 1, 3600, 600, 86400, minimum);
                    response.add_authority(Record::from_rdata(name("test"), minimum, RData::SOA(soa)));
                }
                Reply::ServFail => response.metadata.response_code = ResponseCode::ServFail,
                Reply::Refused => response.metadata.response_code = ResponseCode::Refused,
                Reply::Empty => {}
                Reply::Silent => return None,
                Reply::Truncated(data, ttl) => {
                    if over_tcp {
                        response.add_answers(records(data, ttl));
                    } else {
                        response.metadata.truncation = true;
                    }
                }
            }
            response.to_vec().ok()
        }
    }

    /// Queries received so far (UDP and TCP).
    pub fn queries(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Queries received for one name (as `Zone` keys it) and type.
    pub fn queries_for(&self, name: &str, kind: RecordType) -> usize {
        self.queries.lock().unwrap().get(&(name.to_owned(), kind)).copied().unwrap_or(0)
    }

    /// Changes what the server says from now on.
    pub fn set(&self, name: String, kind: RecordType, reply: Reply) {
        self.zone.lock().unwrap().insert((name, kind), reply);
    }

    /// `IP:PORT`, for `--dns-server`.
    pub fn server_arg(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
