//! Stock lists in. pasar-import reads any spreadsheet into rows; here those rows become
//! products: rows that are the selling units, variants or price tiers of one product are
//! grouped, every row is validated against the file and the shop before anything is written,
//! existing products are matched (SKU, then barcode, then name), and the whole import is one
//! transaction. Stock only ever moves through the ledger: a new product gets an `initial`
//! movement, a changed figure an `import` movement, both pointing at the `imports` row.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rusqlite::{Connection, params};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::catalog::{ProductUnit, check_units, refresh_search};
use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{
    COST_DECIMALS, MAX_NAME, PRICE_DECIMALS, QTY_DECIMALS, check_base_qty, check_money, check_text,
    format_id,
};
use crate::stock::{MovementKind, apply_movement, next_movement_id};
use crate::time::stamp;
use crate::units::canonical_unit;

pub use pasar_import::{Field as Column, ReadError, Reading};

/// How an import treats rows with problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Read, check and count everything; write nothing.
    DryRun,
    /// Import the good rows, report the bad ones.
    #[default]
    Default,
    /// All or nothing: one bad row and nothing is written.
    Strict,
}

/// What the user chose in the preview (all optional: the file's own reading is the default).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportOptions {
    pub sheet: Option<String>,
    #[serde(default)]
    pub mode: ImportMode,
    /// A field moved to another column (its index in the header), or `null`: not read.
    #[serde(default)]
    pub columns: Vec<ColumnChoice>,
    /// A number column read the other way.
    #[serde(default)]
    pub readings: Vec<ReadingChoice>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ColumnChoice {
    /// name, sku, barcode, unit, sell, buy, stock, category, reorder, factor, variant, active.
    pub field: String,
    pub column: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReadingChoice {
    pub field: String,
    /// true: "12.500" is twelve thousand five hundred (Indonesian); false: 12.5.
    pub dot_thousands: bool,
}

/// One problem with one row, named as the spreadsheet shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RowProblem {
    /// The row number in the spreadsheet.
    pub row: usize,
    /// The column's header as written in the sheet, when the problem is about one column.
    pub column: Option<String>,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub error: CoreError,
    pub code: String,
    /// Filled in by the edge in the user's language.
    pub message: String,
}

/// How the file was read: what the preview shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportPlan {
    /// "workbook" or "csv".
    pub kind: String,
    /// The CSV's delimiter, when it is one.
    pub delimiter: Option<String>,
    pub sheet: String,
    pub sheets: Vec<String>,
    pub header_row: usize,
    pub headers: Vec<String>,
    pub columns: Vec<ColumnChoice>,
    /// Number columns: the reading chosen and whether the values alone left it open.
    pub readings: Vec<ColumnReadingView>,
    /// Fields taken from another sheet of the workbook: "sell from Harga!Harga Jual".
    pub joined: Vec<String>,
    /// The unit columns of the later selling units of a wide multi-unit export ("Satuan #2").
    pub later_units: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ColumnReadingView {
    pub field: String,
    pub dot_thousands: bool,
    pub ambiguous: bool,
}

/// A product as it will be (or was) imported.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportItem {
    pub row: usize,
    /// insert, update, unchanged, or error.
    pub action: String,
    pub name: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub unit: String,
    pub category: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    #[serde(with = "crate::money::json_opt")]
    pub price: Option<Decimal>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    #[serde(with = "crate::money::json_opt")]
    pub cost: Option<Decimal>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    #[serde(with = "crate::money::json_opt")]
    pub stock: Option<Decimal>,
    pub units: Vec<ProductUnit>,
    /// The product it updates.
    pub product_id: Option<i64>,
}

/// What an import did (or, in a dry run or a refused strict import, would do).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportReport {
    pub mode: ImportMode,
    /// Whether anything was written.
    pub committed: bool,
    /// The `imports` row the movements point at, when something was written.
    pub import_id: Option<i64>,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows not imported because of a problem.
    pub skipped: usize,
    pub errors: Vec<RowProblem>,
    pub plan: ImportPlan,
    /// The first products as they will be read (the preview), at most `PREVIEW_ITEMS`.
    pub items: Vec<ImportItem>,
    /// Every product the file holds (after grouping).
    pub total_items: usize,
}

pub const PREVIEW_ITEMS: usize = 50;

impl ImportReport {
    /// Words each problem in the user's language (the edge calls this).
    pub fn localize(&mut self, lang: crate::Lang) {
        for p in &mut self.errors {
            p.message = p.error.message(lang);
        }
    }
}

/// A row's fields after cleaning, before grouping.
#[derive(Debug, Clone)]
struct Line {
    row: usize,
    name: Option<String>,
    sku: Option<String>,
    barcode: Option<String>,
    unit: Option<String>,
    category: Option<String>,
    sell: Option<Decimal>,
    buy: Option<Decimal>,
    stock: Option<Decimal>,
    reorder: Option<Decimal>,
    factor: Option<Decimal>,
    variant: Option<String>,
    active: Option<bool>,
    /// The name as written when a unit was taken out of it ("Aqua (btl)" → "Aqua" + btl):
    /// given back when no other row makes it a selling unit of that name.
    written: Option<String>,
}

impl Line {
    /// The line as a product of its own: its name as written, or "Name (UNIT)".
    fn on_its_own(mut self) -> Line {
        if let Some(w) = self.written.take() {
            self.name = Some(w);
        }
        self
    }
}

/// One product to import: one line, or several grouped (its selling units).
#[derive(Debug, Clone)]
struct Item {
    line: Line,
    units: Vec<ProductUnit>,
}

fn column_field(key: &str) -> Option<Column> {
    Column::ALL.into_iter().find(|c| c.key() == key)
}

/// The sheet column a core field is read from.
fn column_of(f: Field) -> Option<Column> {
    Some(match f {
        Field::ProductName | Field::Product => Column::Name,
        Field::Sku => Column::Sku,
        Field::Barcode => Column::Barcode,
        Field::Unit => Column::Unit,
        Field::Price => Column::Sell,
        Field::Cost => Column::Buy,
        Field::Stock | Field::OpeningStock => Column::Stock,
        Field::Category => Column::Category,
        Field::ReorderPoint => Column::Reorder,
        Field::UnitFactor | Field::UnitPrice => Column::Factor,
        _ => return None,
    })
}

