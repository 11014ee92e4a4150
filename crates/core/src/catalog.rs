//! The catalog: products, their extra units and aliases, and product search.
//! Stock is never written here except through `stock::apply_movement` (initial stock).

use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{
    COST_DECIMALS, MAX_LINE_QTY, MAX_NAME, PRICE_DECIMALS, QTY_DECIMALS, check_base_qty,
    check_money, check_opt_text, check_text, format_id,
};
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
    /// The unit's own barcode or code (a carton's barcode): scanning it sells this unit.
    #[serde(default)]
    pub code: Option<String>,
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
    /// The product's newest stock movement (the head of its chain in the ledger).
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub(crate) last_movement: Option<i64>,
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

const PRODUCT_COLS: &str = "id, sku, barcode, name, category, unit, price, cost, stock, reorder_point, active, last_movement";

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
        last_movement: r.get(11)?,
    })
}

fn clean(field: Field, s: &Option<String>) -> Result<Option<String>> {
    check_opt_text(field, s.as_deref(), MAX_NAME)
}

/// Extra units: a name, a size in base units that is exact at `QTY_DECIMALS` and sane, and
/// an optional own price. Returns them cleaned.
pub(crate) fn check_units(
    product: &str,
    base: &str,
    units: &[ProductUnit],
) -> Result<Vec<ProductUnit>> {
    let mut out: Vec<ProductUnit> = Vec::with_capacity(units.len());
    for u in units {
        let name = check_text(Field::Unit, &u.unit, MAX_NAME)?;
        if name.is_empty() {
            return Err(CoreError::invalid(Field::Unit, Problem::Required));
        }
        if canonical_unit(&name) == canonical_unit(base)
            || out
                .iter()
                .any(|o| canonical_unit(&o.unit) == canonical_unit(&name))
        {
            return Err(CoreError::Duplicate {
                field: Field::Unit,
                value: name,
            });
        }
        if u.factor <= Decimal::ZERO {
            return Err(CoreError::invalid(
                Field::UnitFactor,
                Problem::NotPositive {
                    value: format_id(u.factor),
                },
            ));
        }
        let factor = check_base_qty(Field::UnitFactor, u.factor)?;
        // 0,083 for a pcs of a lusin is 1/12 rounded: twelve of them would not make a lusin.
        // A size below 1 must be an exact part (1/2, 1/4, 1/10, 0,75 …), not a rounded one.
        if factor < Decimal::ONE {
            let parts = Decimal::ONE / factor;
            let whole = parts.round();
            if parts != whole && ((parts - whole).abs() / whole) < Decimal::new(1, 2) {
                return Err(CoreError::InexactUnit {
                    product: product.to_string(),
                    unit: name,
                    base: base.to_string(),
                });
            }
        }
        if factor > MAX_LINE_QTY {
            return Err(CoreError::invalid(
                Field::UnitFactor,
                Problem::OutOfRange {
                    value: format_id(factor),
                    min: "0".into(),
                    max: format_id(MAX_LINE_QTY),
                },
            ));
        }
        let price = u
            .price
            .map(|p| check_money(Field::UnitPrice, p, PRICE_DECIMALS))
            .transpose()?;
        let code = u
            .code
            .as_deref()
            .map(|c| check_text(Field::Barcode, c, MAX_NAME))
            .transpose()?
            .filter(|c| !c.is_empty());
        if let Some(c) = &code
            && out
                .iter()
                .any(|o| o.code.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c)))
        {
            return Err(CoreError::Duplicate {
                field: Field::Barcode,
                value: c.clone(),
            });
        }
        out.push(ProductUnit {
            unit: name,
            factor,
            price,
            code,
        });
    }
    Ok(out)
}

