-- What did they look for? Requested paths of suspicious web events, by how many
-- addresses asked (a path many attackers want is a target, not a typo).
SELECT path, COUNT(DISTINCT ip) AS ips, COUNT(*) AS hits, MIN(ts) AS first_seen, MAX(ts) AS last_seen
FROM events
WHERE counts_against_address AND path IS NOT NULL AND log_kind = 'access'
GROUP BY path
ORDER BY ips DESC, hits DESC, path
LIMIT 100;
