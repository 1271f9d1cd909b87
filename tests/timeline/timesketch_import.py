"""Reads timeline.csv and timeline.jsonl as Timesketch's importer does (its
documented CSV/JSONL import: the mandatory `message`, `datetime` and
`timestamp_desc`; `datetime` parsed by pandas, rows it cannot parse dropped;
`timestamp` in microseconds derived from `datetime`) and fails unless every row
survives with the timestamp knocklog wrote. Prints the row count."""

import json
import sys

import pandas

MANDATORY = {"message", "datetime", "timestamp_desc"}


def check_csv(path):
    header = pandas.read_csv(path, nrows=0)
    missing = MANDATORY - set(header.columns)
    assert not missing, f"{path}: mandatory headers missing: {missing}"
    rows = 0
    for chunk in pandas.read_csv(path, chunksize=10000, dtype=str, keep_default_na=False):
        parsed = pandas.to_datetime(chunk["datetime"], errors="coerce", utc=True, format="ISO8601")
        assert not parsed.isna().any(), f"{path}: unparseable datetime {chunk['datetime'][parsed.isna()].head()}"
        micros = (parsed - pandas.Timestamp(0, tz="UTC")) // pandas.Timedelta(microseconds=1)
        assert (micros == chunk["timestamp"].astype("int64")).all(), f"{path}: timestamp disagrees with datetime"
        assert (chunk["message"] != "").all(), f"{path}: empty message"
        rows += len(chunk)
    return rows


def check_jsonl(path):
    rows = 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            row = json.loads(line)
            missing = MANDATORY - row.keys()
            assert not missing, f"{path}:{lineno}: missing {missing}"
            parsed = pandas.Timestamp(row["datetime"])
            assert parsed.tzinfo is not None, f"{path}:{lineno}: datetime without an offset"
            micros = (parsed - pandas.Timestamp(0, tz="UTC")) // pandas.Timedelta(microseconds=1)
            assert micros == row["timestamp"], f"{path}:{lineno}: timestamp disagrees with datetime"
            # Fields Timesketch scrubs or treats specially must not be ours.
            assert not {"_id", "_type", "_index", "_source", "__ts_timeline_id", "tag"} & row.keys()
            rows += 1
    return rows


out = sys.argv[1]
csv_rows = check_csv(f"{out}/timeline.csv")
jsonl_rows = check_jsonl(f"{out}/timeline.jsonl")
assert csv_rows == jsonl_rows, (csv_rows, jsonl_rows)
print(csv_rows)
