//! A fleet: several hosts' history stores side by side as `FLEET/server=NAME/` (each
//! host's store copied into its own directory), read as one dataset by `knocklog query`
//! and `knocklog report`. The partition key is `server`, not `host`: the events carry
//! a `host` column of their own (the syslog host field), which a `host=` directory
//! level would silently overwrite in DuckDB and polars.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The directory level that names a server of a fleet.
pub const KEY: &str = "server";

/// One server of a fleet: its name (from its directory) and its store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub dir: PathBuf,
}

/// The servers of `dir` when it is a fleet: it is no store itself (no manifest.json)
/// and holds `server=NAME` directories that are stores. None when it is not a fleet.
/// A `server=` directory that is no store, or a name that could not stand in a hive
/// path, is an error naming it: a fleet read without one of its servers would answer
/// for less than it says.
pub fn servers(dir: &Path) -> anyhow::Result<Option<Vec<Server>>> {
    if dir.join(super::MANIFEST).exists() || !dir.is_dir() {
        return Ok(None);
    }
    let mut servers = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str().and_then(|n| n.strip_prefix(KEY)).and_then(|n| n.strip_prefix('=')) else {
            continue;
        };
        let path = entry.path();
        check_name(name).with_context(|| crate::vocab::text::for_terminal(&path.display().to_string()))?;
        // A planted symlink would make the fleet read (and lock) a store elsewhere.
        let meta = std::fs::symlink_metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        anyhow::ensure!(meta.is_dir(), "{}: a server of the fleet must be a directory, not a link", path.display());
        anyhow::ensure!(
            path.join(super::MANIFEST).is_file(),
            "{}: no knocklog history store there (no {}); copy the host's whole store into it",
            path.display(),
            super::MANIFEST
        );
        servers.push(Server { name: name.to_owned(), dir: path });
    }
    servers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((!servers.is_empty()).then_some(servers))
}

/// A server's name stands in paths and queries as a hive partition value: letters,
/// digits, '.', '-' and '_', as in host names.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    anyhow::ensure!(
        valid,
        "server name {:?}: a server's name is letters, digits, '.', '-' and '_' (it is a partition value in every query)",
        crate::vocab::text::for_terminal(name)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_is_server_directories_holding_stores() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(servers(dir.path()).unwrap(), None, "an empty directory is no fleet");
        for name in ["web-1", "db.example.org"] {
            let store = dir.path().join(format!("server={name}"));
            std::fs::create_dir(&store).unwrap();
            std::fs::write(store.join(super::super::MANIFEST), "{}").unwrap();
        }
        std::fs::create_dir(dir.path().join("notes")).unwrap();
        let found = servers(dir.path()).unwrap().unwrap();
        assert_eq!(found.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["db.example.org", "web-1"]);
        // A store is not a fleet, even with server= directories beside its tables.
        std::fs::write(dir.path().join(super::super::MANIFEST), "{}").unwrap();
        assert_eq!(servers(dir.path()).unwrap(), None);
    }

    #[test]
    fn a_server_without_a_store_or_with_an_odd_name_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("server=web-1")).unwrap();
        let e = servers(dir.path()).unwrap_err().to_string();
        assert!(e.contains("server=web-1") && e.contains("no knocklog history store"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("server=a b")).unwrap();
        assert!(format!("{:#}", servers(dir.path()).unwrap_err()).contains("a server's name"));
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join(super::super::MANIFEST), "{}").unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("server=x")).unwrap();
        assert!(servers(dir.path()).unwrap_err().to_string().contains("not a link"));
    }
}
