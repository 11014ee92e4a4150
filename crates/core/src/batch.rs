//! Multi-row statements for the lines of one document: one INSERT (or UPSERT, or UPDATE
//! FROM VALUES) for all lines instead of one statement per line. The sale path runs four
//! statements for its lines whatever their number, and SQLite does the rows in one pass.

use crate::error::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// Rows per statement: SQLite allows 32766 parameters; 9 columns × 500 rows stays well below.
const CHUNK: usize = 500;

/// "(?,?,?),(?,?,?)" for `rows` rows of `cols` columns.
fn placeholders(cols: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(","));
    vec![row; rows].join(",")
}

/// Runs `{head} VALUES (...),(...) {tail}` over `rows` (each `cols` values) in chunks and
/// returns the rowid of every inserted row (a rowid table's new rows are numbered one after
/// another inside one write transaction). For an UPSERT the ids are meaningless.
pub(crate) fn insert_rows(
    conn: &Connection,
    head: &str,
    tail: &str,
    cols: usize,
    rows: &[Vec<Value>],
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let sql = format!("{head} VALUES {} {tail}", placeholders(cols, chunk.len()));
        conn.prepare_cached(&sql)?
            .execute(params_from_iter(chunk.iter().flatten()))?;
        let last = conn.last_insert_rowid();
        let first = last - chunk.len() as i64 + 1;
        ids.extend(first..=last);
    }
    Ok(ids)
}

/// Sets `products.stock` of each product once. (A single `UPDATE … FROM (VALUES …)`
/// measured slower than these primary-key updates: SQLite materialises the VALUES.)
pub(crate) fn set_stock(conn: &Connection, stock: &[(i64, String, i64)]) -> Result<()> {
    let mut st =
        conn.prepare_cached("UPDATE products SET stock = ?2, last_movement = ?3 WHERE id = ?1")?;
    for (id, s, last) in stock {
        st.execute(rusqlite::params![id, s, last])?;
    }
    Ok(())
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

pub(crate) fn int(i: i64) -> Value {
    Value::Integer(i)
}
