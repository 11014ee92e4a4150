//! The catalog: products, their extra units and aliases, and product search.
//! Stock is never written here except through `stock::apply_movement` (initial stock).

use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Result};
use crate::money::non_negative;
use crate::sales::ProductRef;
use crate::stock::{MovementKind, apply_movement};
use crate::time::stamp;
use crate::units::{builtin_factor, canonical_unit};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ProductUnit {
    pub unit: String,
    /// Base units in one of this unit.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub factor: Decimal,
    /// Own price for this unit, when it is not `factor × price`.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub price: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Product {
    pub id: i64,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub name: String,
    pub category: Option<String>,
    pub unit: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub price: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cost: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub reorder_point: Decimal,
    pub active: bool,
    pub aliases: Vec<String>,
    pub units: Vec<ProductUnit>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewProduct {
    pub name: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub category: Option<String>,
    /// Base unit; "pcs" when empty.
    pub unit: Option<String>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub price: Decimal,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub cost: Option<Decimal>,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub stock: Option<Decimal>,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub reorder_point: Option<Decimal>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub units: Vec<ProductUnit>,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ProductPatch {
    pub name: Option<String>,
    pub sku: Option<Option<String>>,
    pub barcode: Option<Option<String>>,
    pub category: Option<Option<String>>,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub price: Option<Decimal>,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub cost: Option<Decimal>,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub reorder_point: Option<Decimal>,
    pub active: Option<bool>,
    pub aliases: Option<Vec<String>>,
    pub units: Option<Vec<ProductUnit>>,
}

/// A unit resolved for one product: its name and how many base units it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedUnit {
    pub unit: String,
    pub factor: Decimal,
    pub price: Decimal,
}

const PRODUCT_COLS: &str =
    "id, sku, barcode, name, category, unit, price, cost, stock, reorder_point, active";

fn product_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: r.get(0)?,
        sku: r.get(1)?,
        barcode: r.get(2)?,
        name: r.get(3)?,
        category: r.get(4)?,
        unit: r.get(5)?,
        price: dec(r, 6)?,
        cost: dec(r, 7)?,
        stock: dec(r, 8)?,
        reorder_point: dec(r, 9)?,
        active: r.get::<_, i64>(10)? != 0,
        aliases: Vec::new(),
        units: Vec::new(),
    })
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn check_units(units: &[ProductUnit]) -> Result<()> {
    for u in units {
        if u.unit.trim().is_empty() {
            return Err(CoreError::invalid("satuan", "nama satuan kosong"));
        }
        if u.factor <= Decimal::ZERO {
            return Err(CoreError::invalid(
                "satuan",
                format!("isi 1 {} harus lebih dari 0", u.unit),
            ));
        }
        if let Some(p) = u.price {
            non_negative("harga satuan", p)?;
        }
    }
    Ok(())
}

/// Maps a UNIQUE violation to a clear duplicate error.
fn unique_violation(
    e: rusqlite::Error,
    sku: &Option<String>,
    barcode: &Option<String>,
) -> CoreError {
    let msg = e.to_string();
    if msg.contains("UNIQUE") && msg.contains("products.sku") {
        CoreError::Duplicate {
            field: "SKU".into(),
            value: sku.clone().unwrap_or_default(),
        }
    } else if msg.contains("UNIQUE") && msg.contains("products.barcode") {
        CoreError::Duplicate {
            field: "barcode".into(),
            value: barcode.clone().unwrap_or_default(),
        }
    } else {
        e.into()
    }
}

