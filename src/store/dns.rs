//! The store's DNS cache, `dns.parquet`: one row per address that `--dns` looked up
//! (ip, name, confirmed, error, looked_up, expires), so that the next `scan --history
//! --dns` or `report --dns` asks DNS only about what is new or expired. It is no day
//! partition and no part of the manifest: losing it costs lookups, nothing else, so a
//! damaged one is reported and rebuilt. Written like a day file (a new file renamed
//! over the old, synced); read only when it is a regular file, never through a symlink.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::Context;
use polars::prelude::{DataFrame, ParquetReader, SerReader};

use super::tables::{ints, texts, write_parquet};
use super::Store;
use crate::enrich::dns::{CachedName, DnsCache};
use crate::output::parquet_out::to_dataframe;
use crate::output::table::BatchBuilder;
use crate::vocab::labels::{DnsError, DnsName};

pub const DNS_FILE: &str = "dns.parquet";

/// Where the cache of `store` lives.
pub fn path(store: &Store) -> PathBuf {
    store.dir.join(DNS_FILE)
}

/// The cache as last saved; empty when there is none yet.
pub fn load(store: &Store) -> anyhow::Result<DnsCache> {
    let path = path(store);
    // Never through a symlink, never blocking on a FIFO planted in its place.
    let file = match File::options().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DnsCache::default()),
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    let meta = file.metadata().with_context(|| format!("reading {}", path.display()))?;
    anyhow::ensure!(meta.is_file(), "{}: not a regular file", path.display());
    let df = ParquetReader::new(file).finish().with_context(|| format!("reading {}", path.display()))?;
    from_frame(&df).with_context(|| format!("reading {}", path.display()))
}

fn from_frame(df: &DataFrame) -> anyhow::Result<DnsCache> {
    let ip = texts(df, "ip")?;
    let name = texts(df, "name")?;
    let error = texts(df, "error")?;
    let looked_up = ints(df, "looked_up")?;
    let expires = ints(df, "expires")?;
    let confirmed: Vec<Option<bool>> = df.column("confirmed")?.as_materialized_series().bool()?.iter().collect();
    let mut cache = DnsCache::default();
    for i in 0..df.height() {
        // A row this version cannot read is dropped: it is only looked up again.
        let Some(addr) = ip[i].as_deref().and_then(|s| s.parse().ok()) else { continue };
        let error = match error[i].as_deref() {
            None => None,
            Some(e) => match DnsError::from_name(e) {
                Some(e) => Some(e),
                None => continue,
            },
        };
        let (Some(looked_up), Some(expires)) = (looked_up[i], expires[i]) else { continue };
        let dns = DnsName { name: name[i].clone(), confirmed: confirmed[i].unwrap_or(false), error };
        cache.entries.insert(addr, CachedName { dns, looked_up, expires });
    }
    Ok(cache)
}

/// Replaces the saved cache with `cache`.
pub fn save(store: &Store, cache: &DnsCache) -> anyhow::Result<()> {
    let mut rows: Vec<(&std::net::IpAddr, &CachedName)> = cache.entries.iter().collect();
    rows.sort_by_key(|(ip, _)| **ip);
    let batch = BatchBuilder::of(&crate::output::columns::STORE_DNS)
        .text("ip", rows.iter().map(|(ip, _)| Some(ip.to_string())))
        .text("name", rows.iter().map(|(_, c)| c.dns.name.as_deref()))
        .boolean("confirmed", rows.iter().map(|(_, c)| Some(c.dns.confirmed)))
        .category("error", rows.iter().map(|(_, c)| c.dns.error.map(|e| e.as_str())))
        .timestamp("looked_up", rows.iter().map(|(_, c)| Some(c.looked_up)))
        .timestamp("expires", rows.iter().map(|(_, c)| Some(c.expires)))
        .build();
    let mut df = to_dataframe(&batch).context("building the DNS cache table")?;
    write_parquet(&path(store), &mut df)?;
    super::sync_dir(&store.dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_survives_a_save_and_a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), true).unwrap();
        assert!(load(&store).unwrap().is_empty(), "no cache yet");
        let mut cache = DnsCache::default();
        let named = DnsName { name: Some("scan.example.net".into()), confirmed: true, error: None };
        let failed = DnsName { name: None, confirmed: false, error: Some(DnsError::NxDomain) };
        cache.insert("198.51.100.7".parse().unwrap(), named, 1_000_000, std::time::Duration::from_secs(300));
        cache.insert("2001:db8::1".parse().unwrap(), failed, 2_000_000, std::time::Duration::from_secs(3600));
        save(&store, &cache).unwrap();
        assert_eq!(load(&store).unwrap(), cache);

        let elsewhere = dir.path().join("elsewhere.parquet");
        std::fs::rename(path(&store), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, path(&store)).unwrap();
        assert!(load(&store).is_err(), "a symlinked cache is refused");
        save(&store, &cache).unwrap();
        assert!(!std::fs::symlink_metadata(path(&store)).unwrap().file_type().is_symlink(), "replaced, not followed");
        assert_eq!(load(&store).unwrap(), cache);
    }
}
