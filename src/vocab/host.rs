//! What the scanned server itself looks like when knocklog runs on it: its own
//! addresses and the sockets it listens on (filled in by `enrich::host`).

use std::net::IpAddr;

use serde::Serialize;

/// This machine, read from its interfaces and /proc.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HostInfo {
    /// Interface addresses (also what keeps them off the blocklists).
    pub addresses: Vec<IpAddr>,
    /// Listening TCP sockets and bound, unconnected UDP sockets, by protocol and port.
    pub listening: Vec<Listener>,
    /// What could not be read (a missing /proc file, processes of other users), said
    /// rather than guessed around.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Listener {
    /// `tcp` or `udp` (IPv6 sockets included).
    pub protocol: &'static str,
    pub address: IpAddr,
    pub port: u16,
    /// The owning process's name (`/proc/PID/comm`) and pid, where readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

impl HostInfo {
    /// True when some socket of `protocol` listens on `port` (on any address).
    pub fn listens(&self, protocol: &str, port: u16) -> bool {
        self.listening.iter().any(|l| l.protocol == protocol && l.port == port)
    }
}
