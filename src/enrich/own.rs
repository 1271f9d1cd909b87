//! This machine's own addresses (every interface, via the if-addrs crate), so a blocklist made
//! on the server can never lock the server out of itself.

use std::net::IpAddr;

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
    let mut out: Vec<IpAddr> = if_addrs::get_if_addrs()?.into_iter().map(|i| i.ip()).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

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
