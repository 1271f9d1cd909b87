//! The live host's listening sockets, read from /proc/net/{tcp,tcp6,udp,udp6}, with
//! the owning process found through /proc/PID/fd where readable, and its interface
//! addresses. Everything comes from a /proc root given by the caller, so tests read a
//! fixture.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::vocab::host::{HostInfo, Listener};

/// Most sockets and processes read: a busy server has thousands; a hostile /proc
/// (a fixture, a container) cannot make this unbounded.
const MAX_SOCKETS: usize = 100_000;
const MAX_PROCESSES: usize = 100_000;

/// TCP_LISTEN, and the state an unconnected UDP socket shows (TCP_CLOSE).
const TCP_LISTEN: &str = "0A";
const UDP_UNCONNECTED: &str = "07";

/// Reads the host under `proc_root` (`/proc` on the live system).
pub fn read(proc_root: &Path) -> HostInfo {
    let mut info = HostInfo::default();
    match super::own::system_addresses() {
        Ok(addrs) => info.addresses = addrs,
        Err(e) => info.notes.push(format!("this machine's addresses could not be read: {e}")),
    }
    // (inode, protocol, address, port) of every listening socket.
    let mut sockets: Vec<(u64, &'static str, IpAddr, u16)> = Vec::new();
    for (file, protocol, v6, state) in [
        ("tcp", "tcp", false, TCP_LISTEN),
        ("tcp6", "tcp", true, TCP_LISTEN),
        ("udp", "udp", false, UDP_UNCONNECTED),
        ("udp6", "udp", true, UDP_UNCONNECTED),
    ] {
        let path = proc_root.join("net").join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for line in text.lines().skip(1).take(MAX_SOCKETS) {
                    if let Some((inode, address, port)) = listening_socket(line, v6, state) {
                        sockets.push((inode, protocol, address, port));
                    }
                }
            }
            // A kernel without IPv6 has no tcp6: not worth a note.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && v6 => {}
            Err(e) => info.notes.push(format!("{}: {e}", path.display())),
        }
    }
    let owners = socket_owners(proc_root, &mut info.notes);
    for (inode, protocol, address, port) in sockets {
        let owner = owners.get(&inode);
        info.listening.push(Listener {
            protocol,
            address,
            port,
            process: owner.map(|o| o.1.clone()),
            pid: owner.map(|o| o.0),
        });
    }
    info.listening.sort();
    info.listening.dedup();
    info
}

/// `(inode, address, port)` of one /proc/net line if it is in `state` and, for UDP,
/// not connected to a peer.
fn listening_socket(line: &str, v6: bool, state: &str) -> Option<(u64, IpAddr, u16)> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (local, remote, st, inode) = (fields.get(1)?, fields.get(2)?, fields.get(3)?, fields.get(9)?);
    if *st != state {
        return None;
    }
    let (address, port) = endpoint(local, v6)?;
    if state == UDP_UNCONNECTED && endpoint(remote, v6)?.1 != 0 {
        return None;
    }
    Some((inode.parse().ok()?, address, port))
}

/// `0100007F:0016` -> 127.0.0.1:22. The kernel prints each 32-bit word of the address
/// in this machine's byte order, and the port in network order as a number.
fn endpoint(text: &str, v6: bool) -> Option<(IpAddr, u16)> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<u32> = (0..addr.len() / 8)
        .map(|i| addr.get(i * 8..i * 8 + 8).and_then(|w| u32::from_str_radix(w, 16).ok()))
        .collect::<Option<_>>()?;
    let mut bytes = Vec::with_capacity(16);
    for w in &words {
        bytes.extend_from_slice(&w.to_ne_bytes());
    }
    let ip = match (v6, bytes.len()) {
        (false, 4) => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        (true, 16) => {
            let v6 = Ipv6Addr::from(<[u8; 16]>::try_from(bytes.as_slice()).ok()?);
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
        _ => return None,
    };
    Some((ip, port))
}

