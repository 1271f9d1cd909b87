-- Who came knocking hardest? Addresses with a verdict, worst first, with what they did.
SELECT ip, verdict, score, sneak, suspicious_events, suspicious_days, sessions,
       first_seen, last_seen, usernames, paths
FROM ips
WHERE verdict <> 'none'
ORDER BY CASE verdict WHEN 'block' THEN 0 ELSE 1 END, score DESC, ip
LIMIT 50;
