//! The sample tree's login actors: the owner, basic-auth guessers, ssh brute force,
//! botnet, log injection, pre-auth noise, and the power cut.

use super::*;

pub(super) fn owner_web(w: &mut World) {
    let mut rng = Rng::named("owner web");
    for d in (0..DAYS).filter(|d| ![8, 9].contains(d)) {
        let t = at(d, rng.range(19, 22), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
        let ask = d == 0 || rng.chance(0.4);
        let pages = rng.range(2, 7) as usize;
        let end = private_session(w, &mut rng, OWNER_DESKTOP, OWNER_DESKTOP_UA, t, ask, false, pages);
        browse(w, &mut rng, OWNER_DESKTOP, OWNER_DESKTOP_UA, end + MIN, false, 1);
    }
    for d in [1, 4, 7, 11] {
        let t = at(d, 20, 14, 3) + micros(&mut rng);
        // Day 7: alice mistypes her password once on the laptop. Must not flag.
        let typo = d == 7;
        let pages = rng.range(2, 5) as usize;
        private_session(w, &mut rng, OWNER_LAPTOP, OWNER_LAPTOP_UA, t, true, typo, pages);
    }
    for (ip, d) in OWNER_PHONES {
        let t = at(d, rng.range(8, 18), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
        let pages = rng.range(2, 4) as usize;
        private_session(w, &mut rng, ip, OWNER_PHONE_UA, t, true, false, pages);
    }
    // Day 8, evening: alice in a hotel, on its Wi-Fi. One Password Mismatch, then in.
    let t = at(8, 21, 40, 12) + 118_442;
    private_session(w, &mut rng, HOTEL, OWNER_PHONE_UA, t, true, true, 4);
}

/// Owner's ssh sessions, sudo, and the machine's own cron: the benign bulk of auth.log.
pub(super) fn owner_ssh_and_system(w: &mut World) {
    let mut rng = Rng::named("owner ssh");
    let mut session_id = 41;
    let logins: [(&str, i64, i64, i64); 6] = [
        (OWNER_DESKTOP, 0, 18, 2),
        (OWNER_DESKTOP, 3, 21, 47),
        (OWNER_DESKTOP, 6, 10, 15),
        ("100.72.133.9", 9, 12, 31),
        (OWNER_DESKTOP, 10, 19, 5),
        (OWNER_DESKTOP, 13, 22, 40),
    ];
    for (n, (ip, d, hour, minute)) in logins.into_iter().enumerate() {
        let t = at(d, hour, minute, rng.range(0, 60)) + micros(&mut rng);
        let pid = w.pid(t);
        let port = if n == 0 { 50022 } else { rng.port() };
        session_id += 1;
        let key = "ED25519 SHA256:q3Xv0mK1b9TzR4cWl8nYp2aHs6fJd7gUe5oLi0kBtNw";
        w.auth(t, "sshd", pid, &format!("Accepted publickey for alice from {ip} port {port} ssh2: {key}"), Some(ip));
        w.auth(
            t + 9_000,
            "sshd",
            pid,
            "pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)",
            None,
        );
        w.auth(t + 21_000, "systemd-logind", 598, &format!("New session {session_id} of user alice."), None);
        let mut t_end = t + rng.range(5 * MIN, 70 * MIN);
        if n % 2 == 0 {
            let sudo_t = t + rng.range(MIN, 4 * MIN);
            let sudo_pid = w.pid(sudo_t);
            let command = *rng.pick(&[
                "/usr/bin/apt update",
                "/usr/bin/apt upgrade",
                "/usr/bin/systemctl reload apache2",
                "/usr/bin/journalctl -u ssh",
            ]);
            w.auth(
                sudo_t,
                "sudo",
                sudo_pid,
                &format!("   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND={command}"),
                None,
            );
            w.auth(
                sudo_t + 3_000,
                "sudo",
                sudo_pid,
                "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
                None,
            );
            w.auth(
                sudo_t + rng.range(SEC, 40 * SEC),
                "sudo",
                sudo_pid,
                "pam_unix(sudo:session): session closed for user root",
                None,
            );
            t_end = t_end.max(sudo_t + MIN);
        }
        w.auth(
            t_end,
            "sshd",
            pid,
            &format!("Received disconnect from {ip} port {port}:11: disconnected by user"),
            Some(ip),
        );
        w.auth(t_end + 400, "sshd", pid, &format!("Disconnected from user alice {ip} port {port}"), Some(ip));
        w.auth(t_end + 2_000, "sshd", pid, "pam_unix(sshd:session): session closed for user alice", None);
        w.auth(
            t_end + 9_000,
            "systemd-logind",
            598,
            &format!("Session {session_id} logged out. Waiting for processes to exit."),
            None,
        );
        w.auth(t_end + 30_000, "systemd-logind", 598, &format!("Removed session {session_id}."), None);
    }
    // cron.hourly at :17 every hour, cron.daily at 06:25: the steady drip of auth.log.
    for hour in 0..DAYS * 24 {
        let mut jobs = vec![day(0) + hour * HOUR + 17 * MIN + SEC];
        if hour % 24 == 6 {
            jobs.push(day(0) + hour * HOUR + 25 * MIN + SEC);
        }
        for t in jobs {
            let t = t + rng.range(0, 400_000);
            let pid = w.pid(t);
            w.auth(t, "CRON", pid, "pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)", None);
            w.auth(
                t + rng.range(20_000, 900_000),
                "CRON",
                pid,
                "pam_unix(cron:session): session closed for user root",
                None,
            );
        }
    }
}

// ----------------------------------------------------------------------------------
// HTTP basic-auth attackers.
// ----------------------------------------------------------------------------------
pub(super) const GUESSED_USERS: [&str; 24] = [
    "admin",
    "root",
    "test",
    "guest",
    "user",
    "administrator",
    "webmaster",
    "support",
    "info",
    "oracle",
    "ftp",
    "pi",
    "ubuntu",
    "postgres",
    "mysql",
    "backup",
    "demo",
    "operator",
    "manager",
    "www-data",
    "tomcat",
    "git",
    "jenkins",
    "nagios",
];

pub(super) fn basic_auth_user_guesser(w: &mut World) {
    let mut rng = Rng::named("basic auth user guesser");
    let ip = AUTH_USER_GUESSER;
    let mut t = at(11, 2, 20, 5) + micros(&mut rng);
    w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA));
    // ~20 minutes of guesses, several passwords per user name.
    let end = at(11, 2, 41, 0);
    let mut n = 0;
    while t < end {
        t += rng.range(6 * SEC, 16 * SEC);
        let user = GUESSED_USERS[n % GUESSED_USERS.len()];
        n += 1;
        guess_user(w, &mut rng, ip, t, user, None);
    }
    // The line the README quotes, at a fixed instant.
    guess_user(w, &mut rng, ip, at(11, 2, 32, 23) + 803_330, "admin", Some(51234));
    // Then it tries the same on nginx's protected /admin/.
    let mut t = at(11, 2, 45, 11) + micros(&mut rng);
    for user in ["admin", "admin", "root", "test", "administrator", "git"] {
        t += rng.range(4 * SEC, 10 * SEC);
        w.nginx_access(t, Hit::new(ip, "GET /admin/ HTTP/1.1", 401, 179, HYDRA).user(user));
        w.nginx_error(
            t + 500,
            "error",
            &format!("user \"{user}\" was not found in \"/etc/nginx/htpasswd\""),
            Some((ip, "GET /admin/ HTTP/1.1")),
        );
    }
}

