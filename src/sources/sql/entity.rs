//! An entity whose systems all live in one database, joined there (DESIGN §6): the database
//! normalizes, groups and intersects the keys, and only counts and a few examples come back.
//! PostgreSQL, SQLite and Spark (every system a table, path or query of one Spark Connect
//! endpoint: the cluster joins them); MySQL's case-insensitive collations and Unicode `LOWER`
//! would not match the normalizations' byte-exact, ASCII-only definitions, so MySQL keys are
//! streamed.

use crate::profile::{EntitySpec, Location, Normalization, Profile, SourceSpec};
use crate::stats::MAX_EXAMPLES;
use crate::stats::entity::Measured;
use crate::stats::keys::Comparison;

use super::dialect::{Dialect, Sql};
use super::{Conn, SqlSource, Val};

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// The systems' sources, when every one is a table or query of the same PostgreSQL or SQLite
/// database reached the same way, and the database can apply every normalization exactly.
fn shared<'a>(profile: &'a Profile, entity: &EntitySpec) -> Option<(Dialect, Vec<&'a SourceSpec>)> {
    let specs: Vec<&SourceSpec> =
        entity.keys.iter().map(|(s, _)| profile.sources.iter().find(|x| &x.name == s)).collect::<Option<_>>()?;
    let first = specs.first()?;
    let Location::Url { url, .. } = &first.location else { return None };
    let dialect = super::dialect_of(url).filter(|d| *d != Dialect::MySql)?;
    let same = specs.iter().all(|s| {
        matches!(&s.location, Location::Url { url: u, .. } if u == url)
            && s.password_env == first.password_env
            && (s.table.is_some()
                || s.query.is_some()
                || (dialect == Dialect::Spark && s.connect.cluster_path.is_some()))
    });
    let exact = entity.normalize.iter().all(|n| {
        dialect == Dialect::Postgres || !matches!(n, Normalization::DigitsOnly | Normalization::CollapseWhitespace)
    });
    let sides_known = entity
        .compare
        .iter()
        .all(|((a, _), (b, _))| entity.keys.iter().any(|(s, _)| s == a) && entity.keys.iter().any(|(s, _)| s == b));
    (same && exact && sides_known && specs.len() >= 2).then_some((dialect, specs))
}

/// Whether every system of an entity lives in one database that can join them itself.
pub fn joins_in_database(profile: &Profile, entity: &EntitySpec) -> bool {
    shared(profile, entity).is_some()
}

/// SQL expressions for one dialect.
struct Expr {
    d: Dialect,
}

impl Expr {
    fn ascii_lower(&self, e: &str) -> String {
        match self.d {
            // SQLite's LOWER folds ASCII only (without the ICU extension), as the definition does.
            Dialect::Sqlite => format!("LOWER({e})"),
            _ => format!("TRANSLATE({e}, '{UPPER}', '{LOWER}')"),
        }
    }

    /// `binds` holds one bound parameter per `strip_prefix` of the chain, in order: bound once
    /// and shared by every system, so each query uses every parameter it binds.
    fn norm(&self, binds: &[String], chain: &[Normalization], e: &str) -> String {
        let mut x = e.to_string();
        let mut binds = binds.iter();
        for n in chain {
            x = match n {
                Normalization::Trim => self.d.trim(&x),
                Normalization::Lowercase => self.ascii_lower(&x),
                Normalization::StripPrefix(p) => {
                    let bind = binds.next().cloned().unwrap_or_default();
                    let len = p.chars().count();
                    format!(
                        "(CASE WHEN {} = {} THEN SUBSTR({x}, {}) ELSE {x} END)",
                        self.ascii_lower(&format!("SUBSTR({x}, 1, {len})")),
                        self.typed(&bind),
                        len + 1
                    )
                }
                Normalization::StripLeadingZeros => {
                    // Spark's two-argument LTRIM takes its arguments the other way round.
                    let stripped = match self.d {
                        Dialect::Spark => format!("TRIM(LEADING '0' FROM {x})"),
                        _ => format!("LTRIM({x}, '0')"),
                    };
                    format!("(CASE WHEN {x} = '' THEN '' WHEN {stripped} = '' THEN '0' ELSE {stripped} END)")
                }
                Normalization::DigitsOnly => format!("REGEXP_REPLACE({x}, '[^0-9]', '', 'g')"),
                Normalization::CollapseWhitespace => format!(
                    "REGEXP_REPLACE({x}, '[' || chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ']+', ' ', 'g')"
                ),
            };
        }
        x
    }

