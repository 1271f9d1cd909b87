-- How did the knocking go, day by day? Suspicious events and distinct addresses per
-- UTC day and category.
SELECT CAST(ts AS DATE) AS day, category, COUNT(*) AS events, COUNT(DISTINCT ip) AS ips
FROM events
WHERE counts_against_address
GROUP BY 1, 2
ORDER BY 1, 2;
