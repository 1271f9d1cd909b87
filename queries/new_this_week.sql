-- Who is new this week? Addresses whose first suspicious event falls in the last 7
-- days of the data (the newest event, not today's date, ends the week, so old
-- archives work too), with what they did. Everyone else active that week returned.
WITH firsts AS (
    SELECT ip, MIN(ts) AS first_seen, MAX(ts) AS last_seen, COUNT(*) AS events,
           COUNT(DISTINCT CAST(ts AS DATE)) AS days
    FROM events
    WHERE counts_against_address
    GROUP BY ip
),
newest AS (
    SELECT MAX(ts) AS ts FROM events WHERE counts_against_address
)
SELECT f.ip, f.first_seen, f.last_seen, f.events, f.days
FROM firsts f CROSS JOIN newest n
WHERE f.first_seen > n.ts - INTERVAL '7 days'
ORDER BY f.events DESC, f.ip;