/// Socket inode -> (pid, process name), from the `socket:[INODE]` links in each
/// process's fd directory. Other users' processes are unreadable unless root: their
/// sockets keep no owner, and a note says how many processes were not readable.
fn socket_owners(proc_root: &Path, notes: &mut Vec<String>) -> HashMap<u64, (u32, String)> {
    let mut owners = HashMap::new();
    let Ok(entries) = std::fs::read_dir(proc_root) else { return owners };
    let mut unreadable = 0usize;
    for entry in entries.flatten().take(MAX_PROCESSES) {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let dir = entry.path();
        let Ok(fds) = std::fs::read_dir(dir.join("fd")) else {
            unreadable += 1;
            continue;
        };
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let name: String = comm.trim_end().chars().filter(|c| !c.is_control()).take(64).collect();
        for fd in fds.flatten().take(MAX_SOCKETS) {
            // read_link never follows the link: it only reads where it points.
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let target = target.to_string_lossy();
            if let Some(inode) = target.strip_prefix("socket:[").and_then(|t| t.strip_suffix(']')) {
                if let Ok(inode) = inode.parse::<u64>() {
                    owners.entry(inode).or_insert_with(|| (pid, name.clone()));
                }
            }
        }
    }
    if unreadable > 0 {
        let processes = if unreadable == 1 { "process" } else { "processes" };
        notes.push(format!(
            "the sockets of {unreadable} {processes} could not be matched to them (their /proc/PID/fd is not readable: run as root to see every owner)"
        ));
    }
    owners
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A /proc as Linux writes it on a little-endian machine: sshd on 0.0.0.0:22 and
    /// [::]:22, nginx on :80, a connected socket, a resolver on 127.0.0.53:53/udp
    /// and a connected UDP socket.
    fn fixture(root: &Path) {
        let net = root.join("net");
        std::fs::create_dir_all(&net).unwrap();
        let le = |a: [u8; 4]| format!("{:08X}", u32::from_ne_bytes(a));
        let head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        std::fs::write(
            net.join("tcp"),
            format!(
                "{head}   0: {}:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 100 0 0 10 0\n   1: {}:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 1002 1 0 100 0 0 10 0\n   2: {}:0016 {}:C350 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0 100 0 0 10 0\n",
                le([0, 0, 0, 0]),
                le([0, 0, 0, 0]),
                le([192, 0, 2, 10]),
                le([203, 0, 113, 7]),
            ),
        )
        .unwrap();
        std::fs::write(
            net.join("tcp6"),
            format!("{head}   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0 100 0 0 10 0\n   1: garbage\n"),
        )
        .unwrap();
        std::fs::write(
            net.join("udp"),
            format!(
                "{head}  10: {}:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 1005 2 0 0\n  11: {}:D431 {}:0035 01 00000000:00000000 00:00000000 00000000     0        0 1006 2 0 0\n",
                le([127, 0, 0, 53]),
                le([192, 0, 2, 10]),
                le([192, 0, 2, 1]),
            ),
        )
        .unwrap();
        for (pid, comm, inodes) in [(700, "sshd\n", &[1001u64, 1004][..]), (800, "nginx\n", &[1002][..])] {
            let fd = root.join(pid.to_string()).join("fd");
            std::fs::create_dir_all(&fd).unwrap();
            std::fs::write(root.join(pid.to_string()).join("comm"), comm).unwrap();
            for (i, inode) in inodes.iter().enumerate() {
                symlink(format!("socket:[{inode}]"), fd.join(i.to_string())).unwrap();
            }
            symlink("/dev/null", fd.join("99")).unwrap();
        }
        // A process whose fds cannot be read (another user's, for a non-root reader).
        std::fs::create_dir_all(root.join("900")).unwrap();
    }

    #[test]
    fn listening_sockets_and_their_owners_are_read_from_proc() {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path());
        let info = read(dir.path());
        let shown: Vec<String> = info
            .listening
            .iter()
            .map(|l| format!("{} {}:{} {}", l.protocol, l.address, l.port, l.process.as_deref().unwrap_or("?")))
            .collect();
        assert_eq!(shown, ["tcp 0.0.0.0:22 sshd", "tcp 0.0.0.0:80 nginx", "tcp :::22 sshd", "udp 127.0.0.53:53 ?"]);
        assert!(info.listens("tcp", 22) && info.listens("udp", 53) && !info.listens("tcp", 443));
        assert_eq!(info.notes.len(), 1, "a missing udp6 is no note: {:?}", info.notes);
        assert!(info.notes[0].contains("of 1 process could not"), "{:?}", info.notes);
        // This machine's own addresses come from its interfaces.
        assert_eq!(info.addresses, super::super::own::system_addresses().unwrap());
    }

    #[test]
    fn the_kernels_address_spelling_is_read_in_this_machines_byte_order() {
        let word = format!("{:08X}", u32::from_ne_bytes([127, 0, 0, 1]));
        assert_eq!(endpoint(&format!("{word}:0016"), false), Some(("127.0.0.1".parse().unwrap(), 22)));
        let v6: String = [[0x20, 0x01, 0x0d, 0xb8], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
            .iter()
            .map(|w| format!("{:08X}", u32::from_ne_bytes(*w)))
            .collect();
        assert_eq!(endpoint(&format!("{v6}:01BB"), true), Some(("2001:db8::1".parse().unwrap(), 443)));
        assert_eq!(endpoint("zz:0016", false), None);
        assert_eq!(endpoint("0100007F", false), None);
    }
}
