"""Reads knocklog's outputs from Python as a notebook would, with polars and DuckDB:
a scan's Parquet tables, a history store (hive layout) and a fleet of stores side by
side (host=NAME/...). Prints what it counted as JSON; tests/notebook.rs compares it
with `knocklog query` on the same data.

usage: read_outputs.py SCAN_OUT STORE FLEET QUERIES_DIR
"""
import glob
import json
import os
import sys

import duckdb
import polars as pl

scan_out, store, fleet, queries = sys.argv[1:5]
res = {}

# polars: the scan's tables, and the store as one hive-partitioned dataset.
ips = pl.read_parquet(os.path.join(scan_out, "ips.parquet"))
res["polars_scan_blocked"] = ips.filter(pl.col("verdict") == "block").height
res["polars_scan_events"] = pl.read_parquet(os.path.join(scan_out, "events.parquet")).height
events = pl.scan_parquet(os.path.join(store, "events", "**", "*.parquet"), hive_partitioning=True)
res["polars_store_events"] = events.select(pl.len()).collect().item()
res["polars_store_days"] = events.select(pl.col("day").n_unique()).collect().item()
daily = pl.scan_parquet(os.path.join(store, "daily", "**", "*.parquet"), hive_partitioning=True)
res["polars_store_suspicious"] = daily.select(pl.col("suspicious_events").sum()).collect().item()

# DuckDB: the same counts, and every canned query over the scan's tables.
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
res["duckdb_scan_blocked"] = con.execute(
    f"SELECT count(*) FROM '{scan_out}/ips.parquet' WHERE verdict = 'block'"
).fetchone()[0]
res["duckdb_store_events"] = con.execute(
    f"SELECT count(*) FROM read_parquet('{store}/events/*/*.parquet', hive_partitioning = true)"
).fetchone()[0]
for table in ["events", "ips", "campaigns", "sessions", "usernames", "daily"]:
    con.execute(f"CREATE VIEW {table} AS SELECT * FROM '{scan_out}/{table}.parquet'")
for path in sorted(glob.glob(os.path.join(queries, "*.sql"))):
    name = os.path.basename(path)[:-4]
    with open(path) as f:
        res[f"duckdb_rows_{name}"] = len(con.execute(f.read()).fetchall())

# The fleet: several hosts' stores under host=NAME/ are one dataset.
rows = con.execute(
    f"SELECT host, count(*) FROM read_parquet('{fleet}/host=*/events/*/*.parquet', hive_partitioning = true) "
    "GROUP BY host ORDER BY host"
).fetchall()
res["fleet_events"] = {host: n for host, n in rows}
print(json.dumps(res))