/// Refuses codes and aliases that would make another product ambiguous: a SKU that is
/// another product's barcode (or the reverse), an alias that is another product's name or
/// code. (A generic alias may be shared: "micin" for two brands asks which one.)
fn check_clashes(
    conn: &Connection,
    id: Option<i64>,
    sku: &Option<String>,
    barcode: &Option<String>,
    aliases: &[String],
    units: &[ProductUnit],
) -> Result<()> {
    let taken = |sql: &str, v: &str| -> Result<bool> {
        Ok(conn.prepare_cached(sql)?.exists(params![v, id])?)
    };
    // A unit's code is nobody's SKU or barcode (not even this product's own: a scan of it
    // must mean one unit), and this product's codes are no other product's unit code.
    for code in units.iter().filter_map(|u| u.code.as_deref()) {
        let own = [sku, barcode]
            .iter()
            .any(|c| c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)));
        if own
            || taken(
                "SELECT 1 FROM products WHERE (sku = ?1 COLLATE NOCASE OR barcode = ?1)
                     AND id IS NOT ?2",
                code,
            )?
        {
            return Err(CoreError::Duplicate {
                field: Field::Barcode,
                value: code.to_string(),
            });
        }
    }
    for (field, code) in [(Field::Sku, sku), (Field::Barcode, barcode)] {
        if let Some(c) = code
            && taken(
                "SELECT 1 FROM product_units WHERE code = ?1 AND product_id IS NOT ?2",
                c,
            )?
        {
            return Err(CoreError::Duplicate {
                field,
                value: c.clone(),
            });
        }
    }
    if let Some(s) = sku
        && taken(
            "SELECT 1 FROM products WHERE barcode = ?1 AND id IS NOT ?2",
            s,
        )?
    {
        return Err(CoreError::Duplicate {
            field: Field::Sku,
            value: s.clone(),
        });
    }
    if let Some(b) = barcode
        && taken(
            "SELECT 1 FROM products WHERE sku = ?1 COLLATE NOCASE AND id IS NOT ?2",
            b,
        )?
    {
        return Err(CoreError::Duplicate {
            field: Field::Barcode,
            value: b.clone(),
        });
    }
    for a in aliases {
        if taken(
            "SELECT 1 FROM products WHERE (name = ?1 COLLATE NOCASE OR sku = ?1 COLLATE NOCASE
                 OR barcode = ?1) AND id IS NOT ?2",
            a,
        )? {
            return Err(CoreError::Duplicate {
                field: Field::Alias,
                value: a.clone(),
            });
        }
    }
    Ok(())
}

/// Another product (active or not) already called `name`, other than `except`.
fn name_taken(conn: &Connection, name: &str, except: Option<i64>) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM products WHERE name = ?1 COLLATE NOCASE AND id IS NOT ?2 LIMIT 1",
        )?
        .exists(params![name, except])?)
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
            field: Field::Sku,
            value: sku.clone().unwrap_or_default(),
        }
    } else if msg.contains("UNIQUE") && msg.contains("products.barcode") {
        CoreError::Duplicate {
            field: Field::Barcode,
            value: barcode.clone().unwrap_or_default(),
        }
    } else {
        e.into()
    }
}

