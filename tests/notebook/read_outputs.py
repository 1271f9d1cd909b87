"""Reads knocklog's outputs from Python as a notebook would, with polars, DuckDB and
pandas/pyarrow: a scan's Parquet tables and a history store (hive layout). Prints
what it counted, and the type each engine gives every column, as JSON; tests/notebook.rs compares it with `knocklog query` and
`knocklog columns --json` on the same data.

usage: read_outputs.py SCAN_OUT STORE QUERIES_DIR
"""
import glob
import json
import os
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq

scan_out, store, queries = sys.argv[1:4]
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

# Every column's type as each engine reads it, without a parser: the lists are lists.
SCAN_TABLES = ["events", "ips", "campaigns", "sessions", "usernames", "daily", "patterns"]
res["types"] = {"polars": {}, "duckdb": {}, "arrow": {}}
for table in SCAN_TABLES:
    path = os.path.join(scan_out, f"{table}.parquet")
    res["types"]["polars"][table] = {n: str(t) for n, t in pl.read_parquet(path).schema.items()}
    res["types"]["arrow"][table] = {f.name: str(f.type) for f in pq.read_schema(path)}
    res["types"]["duckdb"][table] = {d[0]: d[1] for d in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}

# The lists hold their items: the same usernames and tries through each engine.
def tries(items):
    return sorted((u["value"], u["count"]) for u in items)

attacker = ips.filter(pl.col("usernames").list.len() > 0).sort("ip").row(0, named=True)
res["usernames_of"] = attacker["ip"]
res["polars_usernames"] = tries(attacker["usernames"])
res["duckdb_usernames"] = sorted(
    con.execute(
        f"SELECT u.value, u.count FROM '{scan_out}/ips.parquet', unnest(usernames) AS t(u) WHERE ip = ?",
        [attacker["ip"]],
    ).fetchall()
)
frame = pd.read_parquet(os.path.join(scan_out, "ips.parquet"))
res["pandas_usernames"] = tries(frame[frame.ip == attacker["ip"]].usernames.iloc[0])
csv = pd.read_csv(os.path.join(scan_out, "ips.csv"), keep_default_na=False)
res["csv_usernames"] = tries(json.loads(csv[csv.ip == attacker["ip"]].usernames.iloc[0]))
res["pandas_active_days"] = [d.isoformat() for d in frame[frame.ip == attacker["ip"]].active_days.iloc[0]]
res["polars_active_days"] = [d.isoformat() for d in attacker["active_days"]]
res["duckdb_session_categories"] = sorted(
    c for (c,) in con.execute(f"SELECT DISTINCT unnest(categories) FROM '{scan_out}/sessions.parquet'").fetchall()
)
# A store's day files: the lists there too.
daily_store = pl.read_parquet(os.path.join(store, "daily", "*", "*.parquet"))
res["store_daily_statuses"] = str(daily_store.schema["statuses"])

print(json.dumps(res))