pub(super) fn guess_user(w: &mut World, rng: &mut Rng, ip: &str, t: i64, user: &str, port: Option<u16>) {
    w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA).user(user));
    let fixed_port = port;
    let port = port.unwrap_or_else(|| rng.port());
    let message = format!("AH01618: user {user} not found: /private/");
    // The quoted README line keeps its exact instant; others trail the request.
    let error_t = if fixed_port.is_some() { t } else { t + rng.range(300, 2_000) };
    w.apache_error(error_t, "auth_basic:error", Some((ip, port)), &message);
}

pub(super) fn alice_password_guesser(w: &mut World) {
    let mut rng = Rng::named("alice password guesser");
    let ip = ALICE_PASSWORD_GUESSER;
    // Reconnaissance: the About page names alice.
    let mut t = at(4, 3, 4, 40) + micros(&mut rng);
    w.access(t, Hit::new(ip, "GET /about/ HTTP/1.1", 200, 6491, CURL));
    t = at(4, 3, 10, 2) + micros(&mut rng);
    w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA));
    for _ in 0..60 {
        t += rng.range(15 * SEC, 45 * SEC);
        w.access(t, Hit::new(ip, "GET /private/ HTTP/1.1", 401, 712, HYDRA).user("alice"));
        let port = rng.port();
        w.apache_error(
            t + rng.range(300, 2_000),
            "auth_basic:error",
            Some((ip, port)),
            "AH01617: user alice: authentication failure for \"/private/\": Password Mismatch",
        );
    }
    // Then the same guesses over ssh, against the real account.
    t += 5 * MIN;
    for _ in 0..3 {
        t += rng.range(20 * SEC, 90 * SEC);
        let port = rng.port();
        let pid = w.pid(t);
        let rhost = format!("rhost={ip}  user=alice");
        w.auth(
            t,
            "sshd",
            pid,
            &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= {rhost}"),
            Some(ip),
        );
        let tries = 2;
        for k in 0..tries {
            w.auth(
                t + 2 * SEC * (k + 1),
                "sshd",
                pid,
                &format!("Failed password for alice from {ip} port {port} ssh2"),
                Some(ip),
            );
        }
        w.auth(
            t + 7 * SEC,
            "sshd",
            pid,
            &format!("Connection closed by authenticating user alice {ip} port {port} [preauth]"),
            Some(ip),
        );
        w.auth(
            t + 7 * SEC + 100,
            "sshd",
            pid,
            &format!("PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= {rhost}"),
            Some(ip),
        );
    }
}

