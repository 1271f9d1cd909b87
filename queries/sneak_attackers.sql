-- Who keeps coming back quietly? Suspicious on many days, never much on any one day:
-- the returners a per-day threshold (fail2ban's findtime/maxretry) never catches.
SELECT ip, suspicious_days, max_daily_events, suspicious_events, active_days, paths, usernames
FROM ips
WHERE sneak
ORDER BY suspicious_days DESC, suspicious_events DESC, ip;
