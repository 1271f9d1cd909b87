//! A MaxMind DB writer for tests: a few networks and their records in a file the
//! maxminddb crate reads like GeoLite2 or DB-IP (format 2.0: a binary search tree
//! with 32-bit records, the data section, the metadata map). No database ships with
//! knocklog; tests build the ones they need.

use std::net::IpAddr;

/// A record value (the types the GeoIP2 and ASN databases use).
#[derive(Clone, Debug)]
pub enum Value {
    Str(String),
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(String, Value)>),
    Array(Vec<Value>),
}

/// `{"country": {"iso_code": CC, "names": {"en": NAME}}}`, as GeoLite2-Country and
/// DB-IP's country database hold it.
pub fn country(iso: &str, name: &str) -> Value {
    let names = Value::Map(vec![("en".into(), Value::Str(name.into()))]);
    let country = Value::Map(vec![("iso_code".into(), Value::Str(iso.into())), ("names".into(), names)]);
    Value::Map(vec![("country".into(), country)])
}

/// `{"autonomous_system_number": N, "autonomous_system_organization": ORG}`, as
/// GeoLite2-ASN holds it (uint32); writers that pick the smallest width store small
/// numbers as uint16.
pub fn asn(number: u32, org: &str) -> Value {
    let n = match u16::try_from(number) {
        Ok(small) if number % 2 == 1 => Value::U16(small),
        _ => Value::U32(number),
    };
    Value::Map(vec![
        ("autonomous_system_number".into(), n),
        ("autonomous_system_organization".into(), Value::Str(org.into())),
    ])
}

#[derive(Clone, Copy)]
enum Record {
    Empty,
    Node(u32),
    Data(u32),
}

/// An IPv6 database (IPv4 networks live under `::/96`, where readers look them up)
/// holding `networks`, given wider first when they nest.
pub fn build(database_type: &str, networks: &[(&str, Value)]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty; 2]];
    for (cidr, value) in networks {
        let offset = data.len() as u32;
        encode(value, &mut data);
        let (bits, prefix) = key_of(cidr);
        insert(&mut nodes, bits, prefix, offset);
    }
    let node_count = nodes.len() as u32;
    let mut out = Vec::new();
    for node in &nodes {
        for record in node {
            let v = match *record {
                Record::Empty => node_count,
                Record::Node(i) => i,
                Record::Data(offset) => node_count + 16 + offset,
            };
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
    let metadata = Value::Map(vec![
        ("binary_format_major_version".into(), Value::U16(2)),
        ("binary_format_minor_version".into(), Value::U16(0)),
        ("build_epoch".into(), Value::U64(1_764_000_000)),
        ("database_type".into(), Value::Str(database_type.into())),
        ("description".into(), Value::Map(vec![("en".into(), Value::Str("knocklog test database".into()))])),
        ("ip_version".into(), Value::U16(6)),
        ("languages".into(), Value::Array(vec![Value::Str("en".into())])),
        ("node_count".into(), Value::U32(node_count)),
        ("record_size".into(), Value::U16(32)),
    ]);
    encode(&metadata, &mut out);
    out
}

/// The 128-bit key and prefix of a CIDR (IPv4 under `::/96`).
fn key_of(cidr: &str) -> (u128, u32) {
    let (addr, prefix) = cidr.split_once('/').unwrap_or((cidr, ""));
    match addr.parse::<IpAddr>().expect("a test network") {
        IpAddr::V4(a) => (u32::from(a) as u128, 96 + prefix.parse::<u32>().unwrap_or(32)),
        IpAddr::V6(a) => (u128::from(a), prefix.parse().unwrap_or(128)),
    }
}

fn insert(nodes: &mut Vec<[Record; 2]>, key: u128, prefix: u32, offset: u32) {
    let mut node = 0usize;
    for depth in 0..prefix {
        let bit = ((key >> (127 - depth)) & 1) as usize;
        if depth + 1 == prefix {
            nodes[node][bit] = Record::Data(offset);
            return;
        }
        node = match nodes[node][bit] {
            Record::Node(i) => i as usize,
            // A narrower network inside a wider one: both halves keep the wider record.
            other => {
                nodes.push([other; 2]);
                let i = nodes.len() - 1;
                nodes[node][bit] = Record::Node(i as u32);
                i
            }
        };
    }
}

/// The data section's encoding: a control byte (type, size), then the payload.
fn encode(value: &Value, out: &mut Vec<u8>) {
    fn uint(out: &mut Vec<u8>, kind: u8, v: u64) {
        let bytes = v.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        control(out, kind, bytes.len() - skip);
        out.extend_from_slice(&bytes[skip..]);
    }
    match value {
        Value::Str(s) => {
            control(out, 2, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        Value::U16(v) => uint(out, 5, u64::from(*v)),
        Value::U32(v) => uint(out, 6, u64::from(*v)),
        Value::U64(v) => uint(out, 9, *v),
        Value::Map(pairs) => {
            control(out, 7, pairs.len());
            for (k, v) in pairs {
                encode(&Value::Str(k.clone()), out);
                encode(v, out);
            }
        }
        Value::Array(items) => {
            control(out, 11, items.len());
            items.iter().for_each(|v| encode(v, out));
        }
    }
}

fn control(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (size_bits, extra): (u8, Vec<u8>) = match size {
        0..=28 => (size as u8, vec![]),
        29..=284 => (29, vec![(size - 29) as u8]),
        285..=65_820 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec()),
    };
    if kind <= 7 {
        out.push(kind << 5 | size_bits);
    } else {
        out.push(size_bits);
        out.push(kind - 7);
    }
    out.extend_from_slice(&extra);
}
