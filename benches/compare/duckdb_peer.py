"""DuckDB computing preflight's measures, as a data engineer would: one process, one query (issue 7).

    python duckdb_peer.py measures csv|parquet TICKETS AS_OF OUT.json
    python duckdb_peer.py overlap  csv|parquet TICKETS CUSTOMERS OUT.json
    python duckdb_peer.py measures sqlite|postgres|mysql TARGET AS_OF OUT.json   (the sql job)
    python duckdb_peer.py measures s3 s3://BUCKET/KEY.parquet AS_OF OUT.json     (the object job)

For sqlite, postgres and mysql, TARGET is what DuckDB ATTACHes (a file path, a libpq or a
MySQL connection string) with the extension of that name (sqlite_scanner, postgres_scanner,
mysql_scanner), loaded from its PyPI wheel (`duckdb-extension-*`, no download at run time); the
measures read its `tickets` table.

For s3, the Parquet object is read with the httpfs extension from its PyPI wheel
(`duckdb-extension-httpfs`) and an S3 secret: the endpoint from PREFLIGHT_BENCH_S3_ENDPOINT
(path-style URLs, plain http when it says so), key and region from AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_REGION.

`measures`: one aggregate query over the tickets file computing, per column, nulls, blanks,
placeholders, approx_count_distinct, min and max (over present values, see tables.py); the
timestamp's newest value and stale rows; the label's class counts (`histogram`); the key's
exact distinct count and its duplicate rows. A derived table computes one missing-value flag
per text column per row (see `flag` for the short cuts that keep it cheap).

`overlap`: the distinct normalized keys of each file, fully outer-joined: distinct keys each
side, keys in both, keys only in one side.

CSV is read with the table's types given (no sniffing) and `allow_quoted_nulls = false`, so a
quoted `""` stays an empty string as in preflight (DuckDB's default reads it as NULL).
"""

import datetime
import json
import os
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables  # noqa: E402

SQL_TYPES = {"text": "VARCHAR", "timestamp": "TIMESTAMP", "int": "BIGINT"}


def lit(s):
    return "'" + s.replace("'", "''") + "'"


WS = " || ".join(f"chr({ord(c)})" for c in tables.WHITESPACE)
WS_SET = "(" + ", ".join(f"chr({ord(c)})" for c in tables.WHITESPACE) + ")"
PH = "(" + ", ".join(lit(p) for p in tables.PLACEHOLDERS) + ")"
PH_MAX = max(len(p.encode()) for p in tables.PLACEHOLDERS)


def flag(c):
    """0 present, 1 null, 2 blank, 3 placeholder. DuckDB's trim with a set of characters costs
    about six times a plain comparison, so values that neither start nor end with whitespace
    (nearly all) skip it, and values longer than the longest placeholder skip lower()."""
    t = f"trim({c}, {WS})"
    return (f"CASE WHEN {c} IS NULL THEN 1 "
            f"WHEN left({c}, 1) IN {WS_SET} OR right({c}, 1) IN {WS_SET} THEN "
            f"(CASE WHEN {t} = '' THEN 2 WHEN lower({t}) IN {PH} THEN 3 ELSE 0 END) "
            f"WHEN {c} = '' THEN 2 "
            f"WHEN strlen({c}) > {PH_MAX} THEN 0 "
            f"WHEN lower({c}) IN {PH} THEN 3 ELSE 0 END")


DATABASES = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner", "mysql": "mysql_scanner"}


def load(con, ext):
    """Loads an extension from its PyPI wheel (no download at run time)."""
    import importlib

    mod = importlib.import_module(f"duckdb_extension_{ext}")
    con.execute(f"LOAD {lit(os.path.join(os.path.dirname(mod.__file__), 'extensions', 'v' + duckdb.__version__, ext + '.duckdb_extension'))}")


def attach(con, fmt, target):
    """Loads the database's scanner from its wheel and attaches TARGET read-only as `src`."""
    load(con, DATABASES[fmt])
    con.execute(f"ATTACH {lit(target)} AS src (TYPE {fmt}, READ_ONLY)")


def s3_secret(con):
    """httpfs and an S3 secret for the loopback server the object job uploads to."""
    load(con, "httpfs")
    endpoint = os.environ["PREFLIGHT_BENCH_S3_ENDPOINT"].rstrip("/")
    ssl = endpoint.startswith("https://")
    host = endpoint.split("://", 1)[1]
    con.execute(f"""CREATE SECRET bench (TYPE s3, KEY_ID {lit(os.environ['AWS_ACCESS_KEY_ID'])},
        SECRET {lit(os.environ['AWS_SECRET_ACCESS_KEY'])}, REGION {lit(os.environ.get('AWS_REGION', 'us-east-1'))},
        ENDPOINT {lit(host)}, URL_STYLE 'path', USE_SSL {str(ssl).lower()})""")


def relation(fmt, path, schema):
    if fmt in DATABASES:
        return "src.tickets"
    if fmt in ("parquet", "s3"):
        return f"read_parquet({lit(path)})"
    cols = ", ".join(f"{lit(n)}: {lit(SQL_TYPES[k])}" for n, k in schema)
    return (f"read_csv({lit(path)}, header = true, delim = ',', quote = '\"', escape = '\"', "
            f"auto_detect = false, allow_quoted_nulls = false, columns = {{{cols}}})")