fn file_error(e: ReadError, path: &str) -> CoreError {
    let path = path.to_string();
    match e {
        ReadError::Empty => CoreError::SpreadsheetEmpty { path },
        ReadError::Damaged { detail } => CoreError::SpreadsheetDamaged { path, detail },
        ReadError::NotASpreadsheet => CoreError::NotASpreadsheet { path },
        ReadError::NoHeader => CoreError::NoHeaderRow { path },
        ReadError::SheetHasNoHeader { sheet } => CoreError::SheetHasNoHeader { path, sheet },
        ReadError::TooLarge => CoreError::SpreadsheetTooLarge {
            path,
            max_cells: pasar_import::grid::MAX_CELLS,
            max_mb: pasar_import::grid::MAX_UNPACKED / (1024 * 1024),
        },
        ReadError::Encrypted => CoreError::SpreadsheetLocked { path },
        ReadError::TooBig { bytes } => CoreError::SpreadsheetTooBig {
            path,
            mb: bytes.div_ceil(1024 * 1024),
            max_mb: pasar_import::grid::MAX_BYTES / (1024 * 1024),
        },
        ReadError::NoSuchSheet { sheet, sheets } => CoreError::SheetNotFound {
            sheet,
            sheets: sheets.join(", "),
        },
    }
}

/// Names are compared as people read them: case, spacing and dots aside.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// True when `s` is already as the shop keeps text: no control characters, single spaces,
/// nothing to trim (most cells are; they are then taken as they are).
fn is_tidy(s: &str) -> bool {
    let mut prev_space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if prev_space || c != ' ' {
                return false;
            }
            prev_space = true;
        } else if c.is_control() {
            return false;
        } else {
            prev_space = false;
        }
    }
    !prev_space || s.is_empty()
}

/// Text as the shop keeps it: spacing collapsed, and control characters (a GS1 barcode's
/// group separator, a tab pasted into a name) read as spaces.
fn tidy(s: Option<String>) -> Option<String> {
    s.map(|t| {
        if is_tidy(&t) {
            return t;
        }
        t.replace(char::is_control, " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
    .filter(|t| !t.is_empty())
}

/// A unit as written: "0" or "1" (an id placeholder) is no unit.
fn tidy_unit(s: Option<String>) -> Option<String> {
    tidy(s).filter(|u| u.chars().any(char::is_alphabetic))
}

/// Units of "Indomie (dus)" written into the name: the name without them, and the unit.
fn unit_in_name(name: &str) -> Option<(String, String)> {
    let open = name.rfind('(')?;
    let inner = name[open + 1..].strip_suffix(')')?.trim();
    let base = name[..open].trim();
    let known = canonical_unit(inner) != inner.to_lowercase()
        || matches!(
            inner.to_lowercase().as_str(),
            "pcs" | "kg" | "dus" | "bks" | "btl" | "renteng" | "lusin" | "karung" | "pak" | "ikat"
        );
    (known && !base.is_empty()).then(|| (base.to_string(), inner.to_string()))
}

/// Float noise from a spreadsheet cell (16083.333333333334) cut to what the books keep.
fn round_to(v: Decimal, dp: u32) -> Decimal {
    v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// A price read from a number cell: 12500.000000001 is 12500; 3.5 stays 3.5 (and is refused
/// as not whole rupiah).
fn snap(v: Decimal, dp: u32) -> Decimal {
    let r = round_to(v, dp);
    // Binary float noise is ~1e-12 of the value; 0,0000005 typed by a person is not noise
    // (and is refused as too fine, not rounded to 0).
    if (r - v).abs() < Decimal::new(1, 9) {
        r
    } else {
        v
    }
}

struct Problems<'a> {
    list: Vec<RowProblem>,
    plan: &'a pasar_import::Plan,
    bad_rows: HashSet<usize>,
}

impl Problems<'_> {
    fn add(&mut self, row: usize, column: Option<Column>, error: CoreError) {
        let column = column
            .or_else(|| error.field().and_then(column_of))
            .and_then(|c| self.plan.header_of(c))
            .map(str::to_string);
        self.bad_rows.insert(row);
        self.list.push(RowProblem {
            row,
            column,
            code: error.code().to_string(),
            message: String::new(),
            error,
        });
    }
}

/// A shop product as the import compares it.
struct Existing {
    id: i64,
    sku: Option<String>,
    barcode: Option<String>,
    name: String,
    category: Option<String>,
    unit: String,
    price: Decimal,
    cost: Decimal,
    stock: Decimal,
    reorder: Decimal,
    active: bool,
    units: Vec<ProductUnit>,
}

struct Catalog {
    products: Vec<Existing>,
    by_sku: HashMap<String, usize>,
    by_barcode: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    /// Lowercased unit codes → the product whose unit carries it.
    by_unit_code: HashMap<String, usize>,
    /// All-digit barcodes without their leading zeros (a sheet that stored 0089686010947 as
    /// a number reads 89686010947).
    by_barcode_digits: HashMap<String, usize>,
}

/// The products a line's SKU, barcode and name each name in the shop.
struct Matches {
    sku: Option<usize>,
    barcode: Option<usize>,
    name: Option<usize>,
}

impl Matches {
    /// The product the line is: by SKU, then barcode, then name.
    fn first(&self) -> Option<usize> {
        self.sku.or(self.barcode).or(self.name)
    }
}

impl Catalog {
    /// What the line's codes and name (`key`: its name key) name in the shop; barcodes also
    /// without their leading zeros.
    fn matches(&self, l: &Line, key: Option<&str>) -> Matches {
        Matches {
            sku: l
                .sku
                .as_ref()
                .and_then(|s| self.by_sku.get(&s.to_lowercase()))
                .copied(),
            barcode: l.barcode.as_ref().and_then(|b| self.barcode(b)).copied(),
            name: key.and_then(|k| self.by_name.get(k)).copied(),
        }
    }

    /// The product a line names.
    fn find(&self, l: &Line) -> Option<usize> {
        self.matches(l, l.name.as_deref().map(name_key).as_deref())
            .first()
    }

    fn barcode(&self, b: &str) -> Option<&usize> {
        self.by_barcode.get(b).or_else(|| {
            b.chars()
                .all(|c| c.is_ascii_digit())
                .then(|| self.by_barcode_digits.get(b.trim_start_matches('0')))
                .flatten()
        })
    }
}

fn load_catalog(conn: &Connection) -> Result<Catalog> {
    let mut products = Vec::new();
    let mut st = conn.prepare(
        "SELECT id, sku, barcode, name, category, unit, price, cost, stock, reorder_point, active
         FROM products ORDER BY id",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        products.push(Existing {
            id: r.get(0)?,
            sku: r.get(1)?,
            barcode: r.get(2)?,
            name: r.get(3)?,
            category: r.get(4)?,
            unit: r.get(5)?,
            price: dec(r, 6)?,
            cost: dec(r, 7)?,
            stock: dec(r, 8)?,
            reorder: dec(r, 9)?,
            active: r.get::<_, i64>(10)? != 0,
            units: Vec::new(),
        });
    }
    let index: HashMap<i64, usize> = products
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    let mut st = conn.prepare("SELECT product_id, unit, factor, price, code FROM product_units")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if let Some(&i) = index.get(&id) {
            products[i].units.push(crate::catalog::unit_row(r, 1)?);
        }
    }
    let mut c = Catalog {
        by_sku: HashMap::default(),
        by_barcode: HashMap::default(),
        by_name: HashMap::default(),
        by_unit_code: HashMap::default(),
        by_barcode_digits: HashMap::default(),
        products,
    };
    for (i, p) in c.products.iter().enumerate() {
        if let Some(s) = &p.sku {
            c.by_sku.insert(s.to_lowercase(), i);
        }
        if let Some(b) = &p.barcode {
            c.by_barcode.insert(b.clone(), i);
            if b.chars().all(|c| c.is_ascii_digit()) {
                c.by_barcode_digits
                    .insert(b.trim_start_matches('0').to_string(), i);
            }
        }
        c.by_name.insert(name_key(&p.name), i);
        for code in p.units.iter().filter_map(|u| u.code.as_deref()) {
            c.by_unit_code.insert(code.to_lowercase(), i);
        }
    }
    Ok(c)
}

