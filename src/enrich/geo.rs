//! Country and autonomous-system labels from a MaxMind DB file (`--geoip`, `--asn`):
//! GeoLite2-Country/City/ASN or DB-IP's lite databases, read by the maxminddb crate.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::aggregate::blocklist::Net;
use crate::vocab::files::read_small_file;

/// Largest database read (DB-IP's city database is about 130 MB).
const MAX_DATABASE_BYTES: u64 = 1 << 30;

/// An open database (read whole into memory: lookups are then plain slice reads).
pub struct GeoDb {
    reader: maxminddb::Reader<Vec<u8>>,
    pub path: PathBuf,
}

/// The fields knocklog reads of a record, in the shapes the common databases use.
#[derive(Deserialize, Default)]
struct Record<'a> {
    #[serde(borrow, default)]
    country: Option<Place<'a>>,
    /// Where the block is registered: GeoLite2's only country for some anycast and
    /// satellite blocks.
    #[serde(borrow, default)]
    registered_country: Option<Place<'a>>,
    /// Flat databases (ip-location-db and the like) name the country directly.
    #[serde(default)]
    country_code: Option<&'a str>,
    /// Any unsigned width (GeoLite2 writes uint32; other writers pick the smallest).
    #[serde(default, deserialize_with = "any_asn")]
    autonomous_system_number: Option<u32>,
    #[serde(default)]
    autonomous_system_organization: Option<&'a str>,
}

/// An AS number stored as any unsigned integer, or as text (`AS64500`, `64500`).
fn any_asn<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    struct Number;
    impl serde::de::Visitor<'_> for Number {
        type Value = Option<u32>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an AS number")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(u32::try_from(v).ok())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(u32::try_from(v).ok())
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim_start_matches(['A', 'S', 'a', 's']).parse().ok())
        }
    }
    d.deserialize_any(Number)
}

#[derive(Deserialize, Default)]
struct Place<'a> {
    #[serde(default)]
    iso_code: Option<&'a str>,
}

/// What a lookup found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoLabels {
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
}

impl GeoDb {
    pub fn open(path: &Path) -> Result<GeoDb, String> {
        let bytes = read_small_file(path, MAX_DATABASE_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
        let reader = maxminddb::Reader::from_source(bytes)
            .map_err(|e| format!("{}: not a MaxMind DB file ({e})", path.display()))?;
        Ok(GeoDb { reader, path: path.to_owned() })
    }

    /// The database's type as it names itself (`GeoLite2-Country`, `DBIP-ASN-Lite`).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// The record for `ip`; a corrupt record reads as nothing known.
    pub fn lookup(&self, ip: IpAddr) -> GeoLabels {
        let record = self.reader.lookup(ip).ok().and_then(|r| r.decode::<Record>().ok().flatten()).unwrap_or_default();
        labels_of(record)
    }
}

impl GeoDb {
    /// Every network of the database whose record `keep` accepts, as CIDR blocks (an
    /// IPv4 network stored under `::/96` comes back as IPv4).
    pub fn networks_where(&self, keep: impl Fn(&GeoLabels) -> bool) -> Result<Vec<Net>, String> {
        let mut out = Vec::new();
        let walk = self.reader.networks(Default::default()).map_err(|e| format!("{}: {e}", self.path.display()))?;
        for found in walk {
            let found = found.map_err(|e| format!("{}: {e}", self.path.display()))?;
            let Ok(Some(record)) = found.decode::<Record>() else { continue };
            if !keep(&labels_of(record)) {
                continue;
            }
            let Ok(network) = found.network() else { continue };
            let net = match network.ip() {
                IpAddr::V6(v6) if network.prefix() >= 96 && u128::from(v6) >> 32 == 0 => {
                    Net::new(false, u128::from(v6) & 0xffff_ffff, network.prefix() - 96)
                }
                ip => Net::new(ip.is_ipv6(), net_key(ip), network.prefix()),
            };
            out.push(net);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

fn net_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

fn labels_of(record: Record) -> GeoLabels {
    let country = [record.country, record.registered_country]
        .into_iter()
        .find_map(|p| p.and_then(|p| p.iso_code))
        .or(record.country_code);
    GeoLabels {
        country: country.and_then(clean_country),
        asn: record.autonomous_system_number,
        as_org: record.autonomous_system_organization.map(clean_org),
    }
}

/// Two ASCII letters, upper case; anything else is not a country code.
fn clean_country(code: &str) -> Option<String> {
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic())).then(|| code.to_ascii_uppercase())
}

/// Control characters out and a bounded length: the name is shown in every output.
fn clean_org(org: &str) -> String {
    org.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// Shares equal label strings between addresses (a million addresses have a few
/// thousand organisations).
#[derive(Default)]
pub struct Interner(rustc_hash::FxHashMap<String, Arc<str>>);

impl Interner {
    pub fn get(&mut self, text: String) -> Arc<str> {
        self.0.entry(text).or_insert_with_key(|k| Arc::from(k.as_str())).clone()
    }
}

#[cfg(test)]
#[path = "../../tests/util/mmdb.rs"]
mod mmdb;

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &Path, name: &str, kind: &str, networks: &[(&str, mmdb::Value)]) -> GeoDb {
        let path = dir.join(name);
        std::fs::write(&path, mmdb::build(kind, networks)).unwrap();
        GeoDb::open(&path).unwrap()
    }

