"""Writes the benchmark's seeded tables as CSV or Parquet (zstd) into a cache directory (issue 7).

    python generate.py DATA_DIR tickets ROWS csv|parquet   → prints the file's path
    python generate.py DATA_DIR customers ROWS csv|parquet

A file is written once and reused: its path is DATA_DIR/GEN_VERSION/<table>-<rows>.<ext>, so a
change to what this script writes must bump GEN_VERSION. It is written to a temporary name and
renamed, so an interrupted run leaves no half file behind. Every value comes from numpy's PCG64
generator seeded with (SEED, table, chunk), chunk by chunk of CHUNK rows, so a size always gives
the same bytes with the pinned numpy and pyarrow, whatever the machine, and memory stays bounded
by one chunk at any size.

tickets (ROWS rows; C = tables.customers_for(ROWS) customers, e.g. 1,000,000 for 10,000,000):
  ticket_id   `T-00000001`…, unique except ~0.4% that repeat the previous row's id;
  customer_id one of 1.05 × C customers (so ~5% name no CRM customer, plus the CRM's gaps;
              customers whose id is 7 mod 20 never file a ticket), ~16% written `123` instead
              of `C-0000123` (drift);
  created_at  uniform over the 3 years before 2026-11-25; updated_at 0–45 days later (never
              after 2026-11-24 23:00), ~1% null;
  channel, priority: imbalanced; category (the label): ~16% null, ~4% `""`, ~1% `"  "`, ~9%
              placeholders (`N/A`, `n/a`, `unknown`, `TBD`, `-`, `none`), the rest six
              imbalanced classes (billing 36% of them … legal 2%) plus a variant `Billing` (4%);
  subject     8 subjects + ` #` + (row % 997); body 5–60 words from a 200-word vocabulary,
              ~1% null, ~0.3% `""`, ~0.5% `N/A`; agent_email `agentK@example.com` (K < 40),
              ~2% null; csat 1–5, ~39% null.
customers (ROWS rows of ids 1…ROWS, ~3% of ids missing, i.e. deleted):
  customer_id the bare number (`123`); name; email ~3% null; country (10, imbalanced);
  segment `enterprise`/`mid-market`/`smb`, ~5% null, ~2% `""`; updated_at over 3 years.
CSV: a header, `,`, strings always quoted (pyarrow's writer), a null is an empty unquoted
field and an empty string is `""`; timestamps naive UTC `YYYY-MM-DD HH:MM:SS`.
Parquet: zstd, row groups of ROW_GROUP rows, timestamps as microseconds with time zone UTC.
"""

import datetime
import math
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables  # noqa: E402

GEN_VERSION = "v1"
SEED = 7  # issue 7
CHUNK = 524_288
ROW_GROUP = 131_072
AS_OF = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)
SPAN_S = 1095 * 86_400

WORDS = (
    "thanks for the quick reply but invoice still shows old plan and my card was charged twice this "
    "month please refund second charge confirm new is active on account app crashes when I open "
    "settings page after last update phone tablet cannot log in since yesterday reset link expires "
    "before can use it what should do next order arrived damaged box missing one item tracking number "
    "does not work delivery late again customer service promised call back never happened need help "
    "changing email address billing contact company name tax id receipt download button broken export "
    "csv empty report dashboard slow loading takes minutes timeout error message says unknown server "
    "problem tried clearing cache cookies different browser same result password manager autofill "
    "two factor code sms arrives too late locked out of workspace admin removed access by mistake "
    "restore previous version deleted files trash folder sync stopped laptop desktop mobile offline "
    "mode subscription renewal date discount coupon code expired price increased without notice "
    "cancel downgrade upgrade annual monthly trial extend seats users invite team members permissions "
    "role owner transfer data privacy request delete personal information gdpr copy contract signed "
    "legal department review terms shipping address wrong warehouse return label courier pickup"
).split()
SUBJECTS = ["Refund request", "Cannot log in", "Invoice question", "App crashes", "Change of plan",
            "Delivery late", "Password reset", "Charged twice"]