/// Cleans one row's values; a row whose values cannot be read is reported and left out.
fn to_line(r: pasar_import::Row, problems: &mut Problems<'_>) -> Option<Line> {
    if !r.bad.is_empty() {
        for (f, raw) in r.bad {
            problems.add(r.row, Some(f), CoreError::InvalidNumber { text: raw });
        }
        return None;
    }
    let mut line = Line {
        row: r.row,
        name: tidy(r.name),
        sku: tidy(r.sku),
        barcode: tidy(r.barcode),
        unit: tidy_unit(r.unit),
        category: tidy(r.category),
        sell: r.sell.map(|v| snap(v, PRICE_DECIMALS)),
        buy: r.buy.map(|v| round_to(v, COST_DECIMALS)),
        stock: r.stock.map(|v| snap(v, QTY_DECIMALS)),
        reorder: r.reorder.map(|v| snap(v, QTY_DECIMALS)),
        factor: r.factor.map(|v| snap(v, QTY_DECIMALS)),
        variant: tidy(r.variant),
        active: r.active,
        written: None,
    };
    if let Some((base, unit)) = line.name.as_deref().and_then(unit_in_name)
        && line
            .unit
            .as_deref()
            .is_none_or(|u| canonical_unit(u) == canonical_unit(&unit))
    {
        line.written = line.name.replace(base);
        line.unit = Some(unit);
    }
    let checks = (|| -> Result<()> {
        for (field, v) in [
            (Field::ProductName, &mut line.name),
            (Field::Sku, &mut line.sku),
            (Field::Barcode, &mut line.barcode),
            (Field::Unit, &mut line.unit),
            (Field::Category, &mut line.category),
        ] {
            if let Some(t) = v {
                *t = check_text(field, t, MAX_NAME)?;
            }
        }
        if let Some(p) = line.sell {
            check_money(Field::Price, p, PRICE_DECIMALS)?;
        }
        if let Some(c) = line.buy {
            check_money(Field::Cost, c, COST_DECIMALS)?;
        }
        if let Some(s) = line.stock {
            check_base_qty(Field::Stock, s)?;
        }
        if let Some(q) = line.reorder {
            if q.is_sign_negative() && !q.is_zero() {
                return Err(CoreError::invalid(
                    Field::ReorderPoint,
                    Problem::Negative {
                        value: format_id(q),
                    },
                ));
            }
            check_base_qty(Field::ReorderPoint, q)?;
        }
        Ok(())
    })();
    match checks {
        Ok(()) => Some(line),
        Err(e) => {
            problems.add(r.row, None, e);
            None
        }
    }
}

/// Groups lines into products. Lines sharing a name are: the selling units of one product
/// when their units differ (sized by the sheet's Konversi/Isi column); separate variants when
/// their codes differ (named "Name (variant)"); price tiers when only the price differs (the
/// first tier is the price); otherwise the later ones are duplicates.
fn group(lines: Vec<Line>, problems: &mut Problems<'_>, catalog: &Catalog) -> Vec<Item> {
    // Each line's group: the index of the first line of its name (a line without a name is
    // only an update of a product the shop knows by its code: a group of its own).
    let mut first: HashMap<String, usize> = HashMap::default();
    first.reserve(lines.len());
    let mut group_of = Vec::with_capacity(lines.len());
    let mut size = vec![0usize; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        let g = match &l.name {
            Some(name) => *first.entry(name_key(name)).or_insert(i),
            None => i,
        };
        group_of.push(g);
        size[g] += 1;
    }
    drop(first);
    let mut items = Vec::with_capacity(lines.len());
    let mut groups: HashMap<usize, Vec<Line>> = HashMap::default();
    for (line, g) in lines.into_iter().zip(group_of) {
        if size[g] == 1 {
            items.push(Item {
                line: line.on_its_own(),
                units: Vec::new(),
            });
        } else {
            groups.entry(g).or_default().push(line);
        }
    }
    if groups.is_empty() {
        return items;
    }
    let mut keys: Vec<usize> = groups.keys().copied().collect();
    keys.sort_unstable();
    for g in keys {
        let lines = groups.remove(&g).unwrap_or_default();
        items.extend(group_one(lines, problems, catalog));
    }
    items.sort_by_key(|i| i.line.row);
    items
}