impl Shop {
    pub fn add_product(&mut self, p: NewProduct) -> Result<Product> {
        let name = p.name.trim().to_string();
        if name.is_empty() {
            return Err(CoreError::invalid("nama produk", "tidak boleh kosong"));
        }
        non_negative("harga", p.price)?;
        let cost = p.cost.unwrap_or(Decimal::ZERO);
        non_negative("modal", cost)?;
        let reorder = p.reorder_point.unwrap_or(Decimal::ZERO);
        non_negative("batas stok", reorder)?;
        check_units(&p.units)?;
        let unit = clean(&p.unit).unwrap_or_else(|| "pcs".into());
        let (sku, barcode, category) = (clean(&p.sku), clean(&p.barcode), clean(&p.category));
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.prepare_cached(
            "INSERT INTO products(sku, barcode, name, category, unit, price, cost, reorder_point,
                                  active, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)",
        )?
        .execute(params![
            sku,
            barcode,
            name,
            category,
            unit,
            d(p.price),
            d(cost),
            d(reorder),
            at
        ])
        .map_err(|e| unique_violation(e, &sku, &barcode))?;
        let id = tx.last_insert_rowid();
        write_aliases_units(&tx, id, &p.aliases, &p.units)?;
        if let Some(q) = p.stock.filter(|q| !q.is_zero()) {
            apply_movement(&tx, id, MovementKind::Initial, q, "product", id, &at)?;
        }
        audit(
            &tx,
            &at,
            &actor,
            "product.add",
            "product",
            Some(id),
            &serde_json::json!({"name": name, "price": d(p.price), "stock": p.stock.map(d)}),
        )?;
        tx.commit()?;
        self.product(id)
    }

    pub fn update_product(&mut self, id: i64, patch: ProductPatch) -> Result<Product> {
        let mut cur = self.product(id)?;
        if let Some(n) = &patch.name {
            if n.trim().is_empty() {
                return Err(CoreError::invalid("nama produk", "tidak boleh kosong"));
            }
            cur.name = n.trim().to_string();
        }
        if let Some(v) = &patch.sku {
            cur.sku = clean(v);
        }
        if let Some(v) = &patch.barcode {
            cur.barcode = clean(v);
        }
        if let Some(v) = &patch.category {
            cur.category = clean(v);
        }
        for (field, v, slot) in [
            ("harga", patch.price, &mut cur.price),
            ("modal", patch.cost, &mut cur.cost),
            ("batas stok", patch.reorder_point, &mut cur.reorder_point),
        ] {
            if let Some(v) = v {
                non_negative(field, v)?;
                *slot = v;
            }
        }
        if let Some(a) = patch.active {
            cur.active = a;
        }
        if let Some(u) = &patch.units {
            check_units(u)?;
        }
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE products SET sku=?2, barcode=?3, name=?4, category=?5, price=?6, cost=?7,
                    reorder_point=?8, active=?9, updated_at=?10 WHERE id=?1",
            params![
                id,
                cur.sku,
                cur.barcode,
                cur.name,
                cur.category,
                d(cur.price),
                d(cur.cost),
                d(cur.reorder_point),
                cur.active as i64,
                at
            ],
        )
        .map_err(|e| unique_violation(e, &cur.sku, &cur.barcode))?;
        if patch.aliases.is_some() || patch.units.is_some() {
            let aliases = patch.aliases.clone().unwrap_or(cur.aliases.clone());
            let units = patch.units.clone().unwrap_or(cur.units.clone());
            tx.execute("DELETE FROM product_aliases WHERE product_id=?1", [id])?;
            tx.execute("DELETE FROM product_units WHERE product_id=?1", [id])?;
            write_aliases_units(&tx, id, &aliases, &units)?;
        } else {
            refresh_search(&tx, id)?;
        }
        let detail = serde_json::json!({
            "name": patch.name, "price": patch.price.map(d), "cost": patch.cost.map(d),
            "active": patch.active, "reorder_point": patch.reorder_point.map(d),
        });
        audit(
            &tx,
            &at,
            &actor,
            "product.update",
            "product",
            Some(id),
            &detail,
        )?;
        tx.commit()?;
        self.product(id)
    }

    pub fn product(&self, id: i64) -> Result<Product> {
        load_product(&self.conn, id)?.ok_or_else(|| CoreError::ProductNotFound(format!("#{id}")))
    }

    /// All products (active first, then by name), with aliases and units.
    pub fn products(&self, include_inactive: bool) -> Result<Vec<Product>> {
        let sql = format!(
            "SELECT {PRODUCT_COLS} FROM products {} ORDER BY active DESC, name COLLATE NOCASE",
            if include_inactive {
                ""
            } else {
                "WHERE active = 1"
            }
        );
        let mut st = self.conn.prepare(&sql)?;
        let mut list: Vec<Product> = st
            .query_map([], product_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut aliases = self
            .conn
            .prepare("SELECT product_id, alias FROM product_aliases")?;
        let by_id: std::collections::HashMap<i64, usize> =
            list.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        for row in aliases.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (pid, a) = row?;
            if let Some(&i) = by_id.get(&pid) {
                list[i].aliases.push(a);
            }
        }
        let mut units = self
            .conn
            .prepare("SELECT product_id, unit, factor, price FROM product_units")?;
        for row in units.query_map([], |r| Ok((r.get::<_, i64>(0)?, unit_row(r, 1)?)))? {
            let (pid, u) = row?;
            if let Some(&i) = by_id.get(&pid) {
                list[i].units.push(u);
            }
        }
        Ok(list)
    }

    /// Products matching `query` by name, alias, SKU or barcode; substring- and
    /// typo-tolerant. Best match first.
    pub fn search_products(&self, query: &str, limit: usize) -> Result<Vec<Product>> {
        let ids = search_ids(&self.conn, query, limit)?;
        ids.into_iter()
            .filter_map(|id| load_product(&self.conn, id).transpose())
            .collect()
    }

    /// Finds the one active product a cashier means by `query`: exact SKU, barcode, name or
    /// alias first, then a unique substring match. Never guesses between several.
    pub fn resolve_product(&self, query: &str) -> Result<Product> {
        resolve_product(&self.conn, query)
    }
}

