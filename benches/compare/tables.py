"""The benchmark's two tables and the measure semantics every peer must follow (issue 7).

Shared by generate.py and the peer scripts; imports nothing heavy, so a peer's timed process
pays only for its own engine. The semantics mirror preflight's (DESIGN §3 and
src/sources/sql/dialect/):

- null: SQL NULL; in CSV an empty unquoted field. A quoted `""` is an empty string (a blank).
- blank: a string that is empty or only whitespace once trimmed of space, tab, LF, VT, FF, CR.
- placeholder: a string whose trimmed, lower-cased form is in PLACEHOLDERS (the default list of
  DESIGN §2, lower-cased and deduplicated).
- present: none of the three. distinct (approximate), min and max are over present values,
  byte for byte; label classes count present label values as written (not trimmed).
- stale: timestamp older than as-of − 365 days; newest: the timestamp's maximum.
- key overlap: keys are null or whitespace-only → missing; otherwise normalized with
  `strip_prefix:C-` (ASCII case-insensitive) then `strip_leading_zeros` (all zeros → "0"),
  and a key that normalizes to "" is missing too.
"""

# The default placeholder list of DESIGN §2, trimmed and lower-cased.
PLACEHOLDERS = ["n/a", "na", "null", "none", "-", "?", "unknown", "tbd"]
# The characters preflight's SQL push-down trims (dialect.rs `trim`).
WHITESPACE = " \t\n\x0b\x0c\r"
STALE_DAYS = 365

# (name, kind): kind is "text", "timestamp" or "int". The CSV peers read exactly these types
# (no inference); the Parquet file stores them natively (timestamps as UTC microseconds).
TICKETS = [
    ("ticket_id", "text"),
    ("customer_id", "text"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("channel", "text"),
    ("priority", "text"),
    ("category", "text"),
    ("subject", "text"),
    ("body", "text"),
    ("agent_email", "text"),
    ("csat", "int"),
]
TICKETS_TIMESTAMP = "updated_at"
TICKETS_LABEL = "category"
TICKETS_KEY = "ticket_id"
TICKETS_REQUIRED = ["ticket_id", "customer_id", "subject", "body", "category"]

CUSTOMERS = [
    ("customer_id", "text"),
    ("name", "text"),
    ("email", "text"),
    ("country", "text"),
    ("segment", "text"),
    ("updated_at", "timestamp"),
]

ENTITY_KEY = "customer_id"
STRIP_PREFIX = "C-"


def customers_for(tickets_rows):
    """Rows of the CRM table that goes with a tickets table of this size (10M → 1M)."""
    return max(tickets_rows // 10, 1000)
