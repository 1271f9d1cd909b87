-- Who hit from many addresses at once? The distributed campaigns (the same usernames
-- in the same order, or the same suspicious paths with the same agents), largest first,
-- with how many of their members would be blocked and what the members did alone.
SELECT c.campaign, c.shared, c.addresses, c.first_seen, c.last_seen, c.evidence,
       SUM(CASE WHEN i.verdict = 'block' THEN 1 ELSE 0 END) AS blocked,
       MAX(i.suspicious_events) AS most_events_of_one_member
FROM campaigns c
JOIN ips i ON i.campaign = c.campaign
GROUP BY c.campaign, c.shared, c.addresses, c.first_seen, c.last_seen, c.evidence
ORDER BY c.addresses DESC, c.campaign;
