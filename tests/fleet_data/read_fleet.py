"""Reads a fleet of knocklog history stores (FLEET/server=NAME/TABLE/day=.../data.parquet)
and its compacted form (INTO/TABLE/server=NAME/month=.../data.parquet) with DuckDB and
polars, as an analyst's notebook or a warehouse engine would. Prints, per engine and
layout, the events and distinct days per server and the distinct non-null `host`
values (the events' own column, which a partition key must not overwrite), as JSON.

usage: read_fleet.py FLEET INTO
"""
import json
import sys

import duckdb
import polars as pl

fleet, into = sys.argv[1:3]
layouts = {
    "fleet": f"{fleet}/server=*/events/*/*.parquet",
    "compacted": f"{into}/events/*/*/*.parquet",
}
res = {}
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
for layout, glob in layouts.items():
    rows = con.execute(
        f"SELECT server, count(*), count(DISTINCT day), count(DISTINCT host) "
        f"FROM read_parquet('{glob}', hive_partitioning = true, union_by_name = true) GROUP BY server ORDER BY server"
    ).fetchall()
    res[f"duckdb_{layout}"] = {s: {"events": n, "days": d, "hosts": h} for s, n, d, h in rows}
    frame = pl.scan_parquet(glob, hive_partitioning=True, missing_columns="insert", extra_columns="ignore")
    counted = (
        frame.group_by("server")
        .agg(pl.len().alias("events"), pl.col("day").n_unique().alias("days"), pl.col("host").drop_nulls().n_unique().alias("hosts"))
        .sort("server")
        .collect()
    )
    res[f"polars_{layout}"] = {r["server"]: {"events": r["events"], "days": r["days"], "hosts": r["hosts"]} for r in counted.iter_rows(named=True)}
print(json.dumps(res))