// ----------------------------------------------------------------------------------
// sshd attackers.
// ----------------------------------------------------------------------------------
pub(super) const SSH_USERS: [&str; 20] = [
    "admin",
    "ubuntu",
    "test",
    "user",
    "oracle",
    "postgres",
    "git",
    "deploy",
    "pi",
    "hadoop",
    "ftpuser",
    "support",
    "guest",
    "minecraft",
    "steam",
    "sol",
    "solana",
    "validator",
    "debian",
    "centos",
];

/// One ssh connection that fails to log in: `tries` passwords for `user` (root is a
/// real account, the others are not), closed by the client before auth completes.
#[allow(clippy::too_many_arguments)]
pub(super) fn ssh_failed_connection(
    w: &mut World,
    rng: &mut Rng,
    ip: &str,
    t: i64,
    user: &str,
    tries: u32,
    port: Option<u16>,
    first_fail_at: Option<i64>,
) -> i64 {
    let pid = w.pid(t);
    let port = port.unwrap_or_else(|| rng.port());
    let valid = user == "root" || user == "alice";
    let mut t = t;
    if !valid {
        w.auth(t, "sshd", pid, &format!("Invalid user {user} from {ip} port {port}"), Some(ip));
        t += rng.range(100_000, 2 * SEC);
        w.auth(t, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown", None);
    }
    let rhost = if valid { format!("rhost={ip}  user={user}") } else { format!("rhost={ip}") };
    t += rng.range(1_000, 5_000);
    w.auth(
        t,
        "sshd",
        pid,
        &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= {rhost}"),
        Some(ip),
    );
    let who = if valid { user.to_string() } else { format!("invalid user {user}") };
    for k in 0..tries {
        t = match (k, first_fail_at) {
            (0, Some(fixed)) => fixed,
            _ => t + rng.range(SEC, 3 * SEC),
        };
        w.auth(t, "sshd", pid, &format!("Failed password for {who} from {ip} port {port} ssh2"), Some(ip));
    }
    t += rng.range(100_000, SEC);
    let closer = if valid { format!("authenticating user {user}") } else { format!("invalid user {user}") };
    if tries >= 6 {
        w.auth(
            t,
            "sshd",
            pid,
            &format!("error: maximum authentication attempts exceeded for {who} from {ip} port {port} ssh2 [preauth]"),
            Some(ip),
        );
        w.auth(
            t + 300,
            "sshd",
            pid,
            &format!("Disconnecting {closer} {ip} port {port}: Too many authentication failures [preauth]"),
            Some(ip),
        );
    } else if rng.chance(0.5) {
        w.auth(t, "sshd", pid, &format!("Connection closed by {closer} {ip} port {port} [preauth]"), Some(ip));
    } else {
        w.auth(t, "sshd", pid, &format!("Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"), Some(ip));
        w.auth(t + 200, "sshd", pid, &format!("Disconnected from {closer} {ip} port {port} [preauth]"), Some(ip));
    }
    if tries > 1 {
        let s = if tries == 2 { "" } else { "s" };
        w.auth(
            t + 600,
            "sshd",
            pid,
            &format!("PAM {} more authentication failure{s}; logname= uid=0 euid=0 tty=ssh ruser= {rhost}", tries - 1),
            None,
        );
    }
    t
}

pub(super) fn ssh_bruteforcer(w: &mut World) {
    let mut rng = Rng::named("ssh bruteforcer");
    let ip = SSH_BRUTEFORCER;
    // The first failure is the README's quoted line.
    let first = at(11, 0, 2, 28) + 123_456;
    let mut t = ssh_failed_connection(w, &mut rng, ip, first - 2 * SEC, "root", 3, Some(52344), Some(first));
    let end = at(11, 1, 5, 0);
    let mut n = 0;
    while t < end {
        t += rng.range(40 * SEC, 150 * SEC);
        let user = if n % 3 == 0 { "root" } else { SSH_USERS[n % SSH_USERS.len()] };
        let tries = if n % 7 == 3 { 6 } else { 1 + rng.below(3) as u32 };
        t = ssh_failed_connection(w, &mut rng, ip, t, user, tries, None, None);
        n += 1;
    }
}

pub(super) fn ssh_botnet(w: &mut World) {
    let mut rng = Rng::named("ssh botnet");
    for (i, ip) in SSH_BOTNET.iter().enumerate() {
        let mut days: BTreeSet<i64> = BTreeSet::new();
        let wanted = 1 + rng.below(3) as usize;
        while days.len() < wanted {
            days.insert(rng.range(0, DAYS));
        }
        for d in days {
            let mut t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            for k in 0..rng.range(1, 3) {
                let user = if (i + k as usize).is_multiple_of(4) { "root" } else { *rng.pick(&SSH_USERS) };
                t = ssh_failed_connection(w, &mut rng, ip, t, user, 1, None, None);
                t += rng.range(20 * SEC, 5 * MIN);
            }
        }
    }
}

pub(super) fn ssh_ipv6_attacker(w: &mut World) {
    let mut rng = Rng::named("ssh ipv6");
    let mut t = at(9, 13, 0, 41) + micros(&mut rng);
    for n in 0..12 {
        let user = ["admin", "root", "ubuntu", "test"][n % 4];
        t = ssh_failed_connection(w, &mut rng, SSH_IPV6, t, user, 1 + (n % 2) as u32, None, None);
        t += rng.range(60 * SEC, 4 * MIN);
    }
}

/// A user name crafted so the line seems to blame 8.8.8.8: the real peer is the last
/// `from IP port N`. Parsers that take the first IP-looking text get this wrong.
pub(super) fn ssh_log_injection(w: &mut World) {
    let mut rng = Rng::named("ssh log injection");
    let ip = LOG_INJECTOR;
    let t = at(10, 4, 11, 19) + micros(&mut rng);
    let pid = w.pid(t);
    let user = "x from 8.8.8.8 port 22";
    w.auth(t, "sshd", pid, &format!("Invalid user {user} from {ip} port 4242"), Some(ip));
    w.auth(t + 800_000, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown", None);
    w.auth(
        t + 803_000,
        "sshd",
        pid,
        &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"),
        Some(ip),
    );
    w.auth(
        t + 2_400_000,
        "sshd",
        pid,
        &format!("Failed password for invalid user {user} from {ip} port 4242 ssh2"),
        Some(ip),
    );
    w.auth(
        t + 2_900_000,
        "sshd",
        pid,
        &format!("Connection closed by invalid user {user} {ip} port 4242 [preauth]"),
        Some(ip),
    );
    ssh_failed_connection(w, &mut rng, ip, t + 40 * SEC, "admin", 2, Some(4243), None);
}

/// Scanners that never try a password: banner grabbers, old clients, TLS probes.
pub(super) fn ssh_noise(w: &mut World) {
    let mut rng = Rng::named("ssh noise");
    for d in [1, 5, 9, 13] {
        let t = random_time(&mut rng, d, 0..24);
        let pid = w.pid(t);
        let port = rng.port();
        w.auth(
            t,
            "sshd",
            pid,
            &format!("Did not receive identification string from {NO_IDENT_SCANNER} port {port}"),
            Some(NO_IDENT_SCANNER),
        );
    }
    for (n, d) in [2, 3, 7, 10].into_iter().enumerate() {
        let t = random_time(&mut rng, d, 0..24);
        let pid = w.pid(t);
        let port = rng.port();
        if n % 2 == 0 {
            w.auth(t, "sshd", pid, "error: kex_exchange_identification: Connection closed by remote host", None);
            w.auth(t + 150, "sshd", pid, &format!("Connection closed by {KEX_PROBER} port {port}"), Some(KEX_PROBER));
        } else {
            w.auth(t, "sshd", pid, "error: kex_exchange_identification: read: Connection reset by peer", None);
            w.auth(t + 150, "sshd", pid, &format!("Connection reset by {KEX_PROBER} port {port}"), Some(KEX_PROBER));
        }
    }
    for d in [4, 8] {
        let t = random_time(&mut rng, d, 0..24);
        let pid = w.pid(t);
        let port = rng.port();
        w.auth(
            t,
            "sshd",
            pid,
            &format!("Unable to negotiate with {OLD_KEX_SCANNER} port {port}: no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1 [preauth]"),
            Some(OLD_KEX_SCANNER),
        );
    }
    // zgrab speaks HTTP to port 22 on the days it also scans the web server.
    for d in [3, 9, 12] {
        let t = at(d, 7, 12, 40) + 2 * MIN + micros(&mut rng);
        let pid = w.pid(t);
        let port = rng.port();
        w.auth(
            t,
            "sshd",
            pid,
            &format!("Bad protocol version identification 'GET / HTTP/1.1' from {ZGRAB} port {port}"),
            Some(ZGRAB),
        );
    }
}

/// Power cut on day 2 evening: auth.log gets a run of NUL bytes (the page that was
/// allocated but never written), then the boot.
pub(super) fn power_cut() -> i64 {
    at(2, 23, 12, 40)
}
pub(super) fn power_back() -> i64 {
    at(2, 23, 31, 5)
}

pub(super) fn reboot_after_power_cut(w: &mut World) {
    w.raw(LogId::Auth, power_cut(), vec![0u8; 73], None);
    let t = power_back() + 118_733;
    w.auth(t, "systemd-logind", 598, "New seat seat0.", None);
    w.auth(t + 1_200, "systemd-logind", 598, "Watching system buttons on /dev/input/event0 (Power Button)", None);
    w.auth(t + 2_100_000, "sshd", 640, "Server listening on 0.0.0.0 port 22.", None);
    w.auth(t + 2_100_400, "sshd", 640, "Server listening on :: port 22.", None);
    w.apache_notice(
        t + 4_000_000,
        "mpm_event",
        "AH00489: Apache/2.4.65 (Debian) configured -- resuming normal operations",
    );
    w.apache_notice(t + 4_000_300, "core", "AH00094: Command line: '/usr/sbin/apache2'");
}
