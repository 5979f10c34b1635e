"""Python polars computing preflight's measures: one process, one lazy query (issue 7).

    python polars_peer.py measures csv|parquet TICKETS AS_OF OUT.json
    python polars_peer.py overlap  csv|parquet TICKETS CUSTOMERS OUT.json

`measures`: a lazy scan of the tickets file with the table's types given (no inference), one
missing-value flag per text column (computed once per row), then one `select` of every
measure: per column nulls, blanks, placeholders, approx_n_unique, min and max over present
values (see tables.py); the timestamp's newest value and stale rows; the label's class counts
(`value_counts`); the key's exact distinct count and duplicate rows. Collected with polars'
default engine.

`overlap`: the distinct normalized keys of each file (collected together), then an inner join
for the keys in both.

polars reads a quoted `""` in CSV as an empty string and an empty unquoted field as null, as
preflight does.
"""

import datetime
import json
import os
import sys

import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables  # noqa: E402


def dtype(kind, fmt):
    if kind == "text":
        return pl.String
    if kind == "int":
        return pl.Int64
    return pl.Datetime("us", "UTC") if fmt == "parquet" else pl.Datetime("us")


def scan(fmt, path, schema):
    if fmt == "parquet":
        return pl.scan_parquet(path)
    return pl.scan_csv(path, schema={n: dtype(k, fmt) for n, k in schema})


def iso(v):
    if v is None:
        return None
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return v


def flag(c):
    col = pl.col(c)
    t = col.str.strip_chars(tables.WHITESPACE)
    return (pl.when(col.is_null()).then(1)
            .when(t == "").then(2)
            .when(t.str.to_lowercase().is_in(tables.PLACEHOLDERS)).then(3)
            .otherwise(0).cast(pl.UInt8).alias(f"m_{c}"))


def measures(fmt, path, as_of):
    schema = tables.TICKETS
    text = [n for n, k in schema if k == "text"]
    lf = scan(fmt, path, schema).with_columns([flag(c) for c in text])
    aggs = [pl.len().alias("rows")]
    for n, k in schema:
        if k == "text":
            m = pl.col(f"m_{n}")
            present = pl.col(n).filter(m == 0)
            aggs += [
                (m == 1).sum().alias(f"{n}__nulls"),
                (m == 2).sum().alias(f"{n}__blanks"),
                (m == 3).sum().alias(f"{n}__placeholders"),
                present.approx_n_unique().alias(f"{n}__distinct"),
                present.min().alias(f"{n}__min"),
                present.max().alias(f"{n}__max"),
            ]
        else:
            aggs += [
                pl.col(n).null_count().alias(f"{n}__nulls"),
                pl.col(n).drop_nulls().approx_n_unique().alias(f"{n}__distinct"),
                pl.col(n).min().alias(f"{n}__min"),
                pl.col(n).max().alias(f"{n}__max"),
            ]
    ts, label, key = tables.TICKETS_TIMESTAMP, tables.TICKETS_LABEL, tables.TICKETS_KEY
    cutoff = as_of - datetime.timedelta(days=tables.STALE_DAYS)
    if fmt != "parquet":
        cutoff = cutoff.replace(tzinfo=None)
    aggs += [
        pl.col(ts).max().alias("newest"),
        (pl.col(ts) < pl.lit(cutoff, dtype=dtype("timestamp", fmt))).sum().alias("stale_rows"),
        pl.col(label).filter(pl.col(f"m_{label}") == 0).value_counts().implode().alias("classes"),
        pl.col(key).filter(pl.col(f"m_{key}") == 0).n_unique().alias("key_distinct"),
        (pl.col(f"m_{key}") == 0).sum().alias("key_present"),
    ]
    row = lf.select(aggs).collect().row(0, named=True)
    cols = {}
    for n, k in schema:
        c = {"nulls": row[f"{n}__nulls"], "distinct": row[f"{n}__distinct"],
             "min": iso(row[f"{n}__min"]), "max": iso(row[f"{n}__max"])}
        if k == "text":
            c["blanks"] = row[f"{n}__blanks"]
            c["placeholders"] = row[f"{n}__placeholders"]
        else:
            c["blanks"] = c["placeholders"] = 0
        cols[n] = c
    classes = {}
    for vc in row["classes"]:
        classes[vc[label]] = vc["count"]
    return {
        "rows": row["rows"],
        "columns": cols,
        "staleness": {"newest": iso(row["newest"]), "stale_rows": row["stale_rows"]},
        "labels": {"classes": classes},
        "key": {"distinct": row["key_distinct"], "duplicate_rows": row["key_present"] - row["key_distinct"]},
    }


def overlap(fmt, tickets, customers):
    key = tables.ENTITY_KEY
    p = tables.STRIP_PREFIX

    def keys(path, schema):
        s = pl.col(key)
        stripped = (pl.when(s.str.slice(0, len(p)).str.to_lowercase() == p.lower())
                    .then(s.str.slice(len(p))).otherwise(s))
        z = stripped.str.strip_chars_start("0")
        k = pl.when((z == "") & (stripped != "")).then(pl.lit("0")).otherwise(z).alias("k")
        keep = s.is_not_null() & (s.str.strip_chars(tables.WHITESPACE) != "")
        return scan(fmt, path, schema).filter(keep).select(k).filter(pl.col("k") != "").unique()

    t, c = pl.collect_all([keys(tickets, tables.TICKETS), keys(customers, tables.CUSTOMERS)])
    both = t.join(c, on="k", how="inner").height
    return {"distinct_keys": {"tickets": t.height, "crm": c.height}, "in_all": both,
            "unmatched": {"tickets": t.height - both, "crm": c.height - both}}


def main():
    mode, fmt = sys.argv[1], sys.argv[2]
    if mode == "measures":
        as_of = datetime.datetime.fromisoformat(sys.argv[4].replace("Z", "+00:00"))
        res = measures(fmt, sys.argv[3], as_of)
    else:
        res = overlap(fmt, sys.argv[3], sys.argv[4])
    res = {"tool": "polars", "version": pl.__version__, **res}
    with open(sys.argv[5], "w") as f:
        json.dump(res, f, indent=1, default=str)


if __name__ == "__main__":
    main()
