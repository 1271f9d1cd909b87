//! Checking a history store against its manifest (every day file there, of the size
//! recorded) and repairing what can be: a day file deleted or changed by hand made
//! `query` return the other days silently, and `history info` noticed nothing.

use std::path::PathBuf;

use super::{Manifest, Store};

/// One way a store differs from its manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    /// A day file the manifest lists is not there.
    Missing { table: String, day: String },
    /// A day file is there but not of the size the manifest records.
    Changed { table: String, day: String, bytes: u64, on_disk: u64 },
}

impl Damage {
    pub fn describe(&self) -> String {
        match self {
            Damage::Missing { table, day } => format!("{}: missing", Store::day_path(table, day)),
            Damage::Changed { table, day, bytes, on_disk } => {
                format!("{}: {on_disk} bytes, the manifest says {bytes}", Store::day_path(table, day))
            }
        }
    }
}

impl Store {
    /// Every day file the manifest lists that is missing or of another size.
    pub fn verify(&self) -> Vec<Damage> {
        let mut damage = Vec::new();
        for (table, days) in &self.manifest.tables {
            for (day, file) in days {
                let path = self.dir.join(Store::day_path(table, day));
                match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() && m.len() == file.bytes => {}
                    Ok(m) if m.is_file() => damage.push(Damage::Changed {
                        table: table.clone(),
                        day: day.clone(),
                        bytes: file.bytes,
                        on_disk: m.len(),
                    }),
                    _ => damage.push(Damage::Missing { table: table.clone(), day: day.clone() }),
                }
            }
        }
        damage
    }

    /// Fails with the damage listed unless the store matches its manifest: what reads
    /// the store (`query`, `report`) must not answer from part of it.
    pub fn ensure_whole(&self) -> anyhow::Result<()> {
        let damage = self.verify();
        if damage.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = damage.iter().take(10).map(Damage::describe).collect();
        anyhow::bail!(
            "history store {} is damaged ({} day files differ from its manifest): {}{}; see `knocklog history verify` and `history repair`",
            self.dir.display(),
            damage.len(),
            list.join(", "),
            if damage.len() > 10 { ", ..." } else { "" }
        )
    }

    /// Drops the damaged days from the manifest (the lines they held are gone; the
    /// ledger still knows them as read, so they are not read again and nothing is
    /// counted twice) and moves each changed file aside as `DAY_FILE.damaged-RUN`, so
    /// nothing is deleted. With `dry_run`, only says what it would do. Returns the
    /// actions.
    pub fn repair(&mut self, dry_run: bool) -> anyhow::Result<Vec<String>> {
        let damage = self.verify();
        let mut next: Manifest = self.manifest.clone();
        let mut actions = Vec::new();
        let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
        for d in &damage {
            let (table, day) = match d {
                Damage::Missing { table, day } | Damage::Changed { table, day, .. } => (table, day),
            };
            let run = next.tables.get(table).and_then(|t| t.get(day)).map_or(0, |f| f.run);
            if let Some(days) = next.tables.get_mut(table) {
                days.remove(day);
            }
            actions.push(format!("drop {table} {day} from the manifest ({})", d.describe()));
            if let Damage::Changed { .. } = d {
                let from = self.dir.join(Store::day_path(table, day));
                let to = from.with_extension(format!("parquet.damaged-{run}"));
                actions.push(format!("move {} aside to {}", from.display(), to.display()));
                moves.push((from, to));
            }
        }
        next.tables.retain(|_, days| !days.is_empty());
        if dry_run || damage.is_empty() {
            return Ok(actions);
        }
        for (from, to) in &moves {
            std::fs::rename(from, to).map_err(|e| anyhow::anyhow!("moving {} aside: {e}", from.display()))?;
        }
        self.commit(next)?;
        Ok(actions)
    }
}