fn group_one(mut lines: Vec<Line>, problems: &mut Problems<'_>, catalog: &Catalog) -> Vec<Item> {
    if lines.len() == 1 {
        return lines
            .into_iter()
            .map(|line| Item {
                line: line.on_its_own(),
                units: Vec::new(),
            })
            .collect();
    }
    // Variants first ("Kopi" Hot and Iced, each perhaps in several units): one product each,
    // "Kopi (Hot)", grouped again by itself.
    let mut variants: Vec<Option<String>> = Vec::new();
    for l in &lines {
        let v = l.variant.as_deref().map(name_key);
        if !variants.contains(&v) {
            variants.push(v);
        }
    }
    if variants.len() > 1 && !variants.contains(&None) {
        let mut out = Vec::new();
        for v in variants {
            let (mut same, rest): (Vec<Line>, Vec<Line>) = lines
                .into_iter()
                .partition(|l| l.variant.as_deref().map(name_key) == v);
            lines = rest;
            for l in &mut same {
                if let (Some(n), Some(t)) = (&l.name, &l.variant) {
                    l.name = Some(format!("{n} ({t})"));
                }
                l.variant = None;
            }
            out.extend(group_one(same, problems, catalog));
        }
        return out;
    }
    let unit_of = |l: &Line| l.unit.as_deref().map(canonical_unit);
    let units: HashSet<Option<String>> = lines.iter().map(unit_of).collect();
    if units.len() > 1 {
        // The base unit of the product of this name, when the shop has it (by name only: a
        // row's code may be that of a product of its own, "Name (UNIT)", made from it before).
        let existing = lines[0]
            .name
            .as_deref()
            .and_then(|n| catalog.by_name.get(&name_key(n)))
            .map(|&i| canonical_unit(&catalog.products[i].unit));
        return selling_units(lines, problems, existing);
    }
    let code = |l: &Line| {
        l.sku
            .clone()
            .or(l.barcode.clone())
            .map(|c| c.to_lowercase())
    };
    let codes: HashSet<Option<String>> = lines.iter().map(code).collect();
    if codes.len() == lines.len() && !codes.contains(&None) {
        // Variants: one product each, named by what tells them apart.
        let variants: HashSet<Option<String>> = lines.iter().map(|l| l.variant.clone()).collect();
        let by_variant = variants.len() == lines.len() && !variants.contains(&None);
        return lines
            .into_iter()
            .map(|mut l| {
                let tag = if by_variant {
                    l.variant.clone()
                } else {
                    l.sku.clone().or(l.barcode.clone())
                };
                if let (Some(n), Some(t)) = (&l.name, tag) {
                    l.name = Some(format!("{n} ({t})"));
                }
                Item {
                    line: l,
                    units: Vec::new(),
                }
            })
            .collect();
    }
    let first = lines.remove(0);
    for l in lines {
        let tier = code(&l) == code(&first) && l.stock == first.stock && l.buy == first.buy;
        if tier {
            continue;
        }
        let (field, value) = match (&l.sku, &first.sku) {
            (Some(s), Some(f)) if s.eq_ignore_ascii_case(f) => (Field::Sku, s.clone()),
            _ => (Field::ProductName, l.name.clone().unwrap_or_default()),
        };
        problems.add(
            l.row,
            None,
            CoreError::invalid(
                field,
                Problem::SameAsRow {
                    value,
                    row: first.row,
                },
            ),
        );
    }
    vec![Item {
        line: first,
        units: Vec::new(),
    }]
}

/// Lines of one name in several units: the base is the line of size 1 (or the smallest),
/// the others become its extra units with their own price. A unit whose size the sheet does
/// not give cannot be one of them: it stays a product of its own, "Name (UNIT)", with its
/// own code and price (as the POS that exported it kept it).
fn selling_units(
    mut lines: Vec<Line>,
    problems: &mut Problems<'_>,
    existing: Option<String>,
) -> Vec<Item> {
    // The base: a row of size 1 named without a unit ("Aqua" beside "Aqua (btl)"), a row of
    // size 1, the row in the unit the shop counts the product in, or the smallest.
    let base_at = lines
        .iter()
        .position(|l| l.factor == Some(Decimal::ONE) && l.written.is_none())
        .or_else(|| lines.iter().position(|l| l.factor == Some(Decimal::ONE)))
        .or_else(|| {
            let e = existing.as_deref()?;
            lines
                .iter()
                .position(|l| canonical_unit(l.unit.as_deref().unwrap_or("pcs")) == e)
        })
        .or_else(|| {
            lines
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.factor.filter(|f| *f > Decimal::ZERO).map(|f| (i, f)))
                .min_by_key(|(_, f)| *f)
                .map(|(i, _)| i)
        })
        .unwrap_or(0);
    let base = lines.remove(base_at);
    let base_unit = base.unit.clone().unwrap_or_else(|| "pcs".into());
    let base_factor = base
        .factor
        .filter(|f| *f > Decimal::ZERO)
        .unwrap_or(Decimal::ONE);
    let mut units: Vec<ProductUnit> = Vec::new();
    let mut own: Vec<Item> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::default();
    seen.insert(canonical_unit(&base_unit), base.row);
    for l in lines {
        let unit = l.unit.clone().unwrap_or_else(|| "pcs".into());
        if let Some(&row) = seen.get(&canonical_unit(&unit)) {
            problems.add(
                l.row,
                Some(Column::Unit),
                CoreError::invalid(Field::Unit, Problem::SameAsRow { value: unit, row }),
            );
            continue;
        }
        seen.insert(canonical_unit(&unit), l.row);
        if let Some(f) = l.factor.filter(|f| *f <= Decimal::ZERO) {
            problems.add(
                l.row,
                Some(Column::Factor),
                CoreError::invalid(
                    Field::UnitFactor,
                    Problem::NotPositive {
                        value: format_id(f),
                    },
                ),
            );
            continue;
        }
        // A unit the sheet gives no size for, or the same size as the base (two products
        // that happen to share a name: "Aqua" and "Aqua (btl)"): a product of its own.
        let own_size = l.factor.map(|f| f / base_factor);
        let Some(factor) = own_size.filter(|f| *f != Decimal::ONE) else {
            let mut l = l;
            if l.written.is_none() {
                l.name = l.name.map(|n| format!("{n} ({unit})"));
            }
            own.push(Item {
                line: l.on_its_own(),
                units: Vec::new(),
            });
            continue;
        };
        // The unit's own code (a carton's barcode, a POS's per-unit SKU); a code the base
        // row also carries names the product, not the unit.
        let base_codes = [&base.sku, &base.barcode];
        let code = l.barcode.clone().or(l.sku.clone()).filter(|c| {
            !base_codes
                .iter()
                .any(|b| b.as_deref().is_some_and(|b| b.eq_ignore_ascii_case(c)))
        });
        let candidate = ProductUnit {
            unit: unit.clone(),
            factor: round_to(factor, QTY_DECIMALS),
            price: l.sell,
            code,
        };
        let name = base.name.clone().unwrap_or_default();
        let mut trial = units.clone();
        trial.push(candidate.clone());
        match check_units(&name, &base_unit, &trial) {
            Ok(_) => units.push(candidate),
            Err(e) => problems.add(l.row, Some(Column::Factor), e),
        }
    }
    let base = if units.is_empty() {
        base.on_its_own()
    } else {
        base
    };
    own.insert(0, Item { line: base, units });
    own
}