CHANNELS = (["email", "chat", "web", "phone", "social"], [0.38, 0.25, 0.15, 0.12, 0.10])
PRIORITIES = (["normal", "low", "high", "urgent"], [0.55, 0.25, 0.15, 0.05])
CLASSES = (["billing", "technical", "account", "shipping", "refund", "legal", "Billing"],
           [0.36, 0.26, 0.16, 0.10, 0.06, 0.02, 0.04])
LABEL_PLACEHOLDERS = ["N/A", "n/a", "unknown", "TBD", "-", "none"]
FIRST = ["Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kenji",
         "Lea", "Mateo", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
         "Wen", "Yara", "Zoe"]
LAST = ["Silva", "Meyer", "Martin", "Rossi", "Novak", "Khan", "Garcia", "Jensen", "Dubois", "Kowalski",
        "Tanaka", "Okafor", "Schmidt", "Larsen", "Moreau", "Costa", "Nguyen", "Berg", "Fischer", "Lopez"]
COUNTRIES = (["US", "GB", "DE", "FR", "NL", "ES", "IT", "CA", "AU", "BR"],
             [0.34, 0.14, 0.12, 0.09, 0.07, 0.06, 0.06, 0.05, 0.04, 0.03])
SEGMENTS = (["smb", "mid-market", "enterprise"], [0.62, 0.28, 0.10])


def pick(rng, m, choices):
    values, p = choices
    return pa.array(values).take(pa.array(rng.choice(len(values), size=m, p=p)))


