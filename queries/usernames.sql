-- Which usernames were tried, how often and from how many addresses? Allowed users
-- (--allow-user) among them mean someone knows who lives here.
SELECT username, attempts, ips, first_seen, last_seen, allowed
FROM usernames
ORDER BY attempts DESC, username
LIMIT 100;