fn unit_row(r: &Row<'_>, at: usize) -> rusqlite::Result<ProductUnit> {
    let price: Option<String> = r.get(at + 2)?;
    Ok(ProductUnit {
        unit: r.get(at)?,
        factor: dec(r, at + 1)?,
        price: price.and_then(|p| p.parse().ok()),
    })
}

fn write_aliases_units(
    conn: &Connection,
    id: i64,
    aliases: &[String],
    units: &[ProductUnit],
) -> Result<()> {
    for a in aliases.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        conn.execute(
            "INSERT OR IGNORE INTO product_aliases(product_id, alias) VALUES (?1, ?2)",
            params![id, a],
        )?;
    }
    for u in units {
        conn.execute(
            "INSERT OR REPLACE INTO product_units(product_id, unit, factor, price) VALUES (?1, ?2, ?3, ?4)",
            params![id, u.unit.trim(), d(u.factor), u.price.map(d)],
        )?;
    }
    refresh_search(conn, id)
}

/// Rewrites the product's row in the FTS index from its name, aliases and SKU.
fn refresh_search(conn: &Connection, id: i64) -> Result<()> {
    let text: String = conn.query_row(
        "SELECT name || ' ' || coalesce(sku, '') || ' ' ||
                coalesce((SELECT group_concat(alias, ' ') FROM product_aliases WHERE product_id = ?1), '')
         FROM products WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    conn.execute("DELETE FROM product_search WHERE rowid = ?1", [id])?;
    conn.execute(
        "INSERT INTO product_search(rowid, text) VALUES (?1, ?2)",
        params![id, text],
    )?;
    for word in text.split_whitespace().map(str::to_lowercase) {
        if word.chars().count() >= 3
            && conn
                .prepare_cached("INSERT OR IGNORE INTO search_words(word) VALUES (?1)")?
                .execute([&word])?
                == 1
        {
            conn.prepare_cached("INSERT INTO search_words_fts(word) VALUES (?1)")?
                .execute([&word])?;
        }
    }
    Ok(())
}

/// The product row alone (no aliases, no extra units): what the sale path needs.
pub(crate) fn load_product_row(conn: &Connection, id: i64) -> Result<Option<Product>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {PRODUCT_COLS} FROM products WHERE id = ?1"
    ))?;
    Ok(st.query_row([id], product_row).optional()?)
}