/// What happens to one item against the shop.
enum Action {
    Insert,
    Update(usize),
    Unchanged(usize),
}

/// Checks one item against the file so far and the shop, and decides what to do.
fn decide(
    item: &mut Item,
    catalog: &Catalog,
    seen: &mut Seen,
    rules: Rules,
) -> std::result::Result<Action, (Option<Column>, CoreError)> {
    if let Some(i) = catalog.find(&item.line) {
        let p = &catalog.products[i];
        in_base_unit(item, p);
        // The shop's barcode as it keeps it, when the sheet lost its leading zeros.
        if let (Some(b), Some(pb)) = (&item.line.barcode, &p.barcode)
            && b != pb
            && b.trim_start_matches('0') == pb.trim_start_matches('0')
            && b.chars().all(|c| c.is_ascii_digit())
        {
            item.line.barcode = Some(pb.clone());
        }
    }
    let l = &item.line;
    // Codes and names once per file.
    if let Some(s) = &l.sku {
        let k = s.to_lowercase();
        if let Some(&row) = seen.sku.get(&k).or(seen.barcode.get(&k)) {
            return Err((
                Some(Column::Sku),
                CoreError::invalid(
                    Field::Sku,
                    Problem::SameAsRow {
                        value: s.clone(),
                        row,
                    },
                ),
            ));
        }
    }
    if let Some(b) = &l.barcode
        && let Some(&row) = seen.barcode.get(b).or(seen.sku.get(&b.to_lowercase()))
    {
        return Err((
            Some(Column::Barcode),
            CoreError::invalid(
                Field::Barcode,
                Problem::SameAsRow {
                    value: b.clone(),
                    row,
                },
            ),
        ));
    }
    let key = l.name.as_deref().map(name_key);
    if let (Some(n), Some(k)) = (&l.name, &key)
        && let Some(&row) = seen.name.get(k)
    {
        return Err((
            Some(Column::Name),
            CoreError::invalid(
                Field::ProductName,
                Problem::SameAsRow {
                    value: n.clone(),
                    row,
                },
            ),
        ));
    }
    // Match: SKU, then barcode, then name.
    let m = catalog.matches(l, key.as_deref());
    let found = m.first();
    let used_by = |field: Field, col: Column, value: &str, other: usize| {
        (
            Some(col),
            CoreError::invalid(
                field,
                Problem::UsedBy {
                    value: value.to_string(),
                    product: catalog.products[other].name.clone(),
                },
            ),
        )
    };
    // A code or name of this row that belongs to a product other than the one it updates.
    if let Some(i) = found {
        if let (Some(b), Some(j)) = (&l.barcode, m.barcode)
            && j != i
        {
            return Err(used_by(Field::Barcode, Column::Barcode, b, j));
        }
        if let (Some(n), Some(j)) = (&l.name, m.name)
            && j != i
        {
            return Err(used_by(Field::ProductName, Column::Name, n, j));
        }
        let p = &catalog.products[i];
        if let (Some(s), Some(ps)) = (&l.sku, &p.sku)
            && !s.eq_ignore_ascii_case(ps)
        {
            // Matched by barcode or name, yet the row names another code: that barcode or
            // name is this product's, not the row's.
            let (field, col, value) = match &l.barcode {
                Some(b) if m.barcode.is_some() => (Field::Barcode, Column::Barcode, b),
                _ => (
                    Field::ProductName,
                    Column::Name,
                    l.name.as_ref().unwrap_or(ps),
                ),
            };
            return Err(used_by(field, col, value, i));
        }
        // A new barcode for a product the SKU names is taken as its barcode (a barcode of
        // another product was refused above).
        if let Some(u) = &l.unit
            && canonical_unit(u) != canonical_unit(&p.unit)
            && !p
                .units
                .iter()
                .chain(item.units.iter())
                .any(|x| canonical_unit(&x.unit) == canonical_unit(u))
        {
            return Err((
                Some(Column::Unit),
                CoreError::invalid(
                    Field::Unit,
                    Problem::OtherBaseUnit {
                        value: u.clone(),
                        current: p.unit.clone(),
                    },
                ),
            ));
        }
    } else {
        // A code the shop already gives another product, under another name.
        if let Some(s) = &l.sku
            && let Some(&j) = catalog.by_barcode.get(s)
        {
            return Err(used_by(Field::Sku, Column::Sku, s, j));
        }
        if let Some(b) = &l.barcode
            && let Some(&j) = catalog.by_sku.get(&b.to_lowercase())
        {
            return Err(used_by(Field::Barcode, Column::Barcode, b, j));
        }
        if l.name.is_none() {
            return Err((
                Some(Column::Name),
                CoreError::invalid(Field::ProductName, Problem::Required),
            ));
        }
        // A new product needs its price when the sheet has prices (an empty cell, or a
        // formula saved without its value, is not Rp 0). A list with no prices at all (an
        // office's consumables, a stock count) gives products to be priced in Produk.
        if l.sell.is_none() && rules.priced {
            return Err((
                Some(Column::Sell),
                CoreError::invalid(Field::Price, Problem::Required),
            ));
        }
    }
    if let Some(s) = l.stock
        && s.is_sign_negative()
        && !s.is_zero()
        && !rules.allow_negative
    {
        return Err((
            Some(Column::Stock),
            CoreError::invalid(
                Field::Stock,
                Problem::Negative {
                    value: format_id(s),
                },
            ),
        ));
    }
    let base_unit = found
        .map(|i| catalog.products[i].unit.clone())
        .or(l.unit.clone())
        .unwrap_or_else(|| "pcs".into());
    let name = found
        .map(|i| catalog.products[i].name.clone())
        .or(l.name.clone())
        .unwrap_or_default();
    // The product's units as they will be: its own, with the sheet's added or re-priced.
    let units = match found {
        Some(i) => merge_units(&catalog.products[i].units, &item.units),
        None => item.units.clone(),
    };
    check_units(&name, &base_unit, &units).map_err(|e| (Some(Column::Unit), e))?;
    // Unit codes: once per file, and no other product's code or unit code; this row's own
    // codes are no other product's unit code either.
    let mine = |j: &&usize| Some(**j) == found;
    for code in units.iter().filter_map(|u| u.code.as_deref()) {
        let k = code.to_lowercase();
        if let Some(&row) = seen.sku.get(&k).or(seen.barcode.get(code)) {
            return Err((
                Some(Column::Barcode),
                CoreError::invalid(
                    Field::Barcode,
                    Problem::SameAsRow {
                        value: code.to_string(),
                        row,
                    },
                ),
            ));
        }
        if let Some(j) = catalog
            .by_sku
            .get(&k)
            .or(catalog.by_barcode.get(code))
            .or(catalog.by_unit_code.get(&k))
            .filter(|j| !mine(j))
        {
            return Err(used_by(Field::Barcode, Column::Barcode, code, *j));
        }
    }
    for (field, col, code) in [
        (Field::Sku, Column::Sku, &l.sku),
        (Field::Barcode, Column::Barcode, &l.barcode),
    ] {
        if let Some(c) = code
            && let Some(j) = catalog
                .by_unit_code
                .get(&c.to_lowercase())
                .filter(|j| !mine(j))
        {
            return Err(used_by(field, col, c, *j));
        }
    }
    item.units = units;
    if let Some(s) = &l.sku {
        seen.sku.insert(s.to_lowercase(), l.row);
    }
    if let Some(b) = &l.barcode {
        seen.barcode.insert(b.clone(), l.row);
    }
    for code in item.units.iter().filter_map(|u| u.code.as_deref()) {
        seen.sku.insert(code.to_lowercase(), l.row);
    }
    if let Some(i) = found {
        seen.name.insert(name_key(&catalog.products[i].name), l.row);
    }
    if let Some(k) = key {
        seen.name.insert(k, l.row);
    }
    Ok(match found {
        None => Action::Insert,
        Some(i) if changes(&catalog.products[i], item) => Action::Update(i),
        Some(i) => Action::Unchanged(i),
    })
}