def iso(v):
    if v is None:
        return None
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return v


def measures(con, fmt, path, as_of):
    schema = tables.TICKETS
    text = [n for n, k in schema if k == "text"]
    flags = [f"{flag(c)} AS m_{c}" for c in text]
    cutoff = as_of - datetime.timedelta(days=tables.STALE_DAYS)
    tz = fmt in ("parquet", "s3")
    ts_type = "TIMESTAMPTZ" if tz else "TIMESTAMP"
    cutoff_lit = cutoff.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if tz else "")
    if fmt in DATABASES:
        attach(con, fmt, path)
    if fmt == "s3":
        s3_secret(con)
    parts = ["count(*) AS rows"]
    for n, k in schema:
        if k == "text":
            parts += [
                f"count(*) FILTER (WHERE m_{n} = 1) AS {n}__nulls",
                f"count(*) FILTER (WHERE m_{n} = 2) AS {n}__blanks",
                f"count(*) FILTER (WHERE m_{n} = 3) AS {n}__placeholders",
                f"approx_count_distinct({n}) FILTER (WHERE m_{n} = 0) AS {n}__distinct",
                f"min({n}) FILTER (WHERE m_{n} = 0) AS {n}__min",
                f"max({n}) FILTER (WHERE m_{n} = 0) AS {n}__max",
            ]
        else:
            parts += [
                f"count(*) FILTER (WHERE {n} IS NULL) AS {n}__nulls",
                f"approx_count_distinct({n}) AS {n}__distinct",
                f"min({n}) AS {n}__min",
                f"max({n}) AS {n}__max",
            ]
    ts, label, key = tables.TICKETS_TIMESTAMP, tables.TICKETS_LABEL, tables.TICKETS_KEY
    parts += [
        f"max({ts}) AS newest",
        f"count(*) FILTER (WHERE {ts} < {ts_type} {lit(cutoff_lit)}) AS stale_rows",
        f"histogram({label}) FILTER (WHERE m_{label} = 0) AS classes",
        f"count(DISTINCT {key}) FILTER (WHERE m_{key} = 0) AS key_distinct",
        f"count(*) FILTER (WHERE m_{key} = 0) AS key_present",
    ]
    sep = ",\n  "
    sql = f"SELECT\n  {sep.join(parts)}\nFROM (SELECT *, {', '.join(flags)} FROM {relation(fmt, path, schema)})"
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone()))
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
    return {
        "rows": row["rows"],
        "columns": cols,
        "staleness": {"newest": iso(row["newest"]), "stale_rows": row["stale_rows"]},
        "labels": {"classes": dict(row["classes"] or {})},
        "key": {"distinct": row["key_distinct"], "duplicate_rows": row["key_present"] - row["key_distinct"]},
    }


def overlap(con, fmt, tickets, customers):
    key = tables.ENTITY_KEY
    p = lit(tables.STRIP_PREFIX.lower())
    con.execute(f"""CREATE MACRO strip_prefix(x) AS
        CASE WHEN lower(left(x, {len(tables.STRIP_PREFIX)})) = {p} THEN substr(x, {len(tables.STRIP_PREFIX) + 1}) ELSE x END""")
    con.execute("""CREATE MACRO strip_zeros(x) AS
        CASE WHEN x <> '' AND ltrim(x, '0') = '' THEN '0' ELSE ltrim(x, '0') END""")

    def keys(path, schema):
        return (f"SELECT DISTINCT strip_zeros(strip_prefix({key})) AS k FROM {relation(fmt, path, schema)} "
                f"WHERE {key} IS NOT NULL AND trim({key}, {WS}) <> '' AND strip_zeros(strip_prefix({key})) <> ''")

    sql = f"""WITH t AS ({keys(tickets, tables.TICKETS)}), c AS ({keys(customers, tables.CUSTOMERS)})
SELECT count(t.k), count(c.k), count(*) FILTER (WHERE t.k IS NOT NULL AND c.k IS NOT NULL),
       count(*) FILTER (WHERE c.k IS NULL), count(*) FILTER (WHERE t.k IS NULL)
FROM t FULL OUTER JOIN c ON t.k = c.k"""
    dt, dc, both, only_t, only_c = con.execute(sql).fetchone()
    return {"distinct_keys": {"tickets": dt, "crm": dc}, "in_all": both,
            "unmatched": {"tickets": only_t, "crm": only_c}}


def main():
    mode, fmt = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if mode == "measures":
        as_of = datetime.datetime.fromisoformat(sys.argv[4].replace("Z", "+00:00"))
        res = measures(con, fmt, sys.argv[3], as_of)
    else:
        res = overlap(con, fmt, sys.argv[3], sys.argv[4])
    res = {"tool": "duckdb", "version": duckdb.__version__, **res}
    with open(sys.argv[5], "w") as f:
        json.dump(res, f, indent=1, default=str)


if __name__ == "__main__":
    main()
