//! This machine's own addresses (every interface, via getifaddrs), so a blocklist made
//! on the server can never lock the server out of itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::aggregate::blocklist::BlocklistSettings;

/// Makes every interface address of this machine an own address of the blocklist.
/// On failure the settings keep only the user's own addresses, and the error says so.
pub fn protect_this_host(settings: &mut BlocklistSettings) -> Result<(), String> {
    let addrs = system_addresses().map_err(|e| {
        format!("cannot read this machine's addresses ({e}); only --own-address ones are kept off the blocklist")
    })?;
    settings.add_system_addresses(&addrs);
    Ok(())
}

/// The addresses configured on this machine's interfaces, sorted, without duplicates.
/// An error (no getifaddrs, no permission) is returned, never guessed around.
pub fn system_addresses() -> std::io::Result<Vec<IpAddr>> {
    let mut out = Vec::new();
    #[cfg(unix)]
    {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        // SAFETY: getifaddrs fills `list` with a linked list it allocated; we only read
        // it, and free it once with freeifaddrs.
        if unsafe { libc::getifaddrs(&mut list) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut at = list;
        while !at.is_null() {
            // SAFETY: `at` is a node of the list returned above, not yet freed.
            let node = unsafe { &*at };
            if let Some(ip) = unsafe { sockaddr_ip(node.ifa_addr) } {
                out.push(ip);
            }
            at = node.ifa_next;
        }
        // SAFETY: `list` came from getifaddrs and is freed exactly once.
        unsafe { libc::freeifaddrs(list) };
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The IPv4 or IPv6 address of a sockaddr, if it is one.
///
/// # Safety
/// `sa` is null or points to a sockaddr whose size matches its family.
#[cfg(unix)]
unsafe fn sockaddr_ip(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    match (*sa).sa_family as libc::c_int {
        libc::AF_INET => {
            let sin = &*(sa as *const libc::sockaddr_in);
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr))))
        }
        libc::AF_INET6 => {
            let sin6 = &*(sa as *const libc::sockaddr_in6);
            Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_machines_addresses() {
        let addrs = system_addresses().expect("getifaddrs");
        // Every Linux network namespace has a loopback interface, up or not; when it is
        // up it carries 127.0.0.1.
        let lo_up = std::fs::read_to_string("/sys/class/net/lo/operstate").is_ok_and(|s| s.trim() != "down");
        if lo_up {
            assert!(addrs.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)), "{addrs:?}");
        }
        let mut sorted = addrs.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(addrs, sorted);
    }

    #[test]
    fn this_hosts_addresses_become_own_addresses() {
        let mut settings = BlocklistSettings::default();
        protect_this_host(&mut settings).unwrap();
        let addrs = system_addresses().unwrap();
        assert_eq!(settings.own_from_system, addrs.len());
        for a in addrs {
            assert!(settings.own.contains(&crate::aggregate::blocklist::Net::of_ip(a)), "{a}");
        }
    }
}