    /// A bound parameter with its type spelled out: PostgreSQL cannot always infer it.
    fn typed(&self, bind: &str) -> String {
        match self.d {
            Dialect::Postgres => format!("CAST({bind} AS TEXT)"),
            _ => bind.to_string(),
        }
    }

    /// ASCII letters as `A`, digits as `9`, the first 32 characters, `…` after.
    fn shape(&self, e: &str) -> String {
        let head = format!("SUBSTR({e}, 1, 32)");
        let body = match self.d {
            Dialect::Postgres => {
                format!("REGEXP_REPLACE(REGEXP_REPLACE({head}, '[A-Za-z]', 'A', 'g'), '[0-9]', '9', 'g')")
            }
            _ => {
                let mut x = head;
                for c in UPPER.chars().chain(LOWER.chars()) {
                    x = format!("REPLACE({x}, '{c}', 'A')");
                }
                for c in '0'..='8' {
                    x = format!("REPLACE({x}, '{c}', '9')");
                }
                x
            }
        };
        format!("({body} || CASE WHEN LENGTH({e}) > 32 THEN '…' ELSE '' END)")
    }
}

/// One system's relation and key, as SQL.
struct System {
    relation: String,
    raw: String,
    norm: String,
    /// Rows whose key counts (not null, not blank, not empty once normalized).
    present: String,
}

/// Measures an entity inside the one database that holds all its systems.
pub fn entity_in_database(profile: &Profile, entity: &EntitySpec) -> Result<Measured, String> {
    let Some((dialect, specs)) = shared(profile, entity) else {
        return Err("its systems do not share one database".into());
    };
    let first = specs.first().and_then(|s| SqlSource::new(s)).ok_or("not a database source")?;
    let rt = first.runtime().map_err(|e| e.to_string())?;
    let wait = first.timeout + super::CONNECT_TIMEOUT;
    rt.block_on(async {
        let (mut conn, password) = first.connect().await.map_err(|e| e.to_string())?;
        let run = async {
            first.begin(&mut conn).await?;
            measure(&first, &mut conn, dialect, &specs, entity).await
        };
        let result = match tokio::time::timeout(wait, run).await {
            Ok(r) => r.map_err(|e| first.query_failed(&e, password.as_deref()).to_string()),
            Err(_) => Err(first.timed_out().to_string()),
        };
        if dialect != Dialect::Spark {
            let _ = conn.execute("ROLLBACK").await;
        }
        conn.close().await;
        result
    })
}