pub(crate) fn load_units(conn: &Connection, id: i64) -> Result<Vec<ProductUnit>> {
    let mut st =
        conn.prepare_cached("SELECT unit, factor, price FROM product_units WHERE product_id = ?1")?;
    Ok(st
        .query_map([id], |r| unit_row(r, 0))?
        .collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn load_product(conn: &Connection, id: i64) -> Result<Option<Product>> {
    let Some(mut p) = load_product_row(conn, id)? else {
        return Ok(None);
    };
    let mut st = conn.prepare_cached("SELECT alias FROM product_aliases WHERE product_id = ?1")?;
    p.aliases = st
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    p.units = load_units(conn, id)?;
    Ok(Some(p))
}

/// The product a document line points at, with its extra units loaded only when `unit`
/// needs them (the sale path stays at one read for base-unit lines).
pub(crate) fn load_line_product(
    conn: &Connection,
    r: &ProductRef,
    unit: Option<&str>,
) -> Result<Product> {
    let mut p = match r {
        ProductRef::Id(id) => load_product_row(conn, *id)?
            .ok_or_else(|| CoreError::ProductNotFound(format!("#{id}")))?,
        ProductRef::Query(q) => resolve_product(conn, q)?,
    };
    if p.units.is_empty() && needs_units(&p, unit) {
        p.units = load_units(conn, p.id)?;
    }
    Ok(p)
}

/// Whether `unit` names something other than the product's base unit (so the extra units
/// must be looked at).
pub(crate) fn needs_units(p: &Product, unit: Option<&str>) -> bool {
    unit.map(str::trim)
        .is_some_and(|u| !u.is_empty() && canonical_unit(u) != canonical_unit(&p.unit))
}

/// Resolves a unit a cashier typed for this product. `None` means the base unit.
pub fn resolve_unit(p: &Product, unit: Option<&str>) -> Result<ResolvedUnit> {
    let base = ResolvedUnit {
        unit: p.unit.clone(),
        factor: Decimal::ONE,
        price: p.price,
    };
    let Some(text) = unit.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(base);
    };
    let want = canonical_unit(text);
    if canonical_unit(&p.unit) == want {
        return Ok(base);
    }
    if let Some(u) = p.units.iter().find(|u| canonical_unit(&u.unit) == want) {
        return Ok(ResolvedUnit {
            unit: u.unit.clone(),
            factor: u.factor,
            price: u.price.unwrap_or(p.price * u.factor),
        });
    }
    if let Some(f) = builtin_factor(&p.unit, text) {
        return Ok(ResolvedUnit {
            unit: want,
            factor: f,
            price: p.price * f,
        });
    }
    Err(CoreError::UnknownUnit {
        product: p.name.clone(),
        unit: text.to_string(),
    })
}

pub(crate) fn resolve_product(conn: &Connection, query: &str) -> Result<Product> {
    let q = query.trim();
    if q.is_empty() {
        return Err(CoreError::invalid("produk", "nama produk kosong"));
    }
    if let Some(id) = q.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
        return load_product(conn, id)?.ok_or_else(|| CoreError::ProductNotFound(q.into()));
    }
    let mut st = conn.prepare_cached(
        "SELECT id FROM products WHERE active = 1 AND (sku = ?1 OR barcode = ?1
                OR name = ?1 COLLATE NOCASE)
         UNION SELECT a.product_id FROM product_aliases a JOIN products p ON p.id = a.product_id
               WHERE p.active = 1 AND a.alias = ?1",
    )?;
    let exact: Vec<i64> = st
        .query_map([q], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let ids = if exact.is_empty() {
        substring_ids(conn, q, 6)?
    } else {
        exact
    };
    match ids.as_slice() {
        [id] => load_product(conn, *id)?.ok_or_else(|| CoreError::ProductNotFound(q.into())),
        [] => Err(CoreError::ProductNotFound(q.into())),
        many => {
            let mut names = Vec::new();
            for id in many.iter().take(5) {
                if let Some(p) = load_product(conn, *id)? {
                    names.push(p.name);
                }
            }
            Err(CoreError::AmbiguousProduct {
                query: q.into(),
                candidates: names,
            })
        }
    }
}

fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Active products whose name/alias/SKU contains every word of `q` (as substrings).
fn substring_ids(conn: &Connection, q: &str, limit: usize) -> Result<Vec<i64>> {
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    let (long, short): (Vec<&String>, Vec<&String>) =
        words.iter().partition(|w| w.chars().count() >= 3);
    let mut st;
    let rows: Vec<(i64, String)> = if long.is_empty() {
        // Trigrams need three characters: short queries fall back to a prefix scan.
        st = conn.prepare_cached(
            "SELECT p.id, s.text FROM products p JOIN product_search s ON s.rowid = p.id
             WHERE p.active = 1 AND s.text LIKE ?1 ESCAPE '\\' LIMIT 500",
        )?;
        let pat = format!("%{}%", short[0].replace(['%', '_', '\\'], "\\$0"));
        st.query_map([pat], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    } else {
        let m = long
            .iter()
            .map(|w| fts_phrase(w))
            .collect::<Vec<_>>()
            .join(" AND ");
        st = conn.prepare_cached(
            "SELECT s.rowid, s.text FROM product_search s JOIN products p ON p.id = s.rowid
             WHERE product_search MATCH ?1 AND p.active = 1 ORDER BY rank LIMIT 500",
        )?;
        st.query_map([m], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut hits: Vec<(i64, i64)> = rows
        .into_iter()
        .filter_map(|(id, text)| {
            let t = text.to_lowercase();
            short
                .iter()
                .all(|w| t.contains(w.as_str()))
                .then(|| (score(&t, &words), id))
        })
        .collect();
    hits.sort_by_key(|h| std::cmp::Reverse(h.0));
    Ok(hits.into_iter().take(limit).map(|(_, id)| id).collect())
}

/// Ranks a substring hit: whole-word and word-start matches beat mid-word ones,
/// shorter names beat longer ones.
fn score(text: &str, words: &[String]) -> i64 {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut s = 0;
    for w in words {
        if tokens.iter().any(|t| t == w) {
            s += 30;
        } else if tokens.iter().any(|t| t.starts_with(w.as_str())) {
            s += 20;
        } else {
            s += 5;
        }
    }
    if text.starts_with(words.first().map(String::as_str).unwrap_or("")) {
        s += 10;
    }
    s * 100 - text.len().min(99) as i64
}

fn trigrams(s: &str) -> Vec<String> {
    let chars: Vec<char> = s
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut v: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
    v.sort();
    v.dedup();
    v
}

pub(crate) fn search_ids(conn: &Connection, query: &str, limit: usize) -> Result<Vec<i64>> {
    let q = query.trim();
    if q.is_empty() {
        let mut st = conn.prepare_cached(
            "SELECT id FROM products WHERE active = 1 ORDER BY name COLLATE NOCASE LIMIT ?1",
        )?;
        return Ok(st
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?);
    }
    let mut out: Vec<i64> = Vec::new();
    let mut st = conn.prepare_cached(
        "SELECT id FROM products WHERE active = 1 AND (barcode = ?1 OR sku = ?1)",
    )?;
    out.extend(
        st.query_map([q], |r| r.get::<_, i64>(0))?
            .filter_map(|r| r.ok()),
    );
    for id in substring_ids(conn, q, limit)? {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        out = fuzzy_ids(conn, q, limit)?;
    }
    out.truncate(limit);
    Ok(out)
}

/// Typo tolerance ("minyk gorng", "indomei"): each word that occurs nowhere in the catalog is
/// replaced by the most similar word of the vocabulary, then the substring search runs again.
fn fuzzy_ids(conn: &Connection, q: &str, limit: usize) -> Result<Vec<i64>> {
    let mut corrected = Vec::new();
    let mut changed = false;
    for word in q.split_whitespace().map(str::to_lowercase) {
        if word.chars().count() < 3 || word_occurs(conn, &word)? {
            corrected.push(word);
            continue;
        }
        match closest_word(conn, &word)? {
            Some(w) => {
                corrected.push(w);
                changed = true;
            }
            None => return Ok(Vec::new()),
        }
    }
    if !changed {
        return Ok(Vec::new());
    }
    substring_ids(conn, &corrected.join(" "), limit)
}

fn word_occurs(conn: &Connection, word: &str) -> Result<bool> {
    let mut st = conn
        .prepare_cached("SELECT 1 FROM search_words_fts WHERE search_words_fts MATCH ?1 LIMIT 1")?;
    Ok(st.exists([fts_phrase(word)])?)
}

/// The vocabulary word most similar to `word` (Dice over trigrams ≥ 0.4), if any.
fn closest_word(conn: &Connection, word: &str) -> Result<Option<String>> {
    let grams = trigrams(word);
    if grams.len() < 2 {
        return Ok(None);
    }
    let m = grams
        .iter()
        .map(|g| fts_phrase(g))
        .collect::<Vec<_>>()
        .join(" OR ");
    let mut st = conn.prepare_cached(
        "SELECT word FROM search_words_fts WHERE search_words_fts MATCH ?1 ORDER BY rank LIMIT 50",
    )?;
    let mut best: Option<(f64, String)> = None;
    for w in st.query_map([m], |r| r.get::<_, String>(0))? {
        let w = w?;
        let sim = similarity(&grams, &trigrams(&w));
        if sim >= 0.4 && best.as_ref().is_none_or(|(b, _)| sim > *b) {
            best = Some((sim, w));
        }
    }
    Ok(best.map(|(_, w)| w))
}

/// Dice coefficient over trigram sets (a ranking score only; never touches money).
fn similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|g| b.binary_search(g).is_ok()).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}
