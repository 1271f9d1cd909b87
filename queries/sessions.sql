-- When, and for how long, did each attempt session last? The longest bursts first.
SELECT ip, "start", "end", duration_s, events, categories
FROM sessions
ORDER BY duration_s DESC, events DESC, ip
LIMIT 100;
