"""Spark through Spark Connect for the `spark` job of benches/compare.sh (issue 17).

    python spark_peer.py generate URL PATH ROWS      the tickets table, written by the cluster
    python spark_peer.py measures URL PATH AS_OF OUT.json

`generate`: a deterministic tickets table of ROWS rows computed inside Spark (every choice is
a hash of the row number, never a random draw, so a size always gives the same table), written
as Parquet to PATH by the cluster's executors. Defects: ~1% null `updated_at`, ~30% of
`category` null, empty, blank or a placeholder, one `Billing` variant, a duplicate ticket id
every 1,000 rows, `customer_id` drifting between `C-0001234` and `1234`, ~2% null emails.

`measures`: what a data engineer would hand-write for the same measures as preflight's
push-down, run by the PySpark Connect client as one process: one aggregate query (per column
nulls, blanks, placeholders, exact distinct present values, min and max; rows, complete rows;
the timestamp's newest value, stale and future rows), the label's class counts, the key's
distinct count and duplicate rows, and the duplicate records (rows equal in every column). Only
these aggregates come back.
"""

import datetime
import json
import sys

from pyspark.sql import SparkSession

PLACEHOLDERS = ["n/a", "na", "null", "none", "-", "?", "unknown", "tbd"]
TEXT = ["ticket_id", "customer_id", "channel", "priority", "category", "subject", "body", "agent_email"]
OTHER = ["updated_at", "csat"]
REQUIRED = ["ticket_id", "customer_id", "subject", "body", "category"]


def session(url):
    return SparkSession.builder.remote(url).getOrCreate()


def generate(url, path, rows):
    s = session(url)
    h = lambda k: f"pmod(hash(id, {k}), 1000)"  # noqa: E731
    s.sql(f"""
        SELECT
          CONCAT('T-', LPAD(CAST(CASE WHEN id % 1000 = 7 THEN id - 1 ELSE id END AS STRING), 9, '0')) AS ticket_id,
          CASE WHEN {h(1)} < 300 THEN CAST(pmod(hash(id, 2), 500000) AS STRING)
               ELSE CONCAT('C-', LPAD(CAST(pmod(hash(id, 2), 500000) AS STRING), 7, '0')) END AS customer_id,
          CASE WHEN {h(3)} < 10 THEN NULL
               ELSE TIMESTAMP'2026-11-25 00:00:00' - make_interval(0, 0, 0, 0, 0, 0, pmod(hash(id, 4), 63072000)) END
            AS updated_at,
          element_at(array('email', 'chat', 'phone', 'web'), pmod(hash(id, 5), 4) + 1) AS channel,
          element_at(array('low', 'normal', 'high', 'urgent'), pmod(hash(id, 6), 4) + 1) AS priority,
          CASE WHEN {h(7)} < 200 THEN NULL WHEN {h(7)} < 230 THEN '' WHEN {h(7)} < 260 THEN '  '
               WHEN {h(7)} < 300 THEN 'N/A' WHEN {h(7)} < 302 THEN 'Billing'
               ELSE element_at(array('billing', 'billing', 'billing', 'tech', 'tech', 'account', 'shipping',
                                     'refund', 'billing', 'other'), pmod(hash(id, 8), 10) + 1) END AS category,
          CONCAT('Subject ', CAST(pmod(hash(id, 9), 5000) AS STRING)) AS subject,
          CONCAT('The customer writes about order ', CAST(pmod(hash(id, 10), 100000) AS STRING),
                 ' and asks for help with ', element_at(array('a refund', 'a login', 'a parcel', 'an invoice'),
                 pmod(hash(id, 11), 4) + 1), '.') AS body,
          CASE WHEN {h(12)} < 20 THEN NULL
               ELSE CONCAT('agent', CAST(pmod(hash(id, 13), 200) AS STRING), '@example.com') END AS agent_email,
          CASE WHEN {h(14)} < 400 THEN NULL ELSE CAST(pmod(hash(id, 15), 5) + 1 AS INT) END AS csat
        FROM range(1, {rows} + 1)
    """).repartition(8).write.mode("overwrite").parquet(path)