impl Shop {
    pub fn add_product(&mut self, p: NewProduct) -> Result<Product> {
        self.require_owner("product.edit")?;
        let name = check_text(Field::ProductName, &p.name, MAX_NAME)?;
        if name.is_empty() {
            return Err(CoreError::invalid(Field::ProductName, Problem::Required));
        }
        let price = check_money(Field::Price, p.price, PRICE_DECIMALS)?;
        // A typed cost is whole rupiah; edits may carry the moving average back (4 decimals).
        let cost = check_money(Field::Cost, p.cost.unwrap_or(Decimal::ZERO), 0)?;
        let reorder = check_non_negative_qty(Field::ReorderPoint, p.reorder_point)?;
        let opening = check_non_negative_qty(Field::OpeningStock, p.stock)?;
        let unit = clean(Field::Unit, &p.unit)?.unwrap_or_else(|| "pcs".into());
        let units = check_units(&name, &unit, &p.units)?;
        let aliases = check_aliases(&p.aliases)?;
        let (sku, barcode, category) = (
            clean(Field::Sku, &p.sku)?,
            clean(Field::Barcode, &p.barcode)?,
            clean(Field::Category, &p.category)?,
        );
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        if name_taken(&tx, &name, None)? {
            return Err(CoreError::Duplicate {
                field: Field::ProductName,
                value: name,
            });
        }
        check_clashes(&tx, None, &sku, &barcode, &aliases, &units)?;
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
            d(price),
            d(cost),
            d(reorder),
            at
        ])
        .map_err(|e| unique_violation(e, &sku, &barcode))?;
        let id = tx.last_insert_rowid();
        write_aliases_units(&tx, id, &aliases, &units)?;
        if !opening.is_zero() {
            apply_movement(&tx, id, MovementKind::Initial, opening, "product", id, &at)?;
        }
        audit(
            &tx,
            &at,
            &actor,
            "product.add",
            "product",
            Some(id),
            &serde_json::json!({"name": name, "price": d(price), "stock": d(opening)}),
        )?;
        tx.commit()?;
        self.product(id)
    }

    pub fn update_product(&mut self, id: i64, patch: ProductPatch) -> Result<Product> {
        self.require_owner("product.edit")?;
        let mut cur = self.product(id)?;
        if let Some(n) = &patch.name {
            let n = check_text(Field::ProductName, n, MAX_NAME)?;
            if n.is_empty() {
                return Err(CoreError::invalid(Field::ProductName, Problem::Required));
            }
            cur.name = n;
        }
        if let Some(v) = &patch.sku {
            cur.sku = clean(Field::Sku, v)?;
        }
        if let Some(v) = &patch.barcode {
            cur.barcode = clean(Field::Barcode, v)?;
        }
        if let Some(v) = &patch.category {
            cur.category = clean(Field::Category, v)?;
        }
        if let Some(v) = patch.price {
            cur.price = check_money(Field::Price, v, PRICE_DECIMALS)?;
        }
        if let Some(v) = patch.cost {
            cur.cost = check_money(Field::Cost, v, COST_DECIMALS)?;
        }
        if let Some(v) = patch.reorder_point {
            cur.reorder_point = check_non_negative_qty(Field::ReorderPoint, Some(v))?;
        }
        if let Some(a) = patch.active {
            cur.active = a;
        }
        let units = patch
            .units
            .as_ref()
            .map(|u| check_units(&cur.name, &cur.unit, u))
            .transpose()?;
        let aliases = patch
            .aliases
            .as_ref()
            .map(|a| check_aliases(a))
            .transpose()?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        if name_taken(&tx, &cur.name, Some(id))? {
            return Err(CoreError::Duplicate {
                field: Field::ProductName,
                value: cur.name,
            });
        }
        check_clashes(
            &tx,
            Some(id),
            &cur.sku,
            &cur.barcode,
            aliases.as_deref().unwrap_or_default(),
            units.as_deref().unwrap_or(&cur.units),
        )?;
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
        if aliases.is_some() || units.is_some() {
            let aliases = aliases.unwrap_or(cur.aliases.clone());
            let units = units.unwrap_or(cur.units.clone());
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
        load_product(&self.conn, id)?.ok_or_else(|| CoreError::ProductNotFound {
            query: format!("#{id}"),
        })
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
            .prepare("SELECT product_id, unit, factor, price, code FROM product_units")?;
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
        self.search_products_with(query, limit, false)
    }

    /// `search_products`, including deactivated products when `include_inactive`.
    pub fn search_products_with(
        &self,
        query: &str,
        limit: usize,
        include_inactive: bool,
    ) -> Result<Vec<Product>> {
        let ids = search_ids(&self.conn, query, limit, include_inactive)?;
        ids.into_iter()
            .filter_map(|id| load_product(&self.conn, id).transpose())
            .collect()
    }

    /// Finds the one product `query` means, active or not (to show, edit, reactivate, count
    /// or take back): exact SKU or barcode first, then exact name or alias, then a unique
    /// substring match. Never guesses between several.
    pub fn resolve_product(&self, query: &str) -> Result<Product> {
        resolve_product(&self.conn, query, Lookup::Any)
    }

    /// Active products to pick with the mouse (the Kasir's product tiles): those sold on the
    /// most days first, then by name; only `category` when given.
    pub fn popular_products(&self, category: Option<&str>, limit: usize) -> Result<Vec<Product>> {
        let ids: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT p.id FROM products p
                   LEFT JOIN (SELECT product_id, count(*) AS days FROM daily_product_sales
                               GROUP BY product_id) s ON s.product_id = p.id
                  WHERE p.active = 1 AND (?1 IS NULL OR p.category = ?1 COLLATE NOCASE)
                  ORDER BY coalesce(s.days, 0) DESC, p.name COLLATE NOCASE LIMIT ?2",
            )?
            .query_map(params![category, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter()
            .filter_map(|id| load_product(&self.conn, id).transpose())
            .collect()
    }

    /// The categories in use among active products, by name, each once whatever its case.
    pub fn categories(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT min(category) FROM products WHERE active = 1 AND category IS NOT NULL
                   AND category != '' GROUP BY category COLLATE NOCASE ORDER BY category COLLATE NOCASE",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// What the cashier's Enter means for a typed or scanned text: one product only when
    /// the text is a code, a product's exact name or alias, or matches one product alone;
    /// several candidates, or a product found only by correcting the spelling ("rokok" is
    /// never silently a diaper), are offered as choices. An inactive product's exact name or
    /// code is an error that names it.
    pub fn pick_for_sale(&self, query: &str) -> Result<SalePick> {
        let q = query.trim();
        if q.is_empty() {
            return Err(CoreError::invalid(Field::Product, Problem::Required));
        }
        let coded: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT product_id, unit FROM product_units WHERE code = ?1")?
            .query_row([q], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((id, unit)) = coded
            && let Some(product) = load_product(&self.conn, id)?
        {
            if !product.active {
                return Err(CoreError::ProductInactive {
                    product: product.name,
                });
            }
            return Ok(SalePick::One {
                product: Box::new(product),
                unit: Some(unit),
            });
        }
        match resolve_product(&self.conn, q, Lookup::Selling) {
            Ok(product) => Ok(SalePick::One {
                product: Box::new(product),
                unit: None,
            }),
            Err(CoreError::AmbiguousProduct { .. } | CoreError::ProductNotFound { .. }) => {
                let products = self.search_products(q, 8)?;
                Ok(if products.is_empty() {
                    SalePick::Unknown {
                        code: looks_like_code(q),
                    }
                } else {
                    SalePick::Choose { products }
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// The answer of `Shop::pick_for_sale`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SalePick {
    /// Exactly this product (in `unit` when one of its units' own codes was scanned).
    One {
        product: Box<Product>,
        unit: Option<String>,
    },
    /// Several may be meant, or the text only resembles them: the cashier chooses.
    Choose { products: Vec<Product> },
    /// Nothing matches; `code` when the text looks like a scanned or typed code (offer a new
    /// product with it filled in).
    Unknown { code: bool },
}

/// A barcode or SKU rather than words: one run of letters, digits and dashes with at least
/// four digits ("8991002101234", "BRG-0012").
fn looks_like_code(q: &str) -> bool {
    !q.contains(char::is_whitespace)
        && q.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && q.chars().filter(char::is_ascii_digit).count() >= 4
}

pub(crate) fn unit_row(r: &Row<'_>, at: usize) -> rusqlite::Result<ProductUnit> {
    let price: Option<String> = r.get(at + 2)?;
    Ok(ProductUnit {
        unit: r.get(at)?,
        factor: dec(r, at + 1)?,
        price: price.and_then(|p| p.parse().ok()),
        code: r.get(at + 3)?,
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
            "INSERT OR REPLACE INTO product_units(product_id, unit, factor, price, code)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, u.unit.trim(), d(u.factor), u.price.map(d), u.code],
        )
        .map_err(|e| match &u.code {
            Some(c) if e.to_string().contains("product_units.code") => CoreError::Duplicate {
                field: Field::Barcode,
                value: c.clone(),
            },
            _ => e.into(),
        })?;
    }
    refresh_search(conn, id)
}

/// Rewrites the product's row in the FTS index from its name, SKU, aliases and category
/// (the same expression as migration 0008's rebuild).
pub(crate) fn refresh_search(conn: &Connection, id: i64) -> Result<()> {
    let text: String = conn.query_row(
        "SELECT name || ' ' || coalesce(sku, '') || ' ' ||
                coalesce((SELECT group_concat(alias, ' ') FROM product_aliases WHERE product_id = ?1), '')
                || ' ' || coalesce(category, '')
         FROM products WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    conn.execute("DELETE FROM product_search WHERE rowid = ?1", [id])?;
    conn.execute(
        "INSERT INTO product_search(rowid, text) VALUES (?1, ?2)",
        params![id, text],
    )?;
    for word in vocabulary(&text) {
        if conn
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

/// The words of a product's search text that spelling correction may suggest: runs of three
/// or more letters, lowercased ("Minyak Goreng 2L BRG-0012" → minyak, goreng, brg). Numbers
/// and codes are never typos of one another, so they stay out of the vocabulary (and out of
/// the correction in `fuzzy_ids`); the substring index still finds them.
pub(crate) fn vocabulary(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().nth(2).is_some())
        .map(str::to_lowercase)
}

/// The product row alone (no aliases, no extra units): what the sale path needs.
pub(crate) fn load_product_row(conn: &Connection, id: i64) -> Result<Option<Product>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {PRODUCT_COLS} FROM products WHERE id = ?1"
    ))?;
    Ok(st.query_row([id], product_row).optional()?)
}

pub(crate) fn load_units(conn: &Connection, id: i64) -> Result<Vec<ProductUnit>> {
    let mut st = conn.prepare_cached(
        "SELECT unit, factor, price, code FROM product_units WHERE product_id = ?1",
    )?;
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
/// needs them (the sale path stays at one read for base-unit lines). Selling refuses an
/// inactive product; buying, counting and returns do not.
pub(crate) fn load_line_product(
    conn: &Connection,
    r: &ProductRef,
    unit: Option<&str>,
    lookup: Lookup,
) -> Result<Product> {
    let mut p = match r {
        ProductRef::Id(id) => {
            load_product_row(conn, *id)?.ok_or_else(|| CoreError::ProductNotFound {
                query: format!("#{id}"),
            })?
        }
        ProductRef::Query(q) => resolve_product(conn, q, lookup)?,
    };
    if lookup == Lookup::Selling && !p.active {
        return Err(CoreError::ProductInactive { product: p.name });
    }
    if p.units.is_empty() && needs_units(&p, unit) {
        p.units = load_units(conn, p.id)?;
    }
    Ok(p)
}

/// A document line that names a product by one of its units' codes ("MS01-D", the carton's
/// barcode) and no unit: the same line by product id, in that unit.
pub(crate) fn line_by_unit_code(
    conn: &Connection,
    product: &ProductRef,
    unit: Option<&str>,
) -> Result<Option<(ProductRef, String)>> {
    let (ProductRef::Query(q), None) = (product, unit) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached("SELECT product_id, unit FROM product_units WHERE code = ?1")?
        .query_row([q.trim()], |r| Ok((ProductRef::Id(r.get(0)?), r.get(1)?)))
        .optional()?)
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
        // 1 pcs of a product counted in lusin is 1/12: not exact at a fixed scale, so it
        // would drift. Such a unit is refused rather than rounded.
        let exact = f.normalize();
        if exact.scale() > QTY_DECIMALS {
            return Err(CoreError::InexactUnit {
                product: p.name.clone(),
                unit: want,
                base: p.unit.clone(),
            });
        }
        return Ok(ResolvedUnit {
            unit: want,
            factor: exact,
            price: p.price * exact,
        });
    }
    Err(CoreError::UnknownUnit {
        product: p.name.clone(),
        unit: text.to_string(),
    })
}

/// Which products a lookup may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Active products only; an exact match on an inactive one says it is inactive.
    Selling,
    /// Any product: show, edit, reactivate, buy, count, take back.
    Any,
}

fn check_non_negative_qty(field: Field, q: Option<Decimal>) -> Result<Decimal> {
    let q = q.unwrap_or(Decimal::ZERO);
    if q.is_sign_negative() && !q.is_zero() {
        return Err(CoreError::invalid(
            field,
            Problem::Negative {
                value: format_id(q),
            },
        ));
    }
    check_base_qty(field, q)
}

fn check_aliases(aliases: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for a in aliases {
        let a = check_text(Field::Alias, a, MAX_NAME)?;
        if !a.is_empty() {
            out.push(a);
        }
    }
    Ok(out)
}

pub(crate) fn resolve_product(conn: &Connection, query: &str, lookup: Lookup) -> Result<Product> {
    let q = query.trim();
    if q.is_empty() {
        return Err(CoreError::invalid(Field::Product, Problem::Required));
    }
    let not_found = || CoreError::ProductNotFound { query: q.into() };
    let pick = |p: Product| -> Result<Product> {
        if lookup == Lookup::Selling && !p.active {
            return Err(CoreError::ProductInactive { product: p.name });
        }
        Ok(p)
    };
    if let Some(id) = q.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
        return pick(load_product(conn, id)?.ok_or_else(not_found)?);
    }
    // A code is exact: a SKU, barcode or unit code always wins over a name that happens to
    // match.
    let by_code: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM products WHERE sku = ?1 OR barcode = ?1
                 OR id = (SELECT product_id FROM product_units WHERE code = ?1)
             ORDER BY active DESC, id LIMIT 1",
        )?
        .query_row([q], |r| r.get(0))
        .optional()?;
    if let Some(id) = by_code {
        return pick(load_product(conn, id)?.ok_or_else(not_found)?);
    }
    // A product's own name beats another product's alias.
    let mut exact: Vec<(i64, bool)> = conn
        .prepare_cached("SELECT id, active FROM products WHERE name = ?1 COLLATE NOCASE")?
        .query_map([q], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))?
        .collect::<rusqlite::Result<_>>()?;
    if exact.is_empty() {
        exact = conn
            .prepare_cached(
                "SELECT p.id, p.active FROM product_aliases a JOIN products p ON p.id = a.product_id
                 WHERE a.alias = ?1",
            )?
            .query_map([q], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))?
            .collect::<rusqlite::Result<_>>()?;
    }
    let active: Vec<i64> = exact.iter().filter(|e| e.1).map(|e| e.0).collect();
    let ids: Vec<i64> = match lookup {
        Lookup::Any if !exact.is_empty() => exact.iter().map(|e| e.0).collect(),
        Lookup::Selling if !active.is_empty() => active,
        // Only inactive products carry this exact name: say so instead of guessing another.
        Lookup::Selling if !exact.is_empty() => vec![exact[0].0],
        _ => substring_ids(conn, q, 6, lookup == Lookup::Any)?,
    };
    match ids.as_slice() {
        [id] => pick(load_product(conn, *id)?.ok_or_else(not_found)?),
        [] => Err(not_found()),
        many => {
            let mut names = Vec::new();
            for id in many.iter().take(5) {
                if let Some(p) = load_product(conn, *id)? {
                    // Names can repeat in old files: the SKU tells them apart.
                    names.push(match p.sku {
                        Some(sku) => format!("{} [{sku}]", p.name),
                        None => format!("{} [#{}]", p.name, p.id),
                    });
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

/// Products (active ones unless `any`) whose name/alias/SKU contains every word of `q`
/// (as substrings).
fn substring_ids(conn: &Connection, q: &str, limit: usize, any: bool) -> Result<Vec<i64>> {
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    let (long, short): (Vec<&String>, Vec<&String>) =
        words.iter().partition(|w| w.chars().count() >= 3);
    let mut st;
    let rows: Vec<(i64, String, String)> = if long.is_empty() {
        // Trigrams need three characters: short queries fall back to a prefix scan.
        st = conn.prepare_cached(
            "SELECT p.id, p.name, s.text FROM products p JOIN product_search s ON s.rowid = p.id
             WHERE (p.active = 1 OR ?2) AND s.text LIKE ?1 ESCAPE '\\' LIMIT 500",
        )?;
        let pat = format!("%{}%", short[0].replace(['%', '_', '\\'], "\\$0"));
        st.query_map(params![pat, any], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    } else {
        let m = long
            .iter()
            .map(|w| fts_phrase(w))
            .collect::<Vec<_>>()
            .join(" AND ");
        st = conn.prepare_cached(
            "SELECT s.rowid, p.name, s.text FROM product_search s JOIN products p ON p.id = s.rowid
             WHERE product_search MATCH ?1 AND (p.active = 1 OR ?2) ORDER BY rank LIMIT 500",
        )?;
        st.query_map(params![m, any], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut hits: Vec<Hit> = rows
        .into_iter()
        .filter_map(|(id, name, text)| {
            let t = text.to_lowercase();
            short.iter().all(|w| t.contains(w.as_str())).then(|| Hit {
                id,
                score: score(&name.to_lowercase(), &t, &words),
                sold_days: 0,
                name_len: name.chars().count(),
            })
        })
        .collect();
    hits.sort_by_key(|h| std::cmp::Reverse(h.score));
    // Equally good matches go by how often each product sells ("telur" → the eggs sold every
    // day before the quail eggs), then the shorter name. Only hits that can still reach the
    // first `limit` places are looked up (a few indexed reads, not one per catalog row).
    let cut = hits
        .get(limit.saturating_sub(1))
        .map_or(i64::MIN, |h| h.score);
    let mut sold =
        conn.prepare_cached("SELECT count(*) FROM daily_product_sales WHERE product_id = ?1")?;
    for h in hits.iter_mut().take_while(|h| h.score >= cut).take(64) {
        h.sold_days = sold.query_row([h.id], |r| r.get(0))?;
    }
    hits.sort_by_key(|h| {
        (
            std::cmp::Reverse(h.score),
            std::cmp::Reverse(h.sold_days),
            h.name_len,
        )
    });
    Ok(hits.into_iter().take(limit).map(|h| h.id).collect())
}

struct Hit {
    id: i64,
    score: i64,
    sold_days: i64,
    name_len: usize,
}

/// Ranks a substring hit by where each word is found: a whole word of the name beats the
/// start of a word of the name, which beats the middle of one; a word found only in the
/// SKU, an alias or the category counts less than the name. A name that starts with the
/// first word ranks higher still ("telur" → "Telur Ayam" before "Roti Isi Telur").
fn score(name: &str, text: &str, words: &[String]) -> i64 {
    let tokens = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    let in_name = tokens(name);
    let in_text = tokens(text);
    let mut s = 0;
    for w in words {
        s += if in_name.iter().any(|t| t == w) {
            30
        } else if in_name.iter().any(|t| t.starts_with(w.as_str())) {
            20
        } else if name.contains(w.as_str()) {
            10
        } else if in_text.iter().any(|t| t == w || t.starts_with(w.as_str())) {
            8
        } else {
            5
        };
    }
    if words.first().is_some_and(|w| name.starts_with(w.as_str())) {
        s += 10;
    }
    s
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

pub(crate) fn search_ids(
    conn: &Connection,
    query: &str,
    limit: usize,
    any: bool,
) -> Result<Vec<i64>> {
    let q = query.trim();
    if q.is_empty() {
        let mut st = conn.prepare_cached(
            "SELECT id FROM products WHERE active = 1 OR ?2 ORDER BY name COLLATE NOCASE LIMIT ?1",
        )?;
        return Ok(st
            .query_map(params![limit as i64, any], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?);
    }
    let mut out: Vec<i64> = Vec::new();
    let mut st = conn.prepare_cached(
        "SELECT id FROM products WHERE (active = 1 OR ?2) AND (barcode = ?1 OR sku = ?1
             OR id = (SELECT product_id FROM product_units WHERE code = ?1))",
    )?;
    for id in st.query_map(params![q, any], |r| r.get::<_, i64>(0))? {
        out.push(id?);
    }
    for id in substring_ids(conn, q, limit, any)? {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        out = fuzzy_ids(conn, q, limit, any)?;
    }
    out.truncate(limit);
    Ok(out)
}

/// Typo tolerance ("minyk gorng", "indomei"): each word that occurs nowhere in the catalog is
/// replaced by the most similar word of the vocabulary, then the substring search runs again.
fn fuzzy_ids(conn: &Connection, q: &str, limit: usize, any: bool) -> Result<Vec<i64>> {
    let mut corrected = Vec::new();
    let mut changed = false;
    for word in q.split_whitespace().map(str::to_lowercase) {
        if word.chars().count() < 3
            || !word.chars().all(char::is_alphabetic)
            || word_occurs(conn, &word)?
        {
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
    substring_ids(conn, &corrected.join(" "), limit, any)
}

fn word_occurs(conn: &Connection, word: &str) -> Result<bool> {
    let mut st = conn
        .prepare_cached("SELECT 1 FROM search_words_fts WHERE search_words_fts MATCH ?1 LIMIT 1")?;
    Ok(st.exists([fts_phrase(word)])?)
}

/// The vocabulary word closest to `word`, if any is close enough: within a small edit
/// distance (one typo in a short word, two in a longer one: "gorng" → "goreng", "indomei" →
/// "indomie"), or sharing enough trigrams (Dice ≥ 0.4). Fewest edits first, then most shared
/// trigrams. Candidates come from the trigram index, so the vocabulary is never scanned.
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
    let budget = if word.chars().count() >= 5 { 2 } else { 1 };
    let mut best: Option<(usize, f64, String)> = None;
    for w in st.query_map([m], |r| r.get::<_, String>(0))? {
        let w = w?;
        let sim = similarity(&grams, &trigrams(&w));
        let edits = edit_distance(word, &w);
        if edits > budget && sim < 0.4 {
            continue;
        }
        let better = best
            .as_ref()
            .is_none_or(|(e, s, _)| edits < *e || (edits == *e && sim > *s));
        if better {
            best = Some((edits, sim, w));
        }
    }
    Ok(best.map(|(_, _, w)| w))
}

/// Edit distance with adjacent transpositions (optimal string alignment), over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Dice coefficient over trigram sets (a ranking score only; never touches money).
fn similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|g| b.binary_search(g).is_ok()).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}