def padded(prefix, ints, width):
    s = pc.utf8_lpad(pc.cast(pa.array(ints), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, s, "")


def with_missing(arr, rng, shares):
    """Replaces values by null ("null") or a fixed string, each with its share of rows."""
    r = rng.random(len(arr))
    out = arr
    lo = 0.0
    for value, share in shares:
        mask = pa.array((r >= lo) & (r < lo + share))
        lo += share
        out = pc.if_else(mask, pa.scalar(None, pa.string()) if value is None else value, out)
    return out


def timestamps(seconds, nulls):
    us = pa.array(seconds.astype("int64") * 1_000_000, mask=nulls, type=pa.int64())
    return us.cast(pa.timestamp("us", tz="UTC"))


def tickets_chunk(n, lo, m, chunk):
    rng = np.random.default_rng([SEED, 1, chunk])
    i = np.arange(lo, lo + m, dtype=np.int64)
    refs = math.ceil(tables.customers_for(n) * 1.05)
    dup = (rng.random(m) < 0.004) & (i > 1)
    ticket_id = padded("T-", np.where(dup, i - 1, i), 8)
    cust = rng.integers(1, refs + 1, size=m)
    cust = np.where(cust % 20 == 7, cust + 1, cust)  # 5% of the CRM's customers file no ticket
    bare = rng.random(m) < 0.16
    customer_id = pc.if_else(pa.array(bare), pc.cast(pa.array(cust), pa.string()), padded("C-", cust, 7))
    start = int(AS_OF.timestamp()) - SPAN_S
    created = start + rng.integers(0, SPAN_S, size=m)
    updated = np.minimum(created + rng.integers(0, 45 * 86_400, size=m), int(AS_OF.timestamp()) - 3600)
    upd_null = rng.random(m) < 0.01
    channel = pick(rng, m, CHANNELS)
    priority = pick(rng, m, PRIORITIES)
    category = pick(rng, m, CLASSES)
    r = rng.random(m)
    ph = pa.array(LABEL_PLACEHOLDERS).take(pa.array(rng.integers(0, len(LABEL_PLACEHOLDERS), size=m)))
    category = pc.if_else(pa.array(r < 0.30), ph, category)
    category = pc.if_else(pa.array(r < 0.21), "  ", category)
    category = pc.if_else(pa.array(r < 0.20), "", category)
    category = pc.if_else(pa.array(r < 0.16), pa.scalar(None, pa.string()), category)
    subject = pc.binary_join_element_wise(
        pa.array(SUBJECTS).take(pa.array(rng.integers(0, len(SUBJECTS), size=m))),
        pc.cast(pa.array(i % 997), pa.string()),
        " #",
    )
    counts = rng.integers(5, 61, size=m)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    words = pa.array(WORDS).take(pa.array(rng.integers(0, len(WORDS), size=int(offsets[-1]))))
    body = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")
    body = with_missing(body, rng, [(None, 0.01), ("", 0.003), ("N/A", 0.005)])
    agent = pc.binary_join_element_wise("agent", pc.cast(pa.array(rng.integers(0, 40, size=m)), pa.string()),
                                        "@example.com", "")
    agent = with_missing(agent, rng, [(None, 0.02)])
    csat = rng.integers(1, 6, size=m)
    csat = pa.array(csat, mask=rng.random(m) < 0.39, type=pa.int64())
    return pa.table({
        "ticket_id": ticket_id,
        "customer_id": customer_id,
        "created_at": timestamps(created, np.zeros(m, dtype=bool)),
        "updated_at": timestamps(updated, upd_null),
        "channel": channel,
        "priority": priority,
        "category": category,
        "subject": subject,
        "body": body,
        "agent_email": agent,
        "csat": csat,
    })


def customers_chunk(n, lo, m, chunk):
    rng = np.random.default_rng([SEED, 2, chunk])
    ids = np.arange(lo, lo + m, dtype=np.int64)
    keep = rng.random(m) >= 0.03
    f = rng.integers(0, len(FIRST), size=m)
    last = rng.integers(0, len(LAST), size=m)
    first_a, last_a = pa.array(FIRST).take(pa.array(f)), pa.array(LAST).take(pa.array(last))
    name = pc.binary_join_element_wise(first_a, last_a, " ")
    email = pc.binary_join_element_wise(pc.utf8_lower(first_a), ".", pc.utf8_lower(last_a),
                                        pc.cast(pa.array(ids), pa.string()), "@example.com", "")
    email = with_missing(email, rng, [(None, 0.03)])
    country = pick(rng, m, COUNTRIES)
    segment = with_missing(pick(rng, m, SEGMENTS), rng, [(None, 0.05), ("", 0.02)])
    start = int(AS_OF.timestamp()) - SPAN_S
    updated = start + rng.integers(0, SPAN_S, size=m)
    t = pa.table({
        "customer_id": pc.cast(pa.array(ids), pa.string()),
        "name": name,
        "email": email,
        "country": country,
        "segment": segment,
        "updated_at": timestamps(updated, np.zeros(m, dtype=bool)),
    })
    return t.filter(pa.array(keep))


def for_csv(t):
    """Naive UTC seconds, which every CSV reader parses as a timestamp."""
    cols = []
    for name in t.column_names:
        c = t[name]
        if pa.types.is_timestamp(c.type):
            c = c.cast(pa.timestamp("us")).cast(pa.timestamp("s"))
        cols.append(c)
    return pa.table(cols, names=t.column_names)


def write(data_dir, table, rows, fmt):
    out_dir = os.path.join(data_dir, GEN_VERSION)
    path = os.path.join(out_dir, f"{table}-{rows}.{fmt}")
    if os.path.exists(path):
        return path
    os.makedirs(out_dir, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    make = tickets_chunk if table == "tickets" else customers_chunk
    writer = None
    try:
        for chunk, lo in enumerate(range(1, rows + 1, CHUNK)):
            t = make(rows, lo, min(CHUNK, rows + 1 - lo), chunk)
            if fmt == "csv":
                t = for_csv(t)
                if writer is None:
                    writer = pacsv.CSVWriter(tmp, t.schema)
                writer.write_table(t)
            else:
                if writer is None:
                    writer = pq.ParquetWriter(tmp, t.schema, compression="zstd")
                writer.write_table(t, row_group_size=ROW_GROUP)
        writer.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def main():
    if len(sys.argv) != 5 or sys.argv[2] not in ("tickets", "customers") or sys.argv[4] not in ("csv", "parquet"):
        sys.exit("usage: generate.py DATA_DIR tickets|customers ROWS csv|parquet")
    print(write(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))


if __name__ == "__main__":
    main()