async fn measure(
    src: &SqlSource,
    conn: &mut Conn,
    d: Dialect,
    specs: &[&SourceSpec],
    entity: &EntitySpec,
) -> Result<Measured, sqlx::Error> {
    let x = Expr { d };
    let mut sql = Sql::default();
    let ws_blank = |e: &str| format!("{} = ''", d.trim(e));
    let binds: Vec<String> = entity
        .normalize
        .iter()
        .filter_map(|n| match n {
            Normalization::StripPrefix(p) => Some(sql.push_bind(d, &p.to_ascii_lowercase())),
            _ => None,
        })
        .collect();
    let mut systems = Vec::new();
    for (spec, (_, column)) in specs.iter().zip(&entity.keys) {
        let s = SqlSource::new(spec).map(|s| s.relation()).unwrap_or_default();
        let raw = d.text(&d.quote(column));
        let norm = x.norm(&binds, &entity.normalize, &raw);
        let present = format!("({raw} IS NOT NULL AND NOT ({}) AND {norm} <> '')", ws_blank(&raw));
        systems.push(System { relation: s, raw, norm, present });
    }
    let k = systems.len();
    let mut ctes = Vec::new();
    for (i, s) in systems.iter().enumerate() {
        ctes.push(format!(
            "preflight_s{i} AS (SELECT {} AS k, COUNT(*) AS n FROM {} AS preflight_r WHERE {} GROUP BY {})",
            s.norm, s.relation, s.present, s.norm
        ));
    }
    let union: Vec<String> = (0..k).map(|i| format!("SELECT k, {} AS b FROM preflight_s{i}", 1u64 << i)).collect();
    ctes.push(format!(
        "preflight_u AS (SELECT k, SUM(b) AS m FROM ({}) AS preflight_x GROUP BY k)",
        union.join(" UNION ALL ")
    ));
    let with = format!("WITH {}", ctes.join(",\n"));

    let mut m = Measured {
        distinct: vec![0; k],
        unmatched: vec![0; k],
        missing: vec![0; k],
        duplicates: vec![0; k],
        keyed: vec![0; k],
        fetched: vec![0; k],
        ..Measured::default()
    };
    let full = (1u64 << k) - 1;
    let masks = Sql { text: format!("{with}\nSELECT m, COUNT(*) FROM preflight_u GROUP BY m"), ..sql.clone() };
    for row in src.fetch(conn, &masks).await? {
        let (mask, n) = (row.first().map_or(0, Val::u64), row.get(1).map_or(0, Val::u64));
        m.union += n;
        if mask == full {
            m.in_all += n;
        }
        for i in 0..k {
            if mask & (1 << i) != 0 {
                m.distinct[i] += n;
            }
            if mask == 1 << i && k > 1 {
                m.unmatched[i] += n;
            }
        }
    }
    for (i, s) in systems.iter().enumerate() {
        let counts = Sql {
            text: format!(
                "{with}\nSELECT (SELECT COUNT(*) FROM {} AS preflight_r WHERE NOT {}), \
                 (SELECT COUNT(*) FROM preflight_s{i} WHERE n > 1), (SELECT COALESCE(SUM(n), 0) FROM preflight_s{i})",
                s.relation, s.present
            ),
            ..sql.clone()
        };
        let row = src.fetch(conn, &counts).await?.into_iter().next().unwrap_or_default();
        let v = |j: usize| row.get(j).map_or(0, Val::u64);
        (m.missing[i], m.duplicates[i], m.keyed[i]) = (v(0), v(1), v(2));

        let shapes = Sql {
            text: format!(
                "SELECT {} AS preflight__s, COUNT(*) AS preflight__n FROM {} AS preflight_r WHERE {} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
                x.shape(&s.raw),
                s.relation,
                s.present
            ),
            ..sql.clone()
        };
        let rows = src.fetch(conn, &shapes).await?;
        let mut ranked: Vec<(String, u64)> = rows
            .iter()
            .map(|r| (r.first().and_then(Val::text).unwrap_or_default(), r.get(1).map_or(0, Val::u64)))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        m.shapes.push(ranked);

        let examples = |cond: String| Sql {
            text: format!("{with}\nSELECT k FROM {cond} ORDER BY k LIMIT {MAX_EXAMPLES}"),
            ..sql.clone()
        };
        let texts = |rows: Vec<Vec<Val>>| rows.iter().filter_map(|r| r.first().and_then(Val::text)).collect::<Vec<_>>();
        m.duplicate_examples.push(texts(src.fetch(conn, &examples(format!("preflight_s{i} WHERE n > 1"))).await?));
    }
    // Every system's unmatched examples in one query: building the key union is the costly
    // part, and one query per system built it once more each.
    let singles: Vec<String> = (0..k).map(|i| (1u64 << i).to_string()).collect();
    let unmatched = Sql {
        text: format!(
            "{with},\npreflight_e AS (SELECT m, k, ROW_NUMBER() OVER (PARTITION BY m ORDER BY k) AS preflight_rn \
             FROM preflight_u WHERE m IN ({}))\nSELECT m, k FROM preflight_e WHERE preflight_rn <= {MAX_EXAMPLES} ORDER BY m, k",
            singles.join(", ")
        ),
        ..sql.clone()
    };
    m.unmatched_examples = vec![Vec::new(); k];
    for r in src.fetch(conn, &unmatched).await? {
        let (mask, key) = (r.first().map_or(0, Val::u64), r.get(1).and_then(Val::text));
        if let (Some(list), Some(key)) = (m.unmatched_examples.get_mut(mask.trailing_zeros() as usize), key) {
            list.push(key);
        }
    }
    let raw_sets: Vec<String> = systems
        .iter()
        .map(|s| format!("SELECT {} FROM {} AS preflight_r WHERE {}", s.raw, s.relation, s.present))
        .collect();
    let raw =
        Sql { text: format!("SELECT COUNT(*) FROM ({}) AS preflight_i", raw_sets.join(" INTERSECT ")), ..sql.clone() };
    m.matched_raw = src.fetch(conn, &raw).await?.first().and_then(|r| r.first()).map_or(0, Val::u64);

    for ((ls, lc), (rs, rc)) in &entity.compare {
        let side = |source: &str, column: &str| {
            let i = entity.keys.iter().position(|(s, _)| s == source)?;
            let s = systems.get(i)?;
            let v = d.text(&d.quote(column));
            Some(format!(
                "SELECT DISTINCT {} AS k, {} AS v, {v} AS raw FROM {} AS preflight_r WHERE {} AND {v} IS NOT NULL AND NOT ({})",
                s.norm,
                x.ascii_lower(&d.trim(&v)),
                s.relation,
                s.present,
                ws_blank(&v)
            ))
        };
        let (Some(a), Some(b)) = (side(ls, lc), side(rs, rc)) else {
            m.conflicts.push(None);
            continue;
        };
        let pair = format!(
            "WITH preflight_a AS ({a}), preflight_b AS ({b}),\n\
             preflight_k AS (SELECT k FROM preflight_a INTERSECT SELECT k FROM preflight_b),\n\
             preflight_ab AS (SELECT k, v FROM preflight_a EXCEPT SELECT k, v FROM preflight_b),\n\
             preflight_ba AS (SELECT k, v FROM preflight_b EXCEPT SELECT k, v FROM preflight_a),\n\
             preflight_d AS (SELECT k FROM preflight_ab WHERE k IN (SELECT k FROM preflight_k) \
             UNION SELECT k FROM preflight_ba WHERE k IN (SELECT k FROM preflight_k))"
        );
        let counts = Sql {
            text: format!("{pair}\nSELECT (SELECT COUNT(*) FROM preflight_k), (SELECT COUNT(*) FROM preflight_d)"),
            ..sql.clone()
        };
        let row = src.fetch(conn, &counts).await?.into_iter().next().unwrap_or_default();
        let mut c = Comparison {
            compared: row.first().map_or(0, Val::u64),
            conflicting: row.get(1).map_or(0, Val::u64),
            examples: Vec::new(),
        };
        // For each example key, a value of each side that the other side lacks. Spark cannot
        // nest a correlated subquery in another, so it gets the same as joins.
        let examples = if d == Dialect::Spark {
            let only = |x: &str, y: &str| {
                format!(
                    "(SELECT preflight_{x}.k, MIN(preflight_{x}.raw) AS raw FROM preflight_{x} LEFT JOIN preflight_{y} \
                     ON preflight_{x}.k = preflight_{y}.k AND preflight_{x}.v = preflight_{y}.v \
                     WHERE preflight_{y}.k IS NULL GROUP BY preflight_{x}.k)"
                )
            };
            let any = |x: &str| format!("(SELECT k, MIN(raw) AS raw FROM preflight_{x} GROUP BY k)");
            Sql {
                text: format!(
                    "{pair}\nSELECT preflight_d.k, preflight_xa.raw, preflight_xb.raw, preflight_ya.raw, preflight_yb.raw \
                     FROM preflight_d LEFT JOIN {} AS preflight_xa ON preflight_xa.k = preflight_d.k \
                     LEFT JOIN {} AS preflight_xb ON preflight_xb.k = preflight_d.k \
                     LEFT JOIN {} AS preflight_ya ON preflight_ya.k = preflight_d.k \
                     LEFT JOIN {} AS preflight_yb ON preflight_yb.k = preflight_d.k \
                     ORDER BY preflight_d.k LIMIT {MAX_EXAMPLES}",
                    only("a", "b"),
                    only("b", "a"),
                    any("a"),
                    any("b")
                ),
                ..sql.clone()
            }
        } else {
            Sql {
                text: format!(
                    "{pair}\nSELECT preflight_d.k, \
                 (SELECT MIN(raw) FROM preflight_a WHERE preflight_a.k = preflight_d.k AND v NOT IN (SELECT v FROM preflight_b WHERE preflight_b.k = preflight_d.k)), \
                 (SELECT MIN(raw) FROM preflight_b WHERE preflight_b.k = preflight_d.k AND v NOT IN (SELECT v FROM preflight_a WHERE preflight_a.k = preflight_d.k)), \
                 (SELECT MIN(raw) FROM preflight_a WHERE preflight_a.k = preflight_d.k), \
                 (SELECT MIN(raw) FROM preflight_b WHERE preflight_b.k = preflight_d.k) \
                 FROM preflight_d ORDER BY preflight_d.k LIMIT {MAX_EXAMPLES}"
                ),
                ..sql.clone()
            }
        };
        for r in src.fetch(conn, &examples).await? {
            let t = |j: usize| r.get(j).and_then(Val::text);
            c.examples.push((
                t(0).unwrap_or_default(),
                t(1).or(t(3)).unwrap_or_default(),
                t(2).or(t(4)).unwrap_or_default(),
            ));
        }
        m.conflicts.push(Some(c));
    }
    Ok(m)
}