    #[test]
    fn reads_country_and_as_databases_in_both_families() {
        let dir = tempfile::tempdir().unwrap();
        let country = db(
            dir.path(),
            "country.mmdb",
            "GeoLite2-Country",
            &[
                ("198.51.100.0/24", mmdb::country("DE", "Germany")),
                ("2001:db8::/32", mmdb::country("jp", "Japan")),
                ("203.0.113.0/24", mmdb::country("<script>", "x")),
            ],
        );
        assert_eq!(country.database_type(), "GeoLite2-Country");
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(country.lookup(ip("198.51.100.9")).country.as_deref(), Some("DE"));
        assert_eq!(country.lookup(ip("2001:db8::1")).country.as_deref(), Some("JP"));
        assert_eq!(country.lookup(ip("192.0.2.1")), GeoLabels::default());
        assert_eq!(country.lookup(ip("203.0.113.1")).country, None, "not a country code");
        let asn = db(
            dir.path(),
            "asn.mmdb",
            "GeoLite2-ASN",
            &[
                ("198.51.100.0/25", mmdb::asn(64500, "Example\u{1b}[31m Hosting")),
                ("10.0.0.0/8", mmdb::asn(64501, "LAN")),
            ],
        );
        let got = asn.lookup(ip("198.51.100.7"));
        assert_eq!((got.asn, got.as_org.as_deref()), (Some(64500), Some("Example[31m Hosting")));
        assert_eq!(asn.lookup(ip("198.51.100.200")), GeoLabels::default());
        let nets = |db: &GeoDb, f: &dyn Fn(&GeoLabels) -> bool| -> Vec<String> {
            db.networks_where(f).unwrap().iter().map(|n| n.to_string()).collect()
        };
        assert_eq!(nets(&country, &|l| l.country.as_deref() == Some("DE")), ["198.51.100.0/24"]);
        assert_eq!(nets(&country, &|l| l.country.as_deref() == Some("JP")), ["2001:db8::/32"]);
        assert_eq!(nets(&asn, &|l| l.asn == Some(64501)), ["10.0.0.0/8"]);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("GeoLite2-Country.mmdb");
        std::fs::write(&path, b"not a database").unwrap();
        let err = GeoDb::open(&path).err().unwrap();
        assert!(err.contains("GeoLite2-Country.mmdb") && err.contains("not a MaxMind DB"), "{err}");
    }
}