/// A row that gives a product's figures in one of its other units ("Beras" by the karung of
/// 50 kg: price 335.000, stock 2) is that unit's price and the stock in the base unit (100 kg):
/// never the base unit's price or a stock of 2 kg.
fn in_base_unit(item: &mut Item, p: &Existing) {
    let l = &mut item.line;
    let Some(u) = l.unit.as_deref() else { return };
    if canonical_unit(u) == canonical_unit(&p.unit) {
        return;
    }
    let Some(unit) = p
        .units
        .iter()
        .find(|x| canonical_unit(&x.unit) == canonical_unit(u))
    else {
        return;
    };
    let f = unit.factor;
    l.stock = l.stock.map(|s| round_to(s * f, QTY_DECIMALS));
    l.reorder = l.reorder.map(|s| round_to(s * f, QTY_DECIMALS));
    l.buy = l.buy.map(|c| round_to(c / f, COST_DECIMALS));
    if let Some(price) = l.sell.take() {
        item.units.push(ProductUnit {
            unit: unit.unit.clone(),
            factor: f,
            price: Some(price),
            code: None,
        });
    }
    l.unit = None;
    l.factor = None;
}

/// What the shop and the sheet allow.
#[derive(Clone, Copy)]
struct Rules {
    /// The shop lets stock go below zero (a POS export may hold -1,5 of something sold by
    /// weight).
    allow_negative: bool,
    /// The sheet has a selling price column (its own or joined from another sheet).
    priced: bool,
}

#[derive(Default)]
struct Seen {
    sku: HashMap<String, usize>,
    barcode: HashMap<String, usize>,
    name: HashMap<String, usize>,
}

fn merge_units(have: &[ProductUnit], sheet: &[ProductUnit]) -> Vec<ProductUnit> {
    let mut out: Vec<ProductUnit> = have.to_vec();
    for u in sheet {
        match out
            .iter_mut()
            .find(|o| canonical_unit(&o.unit) == canonical_unit(&u.unit))
        {
            Some(o) => {
                o.factor = u.factor;
                if u.price.is_some() {
                    o.price = u.price;
                }
                if u.code.is_some() {
                    o.code.clone_from(&u.code);
                }
            }
            None => out.push(u.clone()),
        }
    }
    out
}

/// Whether the sheet changes anything of the product (fields the sheet leaves empty keep
/// their value).
fn changes(p: &Existing, item: &Item) -> bool {
    let l = &item.line;
    l.name
        .as_ref()
        .is_some_and(|n| Some(n) != tidy(Some(p.name.clone())).as_ref())
        || l.sku.as_ref().is_some_and(|s| p.sku.as_ref() != Some(s))
        || l.barcode
            .as_ref()
            .is_some_and(|b| p.barcode.as_ref() != Some(b))
        || l.category
            .as_ref()
            .is_some_and(|c| p.category.as_ref() != Some(c))
        || l.sell.is_some_and(|v| v != p.price)
        || l.buy.is_some_and(|v| v != p.cost)
        || l.stock.is_some_and(|v| v != p.stock)
        || l.reorder.is_some_and(|v| v != p.reorder)
        || l.active.is_some_and(|a| a != p.active)
        || item.units != p.units
}

fn view(
    item: &Item,
    action: &str,
    id: Option<i64>,
    catalog: &Catalog,
    at: Option<usize>,
) -> ImportItem {
    let l = &item.line;
    let p = at.map(|i| &catalog.products[i]);
    ImportItem {
        row: l.row,
        action: action.into(),
        name: l
            .name
            .clone()
            .or(p.map(|p| p.name.clone()))
            .unwrap_or_default(),
        sku: l.sku.clone().or(p.and_then(|p| p.sku.clone())),
        barcode: l.barcode.clone().or(p.and_then(|p| p.barcode.clone())),
        unit: p
            .map(|p| p.unit.clone())
            .or(l.unit.clone())
            .unwrap_or_else(|| "pcs".into()),
        category: l.category.clone().or(p.and_then(|p| p.category.clone())),
        price: l.sell.or(p.map(|p| p.price)),
        cost: l.buy.or(p.map(|p| p.cost)),
        stock: l.stock.or(p.map(|p| p.stock)),
        units: item.units.clone(),
        product_id: id,
    }
}

