//! Addresses as links: every listed address gets a sanitised, unique anchor id, and a
//! cell or label naming it links to its drill-down panel, or to its row of the
//! visitors table when it has no panel. An address the report does not list stays
//! plain text, so no link points at nothing.

use rustc_hash::{FxHashMap, FxHashSet};

use super::VisitorRow;

/// Characters of an address kept in its id (the rest would only make ids long).
const ID_CHARS: usize = 48;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Links {
    /// Address -> (id base, has a panel).
    ids: FxHashMap<String, (String, bool)>,
}

impl Links {
    /// Ids of `visitors` (worst first), the first `panels` with a panel.
    pub fn of(visitors: &[VisitorRow], panels: usize) -> Links {
        let mut taken: FxHashSet<String> = FxHashSet::default();
        let mut ids = FxHashMap::default();
        for (i, v) in visitors.iter().enumerate() {
            if ids.contains_key(&v.ip) {
                continue;
            }
            let base = sanitise(&v.ip);
            // Two spellings may sanitise alike (`a.b`, `a-b`): a number tells them apart.
            let mut id = base.clone();
            let mut n = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            ids.insert(v.ip.clone(), (id, i < panels));
        }
        Links { ids }
    }

    /// The id of `ip`'s panel, when it has one: `knocklog-ip-…`.
    pub fn panel_id(&self, ip: &str) -> Option<String> {
        self.ids.get(ip).filter(|(_, panel)| *panel).map(|(id, _)| format!("knocklog-ip-{id}"))
    }

    /// The id of `ip`'s row in the visitors table: `knocklog-row-…`.
    pub fn row_id(&self, ip: &str) -> Option<String> {
        self.ids.get(ip).map(|(id, _)| format!("knocklog-row-{id}"))
    }

    /// Where a mention of `ip` links to: its panel, else its visitors row.
    pub fn target(&self, ip: &str) -> Option<String> {
        self.panel_id(ip).or_else(|| self.row_id(ip))
    }

    pub fn panels(&self) -> usize {
        self.ids.values().filter(|(_, p)| *p).count()
    }
}

/// An address as id characters: letters and digits kept, `.` -> `-`, `:` -> `_`,
/// anything else -> `x` and its code in hex. Attacker text never reaches an id.
pub fn sanitise(ip: &str) -> String {
    let mut out = String::with_capacity(ip.len().min(ID_CHARS));
    for c in ip.chars().take(ID_CHARS) {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => out.push(c),
            '.' => out.push('-'),
            ':' => out.push('_'),
            c => out.push_str(&format!("x{:x}", c as u32)),
        }
    }
    out
}