def flag(c):
    t = f"TRIM(BOTH CONCAT(' ', chr(9), chr(10), chr(11), chr(12), chr(13)) FROM {c})"
    ph = ", ".join(f"'{p}'" for p in PLACEHOLDERS)
    return (f"CASE WHEN {c} IS NULL THEN 1 WHEN {t} = '' THEN 2 WHEN LOWER({t}) IN ({ph}) THEN 3 ELSE 0 END")


def measures(url, path, as_of, out):
    s = session(url)
    s.sql("SET TIME ZONE 'UTC'")
    now = datetime.datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    stale_before = now - datetime.timedelta(days=365)
    src = f"parquet.`{path}`"
    flags = ", ".join(f"{flag(c)} AS m_{c}" for c in TEXT)
    cols = []
    for c in TEXT:
        cols += [f"COUNT(CASE WHEN m_{c} = 1 THEN 1 END) AS {c}_nulls",
                 f"COUNT(CASE WHEN m_{c} = 2 THEN 1 END) AS {c}_blanks",
                 f"COUNT(CASE WHEN m_{c} = 3 THEN 1 END) AS {c}_placeholders",
                 f"COUNT(DISTINCT CASE WHEN m_{c} = 0 THEN {c} END) AS {c}_distinct",
                 f"MIN(CASE WHEN m_{c} = 0 THEN {c} END) AS {c}_min",
                 f"MAX(CASE WHEN m_{c} = 0 THEN {c} END) AS {c}_max"]
    for c in OTHER:
        cols += [f"COUNT(*) - COUNT({c}) AS {c}_nulls", f"COUNT(DISTINCT {c}) AS {c}_distinct",
                 f"CAST(MIN({c}) AS STRING) AS {c}_min", f"CAST(MAX({c}) AS STRING) AS {c}_max"]
    complete = " AND ".join(f"m_{c} = 0" for c in REQUIRED)
    ts = "unix_micros(updated_at)"
    now_us = int(now.timestamp() * 1_000_000)
    stale_us = int(stale_before.timestamp() * 1_000_000)
    cols += [f"COUNT(*) AS rows_", f"COUNT(CASE WHEN {complete} THEN 1 END) AS complete_rows",
             f"MAX({ts}) AS newest", f"COUNT(CASE WHEN {ts} < {stale_us} THEN 1 END) AS stale_rows",
             f"COUNT(CASE WHEN {ts} > {now_us} THEN 1 END) AS future_rows"]
    agg = s.sql(f"SELECT {', '.join(cols)} FROM (SELECT *, {flags} FROM {src})").collect()[0].asDict()
    classes = s.sql(
        f"SELECT category, COUNT(*) AS n FROM (SELECT category, {flag('category')} AS m FROM {src}) "
        "WHERE m = 0 GROUP BY category ORDER BY n DESC"
    ).collect()
    keys = s.sql(
        f"SELECT COUNT(*) AS distinct_keys, COUNT(CASE WHEN n > 1 THEN 1 END) AS duplicated, "
        f"COALESCE(SUM(n - 1), 0) AS duplicate_rows FROM (SELECT COUNT(*) AS n FROM {src} "
        "WHERE ticket_id IS NOT NULL GROUP BY ticket_id)"
    ).collect()[0].asDict()
    every = ", ".join(TEXT + OTHER)
    records = s.sql(
        f"SELECT COALESCE(SUM(n - 1), 0) AS copies, COUNT(*) AS copied FROM (SELECT COUNT(*) AS n FROM {src} "
        f"GROUP BY {every} HAVING COUNT(*) > 1)"
    ).collect()[0].asDict()
    doc = {"measures": agg, "classes": {r["category"]: r["n"] for r in classes}, "keys": keys, "records": records}
    with open(out, "w") as f:
        json.dump(doc, f, default=str, indent=1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "generate":
        generate(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "measures":
        measures(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        sys.exit(f"unknown command {cmd}")