fn plan_view(plan: &pasar_import::Plan) -> ImportPlan {
    let reading_key = |r: Reading| r == Reading::DotThousands;
    ImportPlan {
        kind: match plan.kind {
            pasar_import::Kind::Workbook => "workbook".into(),
            pasar_import::Kind::Csv { .. } => "csv".into(),
        },
        delimiter: match plan.kind {
            pasar_import::Kind::Csv { delimiter } => Some(if delimiter == b'\t' {
                "tab".to_string()
            } else {
                (delimiter as char).to_string()
            }),
            pasar_import::Kind::Workbook => None,
        },
        sheet: plan.sheet.clone(),
        sheets: plan.sheets.clone(),
        header_row: plan.header_row,
        headers: plan.headers.clone(),
        columns: plan
            .columns
            .iter()
            .map(|(f, i)| ColumnChoice {
                field: f.key().into(),
                column: Some(*i),
            })
            .collect(),
        readings: plan
            .readings
            .iter()
            .map(|(f, r)| ColumnReadingView {
                field: f.key().into(),
                dot_thousands: reading_key(r.reading),
                ambiguous: r.ambiguous,
            })
            .collect(),
        joined: plan
            .joined
            .iter()
            .map(|(f, sheet, header)| format!("{}: {sheet} / {header}", f.key()))
            .collect(),
        later_units: plan
            .later_units
            .iter()
            .filter_map(|u| u.column(pasar_import::Field::Unit))
            .map(|c| plan.headers[c].clone())
            .collect(),
    }
}

/// Reads a stock list from disk: a regular file no larger than the reader takes (a folder,
/// a device or a 200 MB file is refused before anything is read).
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    let shown = path.display().to_string();
    crate::files::read_user_file(path, pasar_import::grid::MAX_BYTES, |size| match size {
        None => CoreError::NotASpreadsheet {
            path: shown.clone(),
        },
        Some(bytes) => file_error(ReadError::TooBig { bytes }, &shown),
    })
}

impl Shop {
    /// Imports a stock list (`bytes` of `file_name`): validates every row, then writes the
    /// good ones (or all or nothing, or nothing: `options.mode`) in one transaction.
    pub fn import_products(
        &mut self,
        bytes: &[u8],
        file_name: &str,
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        self.import_products_with_progress(bytes, file_name, options, &mut |_, _| {})
    }

    /// `import_products`, telling `progress(done, total)` how far the writing is (the window's
    /// progress bar; called every few hundred products).
    pub fn import_products_with_progress(
        &mut self,
        bytes: &[u8],
        file_name: &str,
        options: &ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let columns: Vec<(Column, Option<usize>)> = options
            .columns
            .iter()
            .filter_map(|c| Some((column_field(&c.field)?, c.column)))
            .collect();
        let readings: Vec<(Column, Reading)> = options
            .readings
            .iter()
            .filter_map(|r| {
                let reading = if r.dot_thousands {
                    Reading::DotThousands
                } else {
                    Reading::DotDecimal
                };
                Some((column_field(&r.field)?, reading))
            })
            .collect();
        let (plan, rows) =
            pasar_import::read_with(bytes, options.sheet.as_deref(), &columns, &readings)
                .map_err(|e| file_error(e, file_name))?;
        let mut problems = Problems {
            list: Vec::new(),
            plan: &plan,
            bad_rows: HashSet::default(),
        };
        let row_count = rows.len();
        let lines: Vec<Line> = rows
            .into_iter()
            .filter_map(|r| to_line(r, &mut problems))
            .collect();
        let rules = Rules {
            allow_negative: self.settings.allow_negative_stock,
            priced: plan.column(Column::Sell).is_some()
                || plan.joined.iter().any(|(f, ..)| *f == Column::Sell),
        };
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let mode = options.mode;
        if mode != ImportMode::DryRun {
            self.require_owner("import")?;
        }
        // A dry run only reads (it neither waits for nor blocks another window's write).
        let tx = if mode == ImportMode::DryRun {
            self.conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?
        } else {
            self.write_tx()?
        };
        let catalog = load_catalog(&tx)?;
        let mut items = group(lines, &mut problems, &catalog);
        let mut seen = Seen::default();
        let mut actions = Vec::with_capacity(items.len());
        for item in items.iter_mut() {
            match decide(item, &catalog, &mut seen, rules) {
                Ok(a) => actions.push(Some(a)),
                Err((col, e)) => {
                    problems.add(item.line.row, col, e);
                    actions.push(None);
                }
            }
        }
        let mut report = ImportReport {
            mode,
            committed: false,
            import_id: None,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            skipped: problems.bad_rows.len(),
            errors: Vec::new(),
            plan: plan_view(&plan),
            items: Vec::new(),
            total_items: items.len(),
        };
        for (item, a) in items.iter().zip(&actions) {
            match a {
                Some(Action::Insert) => report.inserted += 1,
                Some(Action::Update(_)) => report.updated += 1,
                Some(Action::Unchanged(_)) => report.unchanged += 1,
                None => {}
            }
            if report.items.len() < PREVIEW_ITEMS {
                let (action, at_i) = match a {
                    Some(Action::Insert) => ("insert", None),
                    Some(Action::Update(i)) => ("update", Some(*i)),
                    Some(Action::Unchanged(i)) => ("unchanged", Some(*i)),
                    None => ("error", None),
                };
                let id = at_i.map(|i| catalog.products[i].id);
                report.items.push(view(item, action, id, &catalog, at_i));
            }
        }
        problems.list.sort_by_key(|p| p.row);
        report.errors = problems.list;
        let refused = mode == ImportMode::Strict && !report.errors.is_empty();
        if mode == ImportMode::DryRun || refused || report.inserted + report.updated == 0 {
            if refused {
                report.inserted = 0;
                report.updated = 0;
                report.unchanged = 0;
                report.skipped = row_count;
            }
            return Ok(report);
        }
        tx.execute(
            "INSERT INTO imports(at, actor, file, sheet, inserted, updated, unchanged, skipped, errors)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                at,
                actor,
                file_name,
                plan.sheet,
                report.inserted as i64,
                report.updated as i64,
                report.unchanged as i64,
                report.skipped as i64,
                report.errors.len() as i64
            ],
        )?;
        let import_id = tx.last_insert_rowid();
        let mut inserter = Inserter::new(&tx, import_id, &at)?;
        let mut next_mid = next_movement_id(&tx)?;
        let total = items.len();
        progress(0, total);
        for (n, (item, a)) in items.iter().zip(&actions).enumerate() {
            if n % 500 == 499 {
                progress(n + 1, total);
            }
            match a {
                Some(Action::Insert) => next_mid += inserter.insert(item, next_mid)?,
                Some(Action::Update(i)) => {
                    update_item(&tx, &catalog.products[*i], item, import_id, &at)?;
                    next_mid = next_movement_id(&tx)?;
                }
                _ => {}
            }
        }
        drop(inserter);
        audit(
            &tx,
            &at,
            &actor,
            "catalog.import",
            "import",
            Some(import_id),
            &serde_json::json!({
                "file": file_name, "sheet": plan.sheet, "inserted": report.inserted,
                "updated": report.updated, "unchanged": report.unchanged,
                "skipped": report.skipped, "mode": mode,
            }),
        )?;
        tx.commit()?;
        progress(total, total);
        report.committed = true;
        report.import_id = Some(import_id);
        for it in &mut report.items {
            if it.action == "insert" && it.product_id.is_none() {
                it.product_id = self.product_id_by_name(&it.name)?;
            }
        }
        Ok(report)
    }

    fn product_id_by_name(&self, name: &str) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM products WHERE name = ?1 COLLATE NOCASE",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// Writes new products: the statements prepared once for the whole import, and the words
/// already in the spelling index.
struct Inserter<'c> {
    product: rusqlite::Statement<'c>,
    movement: rusqlite::Statement<'c>,
    unit: rusqlite::Statement<'c>,
    search: rusqlite::Statement<'c>,
    word: rusqlite::Statement<'c>,
    word_index: rusqlite::Statement<'c>,
    words: HashSet<String>,
    import_id: i64,
    at: &'c str,
}

impl<'c> Inserter<'c> {
    fn new(tx: &'c Connection, import_id: i64, at: &'c str) -> Result<Self> {
        Ok(Inserter {
            product: tx.prepare(
                "INSERT INTO products(sku, barcode, name, category, unit, price, cost, stock,
                                      reorder_point, active, created_at, updated_at, last_movement)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?12, ?10, ?10, ?11)",
            )?,
            movement: tx.prepare(
                "INSERT INTO stock_movements(id, product_id, kind, qty, stock_after, doc_type,
                                             doc_id, occurred_at, prev_id)
                 VALUES (?1, ?2, 'initial', ?3, ?3, 'import', ?4, ?5, NULL)",
            )?,
            unit: tx.prepare(
                "INSERT INTO product_units(product_id, unit, factor, price, code)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            search: tx.prepare("INSERT INTO product_search(rowid, text) VALUES (?1, ?2)")?,
            word: tx.prepare("INSERT OR IGNORE INTO search_words(word) VALUES (?1)")?,
            word_index: tx.prepare("INSERT INTO search_words_fts(word) VALUES (?1)")?,
            words: HashSet::default(),
            import_id,
            at,
        })
    }

    /// Inserts one new product with its units, its opening movement (movement id `mid` when
    /// it has stock) and its search entries; returns how many movement ids it used (0 or 1).
    fn insert(&mut self, item: &Item, mid: i64) -> Result<i64> {
        let l = &item.line;
        let name = l.name.as_deref().unwrap_or_default();
        let stock = l.stock.unwrap_or(Decimal::ZERO);
        let movement = (!stock.is_zero()).then_some(mid);
        let id = self.product.insert(params![
            l.sku,
            l.barcode,
            name,
            l.category,
            l.unit.as_deref().unwrap_or("pcs"),
            d(l.sell.unwrap_or(Decimal::ZERO)),
            d(l.buy.unwrap_or(Decimal::ZERO)),
            d(stock),
            d(l.reorder.unwrap_or(Decimal::ZERO)),
            self.at,
            movement,
            l.active.unwrap_or(true)
        ])?;
        if movement.is_some() {
            self.movement
                .execute(params![mid, id, d(stock), self.import_id, self.at])?;
        }
        for u in &item.units {
            self.unit
                .execute(params![id, u.unit, d(u.factor), u.price.map(d), u.code])?;
        }
        // As `catalog::refresh_search` writes it: name, SKU, aliases (none yet), category.
        let text = format!(
            "{name} {}  {}",
            l.sku.as_deref().unwrap_or_default(),
            l.category.as_deref().unwrap_or_default()
        );
        self.search.execute(params![id, text])?;
        for word in crate::catalog::vocabulary(&text) {
            if !self.words.contains(&word) {
                if self.word.execute([&word])? == 1 {
                    self.word_index.execute([&word])?;
                }
                self.words.insert(word);
            }
        }
        Ok(i64::from(movement.is_some()))
    }
}

fn update_item(tx: &Connection, p: &Existing, item: &Item, import_id: i64, at: &str) -> Result<()> {
    let l = &item.line;
    tx.prepare_cached(
        "UPDATE products SET name = ?2, sku = ?3, barcode = ?4, category = ?5, price = ?6,
                cost = ?7, reorder_point = ?8, updated_at = ?9, active = ?10 WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        l.name.clone().unwrap_or(p.name.clone()),
        l.sku.clone().or(p.sku.clone()),
        l.barcode.clone().or(p.barcode.clone()),
        l.category.clone().or(p.category.clone()),
        d(l.sell.unwrap_or(p.price)),
        d(l.buy.unwrap_or(p.cost)),
        d(l.reorder.unwrap_or(p.reorder)),
        at,
        l.active.unwrap_or(p.active)
    ])?;
    if item.units != p.units {
        tx.execute("DELETE FROM product_units WHERE product_id = ?1", [p.id])?;
        for u in &item.units {
            tx.prepare_cached(
                "INSERT INTO product_units(product_id, unit, factor, price, code)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![p.id, u.unit, d(u.factor), u.price.map(d), u.code])?;
        }
    }
    if let Some(s) = l.stock
        && s != p.stock
    {
        apply_movement(
            tx,
            p.id,
            MovementKind::Import,
            s - p.stock,
            "import",
            import_id,
            at,
        )?;
    }
    if l.name.as_ref().is_some_and(|n| *n != p.name)
        || l.sku.as_ref().is_some_and(|s| Some(s) != p.sku.as_ref())
        || l.category
            .as_ref()
            .is_some_and(|c| Some(c) != p.category.as_ref())
    {
        refresh_search(tx, p.id)?;
    }
    Ok(())
}
