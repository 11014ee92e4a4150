//! pasar-import: stock lists in. Reads any spreadsheet a shop keeps (`grid`), finds the
//! sheet, the header row and what each column holds (`columns`), and reads every row as a
//! product with exact numbers, one reading per column (`values`). Nothing here writes: the
//! rows go to pasar-core, which validates and books them in one transaction.
//!
//! Never imports: rusqlite, tauri.

pub mod columns;
pub mod export;
pub mod grid;
pub mod values;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rust_decimal::Decimal;

pub use columns::{Field, LaterUnit};
pub use grid::{Cell, Kind, ReadError, Sheet};
pub use values::{ColumnReading, Reading};

/// How a file will be read: the sheet, the header row, the columns and their readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub kind: Kind,
    pub sheet: String,
    /// Every sheet of the file, in order (one, "csv", for text files).
    pub sheets: Vec<String>,
    /// The header's row number as the spreadsheet shows it (1-based).
    pub header_row: usize,
    /// Rows the header takes: 2 when a second row names what the first groups ("Harga"
    /// merged over "Beli | Jual"); the data starts below.
    pub header_height: usize,
    pub headers: Vec<String>,
    /// Which column holds each field (index into `headers`).
    pub columns: Vec<(Field, usize)>,
    /// The number reading of each numeric field's column.
    pub readings: Vec<(Field, ColumnReading)>,
    /// Fields this sheet lacks that another sheet of the workbook supplies, matched by code
    /// (or name): (field, sheet, header).
    pub joined: Vec<(Field, String, String)>,
    /// The later selling units of a wide multi-unit export ("Satuan #2"…); each filled one
    /// is read as a selling-unit row of the row's product.
    pub later_units: Vec<LaterUnit>,
}

impl Plan {
    /// The index, in `sheet.rows`, of the first row under the header.
    pub fn data_start(&self, sheet: &Sheet) -> usize {
        self.header_row - sheet.first_row + self.header_height
    }

    pub fn column(&self, f: Field) -> Option<usize> {
        self.columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i)
    }

    pub fn header_of(&self, f: Field) -> Option<&str> {
        self.column(f).map(|i| self.headers[i].as_str())
    }

    pub fn reading(&self, f: Field) -> Reading {
        self.readings
            .iter()
            .find(|(g, _)| *g == f)
            .map_or(Reading::DotThousands, |(_, r)| r.reading)
    }
}

/// One product row as read, before validation against the shop.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// The row number in the spreadsheet.
    pub row: usize,
    pub name: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub sell: Option<Decimal>,
    pub buy: Option<Decimal>,
    pub stock: Option<Decimal>,
    pub reorder: Option<Decimal>,
    /// Base units in one of `unit` (a selling-unit row of a multi-unit list).
    pub factor: Option<Decimal>,
    pub variant: Option<String>,
    /// Still sold (Ya/Yes/Aktif) or not (Tidak/No/Nonaktif); None when the sheet does not say.
    pub active: Option<bool>,
    /// Values that could not be read: (field, the text as written).
    pub bad: Vec<(Field, String)>,
}

const NUMERIC: [Field; 5] = [
    Field::Sell,
    Field::Buy,
    Field::Stock,
    Field::Reorder,
    Field::Factor,
];

/// The header row of a sheet: the row among the first 30 naming the most fields (it must
/// name the product), and its mapping.
/// A header candidate: its index in the sheet's rows, its texts and its mapping.
/// (row index, header height, headers, columns).
type Header = (usize, usize, Vec<String>, Vec<(Field, usize)>);

/// A second header row under `top`: text only (no figures), naming what the cells above
/// group ("Harga" over "Beli | Jual"). The headers of both as one: each bottom label joined to
/// the top label above it, or to the nearest one on its left where the top is merged (empty).
fn two_row_headers(top: &[Cell], bottom: &[Cell]) -> Option<Vec<String>> {
    let texts: Vec<String> = bottom.iter().map(Cell::text).collect();
    let figures = bottom
        .iter()
        .any(|c| matches!(c, Cell::Number(_) | Cell::Bool(_)))
        || texts.iter().any(|t| {
            values::parse(&Cell::Text(t.clone()), Reading::DotThousands).is_ok_and(|v| v.is_some())
        });
    if figures || texts.iter().all(String::is_empty) {
        return None;
    }
    let width = top.len().max(bottom.len());
    let mut above = String::new();
    let mut out = Vec::with_capacity(width);
    for j in 0..width {
        let t = top.get(j).map(Cell::text).unwrap_or_default();
        let b = texts.get(j).cloned().unwrap_or_default();
        if !t.is_empty() {
            above = t.clone();
        }
        out.push(match (t.is_empty(), b.is_empty()) {
            (false, true) => t,
            (false, false) => format!("{t} {b}"),
            (true, false) if !above.is_empty() => format!("{above} {b}"),
            (true, _) => b,
        });
    }
    Some(out)
}

fn find_header(sheet: &Sheet) -> Option<Header> {
    let mut best: Option<(usize, Header)> = None;
    for (i, row) in sheet.rows.iter().take(30).enumerate() {
        let headers: Vec<String> = row.iter().map(Cell::text).collect();
        let map = columns::map_columns(&headers);
        if !map.iter().any(|(f, _)| *f == Field::Name) || map.len() < 2 {
            continue;
        }
        let mut found = (map.len(), (i, 1, headers, map));
        if let Some(joined) = sheet
            .rows
            .get(i + 1)
            .and_then(|next| two_row_headers(row, next))
        {
            let map2 = columns::map_columns(&joined);
            if map2.len() > found.0 && map2.iter().any(|(f, _)| *f == Field::Name) {
                found = (map2.len(), (i, 2, joined, map2));
            }
        }
        if best.as_ref().is_none_or(|b| found.0 > b.0) {
            best = Some(found);
        }
    }
    best.map(|(_, h)| h)
}

/// The number reading of each numeric column, decided from all its values.
fn decide_readings(columns: &[(Field, usize)], data: &[Vec<Cell>]) -> Vec<(Field, ColumnReading)> {
    NUMERIC
        .iter()
        .filter_map(|f| {
            let col = columns.iter().find(|(g, _)| g == f)?.1;
            let cells: Vec<&Cell> = data.iter().filter_map(|r| r.get(col)).collect();
            Some((
                *f,
                values::decide(&cells, matches!(f, Field::Sell | Field::Buy)),
            ))
        })
        .collect()
}

/// Chooses the sheet (the one asked for, else the first with a recognisable header) and reads
/// how its columns are to be taken.
pub fn plan(kind: Kind, sheets: &[Sheet], sheet: Option<&str>) -> Option<Plan> {
    let candidates: Vec<&Sheet> = match sheet {
        Some(name) => sheets
            .iter()
            .filter(|s| s.name.eq_ignore_ascii_case(name.trim()))
            .collect(),
        None => sheets.iter().collect(),
    };
    for s in candidates {
        let Some((i, height, headers, columns)) = find_header(s) else {
            continue;
        };
        let readings = decide_readings(&columns, &s.rows[(i + height).min(s.rows.len())..]);
        let later_units = columns::later_units(&headers);
        return Some(Plan {
            kind,
            sheet: s.name.clone(),
            sheets: sheets.iter().map(|s| s.name.clone()).collect(),
            header_row: s.first_row + i,
            header_height: height,
            headers,
            columns,
            readings,
            joined: Vec::new(),
            later_units,
        });
    }
    None
}

/// A total or summary line ("TOTAL", "Grand Total", "Jumlah Nilai Stok"), not a product
/// ("Total Care 250ml" with its unit, "Grand Soklin" in pcs).
fn is_total_row(name: &str, has_unit: bool) -> bool {
    let w = columns::words(name);
    let totalish = |t: &String| {
        matches!(
            t.as_str(),
            "total" | "subtotal" | "sub" | "grand" | "jumlah" | "totals" | "keseluruhan" | "akhir"
        )
    };
    match w.first() {
        Some(first) if totalish(first) => {
            w.iter().all(totalish)
                || (!has_unit
                    && w.len() <= 3
                    && !w.iter().any(|t| t.chars().any(|c| c.is_ascii_digit())))
        }
        _ => false,
    }
}

/// Text as a person typed it: a CSV our export defused ("'=SUM…", so a spreadsheet does not
/// run it) reads back as written.
fn undefused(kind: Kind, t: String) -> String {
    match (kind, t.strip_prefix('\'')) {
        (Kind::Csv { .. }, Some(rest)) if rest.starts_with(['=', '+', '-', '@']) => {
            rest.to_string()
        }
        _ => t,
    }
}

/// A code read from a number cell: whole and short enough to be exact (a 19-digit barcode
/// stored as a number has lost its last digits; 1.5 is no code).
fn code_text(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::Number(n) if n.fract() != 0.0 || n.abs() >= 1e15 => Err(cell.text()),
        _ => Ok(cell.text()),
    }
}

/// "Ya", "Yes", "Aktif", "Y", "1", TRUE → true; "Tidak", "No", "Nonaktif", "T", "N", "0",
/// FALSE → false.
fn yes_no(cell: &Cell) -> Option<bool> {
    let t = cell.text().to_lowercase();
    match t.as_str() {
        "ya" | "yes" | "y" | "aktif" | "active" | "1" | "true" | "iya" => Some(true),
        "tidak" | "no" | "n" | "t" | "nonaktif" | "non-aktif" | "inactive" | "0" | "false"
        | "tdk" => Some(false),
        _ if matches!(cell, Cell::Bool(_)) => Some(matches!(cell, Cell::Bool(true))),
        _ => None,
    }
}

/// A conversion written with words around it ("40 pcs", "isi 12", "x24"): the number.
fn factor_in_words(cell: &Cell) -> Option<Decimal> {
    let t = cell.text().to_lowercase();
    let core: String = t
        .trim_start_matches(|c: char| c.is_alphabetic() || c.is_whitespace() || c == ':')
        .trim_end_matches(|c: char| c.is_alphabetic() || c.is_whitespace() || c == '.')
        .to_string();
    if core.is_empty() || core.len() == t.len() {
        return None;
    }
    values::parse(&Cell::Text(core), Reading::DotThousands)
        .ok()
        .flatten()
}

/// The sheet's rows under the header, read by the plan. Blank rows, total rows and rows
/// holding nothing the shop uses are skipped.
pub fn rows(plan: &Plan, sheet: &Sheet) -> Vec<Row> {
    let mut out = Vec::new();
    for (k, cells) in sheet.rows.iter().enumerate().skip(plan.data_start(sheet)) {
        let get = |f: Field| {
            plan.column(f)
                .and_then(|c| cells.get(c))
                .unwrap_or(&Cell::Empty)
        };
        let text = |f: Field| {
            let t = undefused(plan.kind, get(f).text());
            (!t.is_empty() && t != "-").then_some(t)
        };
        let mut row = Row {
            row: sheet.first_row + k,
            name: text(Field::Name),
            unit: text(Field::Unit),
            category: text(Field::Category),
            variant: text(Field::Variant),
            active: yes_no(get(Field::Active)),
            ..Default::default()
        };
        for f in [Field::Sku, Field::Barcode] {
            match code_text(get(f)) {
                Ok(_) => {
                    let v = text(f);
                    if f == Field::Sku {
                        row.sku = v;
                    } else {
                        row.barcode = v;
                    }
                }
                Err(raw) => row.bad.push((f, raw)),
            }
        }
        for f in NUMERIC {
            match values::parse(get(f), plan.reading(f)) {
                Ok(v) => match f {
                    Field::Sell => row.sell = v,
                    Field::Buy => row.buy = v,
                    Field::Stock => row.stock = v,
                    Field::Factor => row.factor = v,
                    _ => row.reorder = v,
                },
                // The conversion only groups rows: "40 pcs" is 40, and words alone are no size.
                Err(_) if f == Field::Factor => row.factor = factor_in_words(get(f)),
                Err(raw) => row.bad.push((f, raw)),
            }
        }
        let used = row.name.is_some()
            || row.sku.is_some()
            || row.barcode.is_some()
            || row.sell.is_some()
            || row.stock.is_some()
            || !row.bad.is_empty();
        if !used {
            continue;
        }
        // "TOTAL" under the name, or under the code beside an empty name.
        let has_unit = row.unit.is_some();
        let total_name = row
            .name
            .as_deref()
            .is_some_and(|n| is_total_row(n, has_unit));
        let total_code = row.name.is_none()
            && row
                .sku
                .as_deref()
                .is_some_and(|n| is_total_row(n, has_unit));
        if (total_name && row.sku.is_none() || total_code) && row.barcode.is_none() {
            continue;
        }
        let later = later_rows(plan, cells, &row);
        if !later.is_empty() && row.factor.is_none() && row.bad.is_empty() {
            // The first unit is the base the others are counted in.
            row.factor = Some(Decimal::ONE);
        }
        out.push(row);
        out.extend(later);
    }
    out
}

/// The later selling units a row of a wide multi-unit export fills ("Satuan #2" = "Dus",
/// "Rasio Satuan #2" = 40, "Harga Jual Satuan #2" = 118000), each as a row of the same
/// product (same sheet row) in that unit.
fn later_rows(plan: &Plan, cells: &[Cell], base: &Row) -> Vec<Row> {
    let mut out = Vec::new();
    for u in &plan.later_units {
        let get = |f: Field| {
            u.column(f)
                .and_then(|c| cells.get(c))
                .unwrap_or(&Cell::Empty)
        };
        let text = |f: Field| {
            let t = get(f).text();
            (!t.is_empty() && t != "-").then_some(t)
        };
        let Some(unit) = text(Field::Unit) else {
            continue;
        };
        let mut row = Row {
            row: base.row,
            name: base.name.clone(),
            category: base.category.clone(),
            variant: base.variant.clone(),
            unit: Some(unit),
            sku: text(Field::Sku),
            barcode: text(Field::Barcode),
            ..Default::default()
        };
        for f in [Field::Factor, Field::Sell] {
            match values::parse(get(f), plan.reading(f)) {
                Ok(v) if f == Field::Factor => row.factor = v,
                Ok(v) => row.sell = v,
                Err(raw) => row.bad.push((f, raw)),
            }
        }
        out.push(row);
    }
    out
}

/// Reads a file's bytes: the plan and its rows.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<(Plan, Vec<Row>), ReadError> {
    read_with(bytes, sheet, &[], &[])
}

/// Reads a file with the user's corrections to the plan: a field moved to another column
/// (or `None`: not read at all) and a column's number reading flipped.
pub fn read_with(
    bytes: &[u8],
    sheet: Option<&str>,
    columns: &[(Field, Option<usize>)],
    readings: &[(Field, Reading)],
) -> Result<(Plan, Vec<Row>), ReadError> {
    let (kind, sheets) = grid::read_bytes(bytes)?;
    if let Some(want) = sheet
        && !sheets
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(want.trim()))
    {
        return Err(ReadError::NoSuchSheet {
            sheet: want.to_string(),
            sheets: sheets.iter().map(|s| s.name.clone()).collect(),
        });
    }
    let mut plan = plan(kind, &sheets, sheet).ok_or_else(|| match sheet {
        Some(s) => ReadError::SheetHasNoHeader {
            sheet: s.trim().to_string(),
        },
        None => ReadError::NoHeader,
    })?;
    let Some(s) = sheets.iter().find(|s| s.name == plan.sheet) else {
        return Err(ReadError::NoHeader);
    };
    for (f, col) in columns {
        plan.columns.retain(|(g, c)| g != f && Some(*c) != *col);
        if let Some(c) = col.filter(|c| *c < plan.headers.len()) {
            plan.columns.push((*f, c));
        }
    }
    plan.columns.sort();
    if !columns.is_empty() {
        // A moved number column is decided again from its new values.
        plan.readings = decide_readings(
            &plan.columns,
            &s.rows[plan.data_start(s).min(s.rows.len())..],
        );
    }
    for (f, r) in readings {
        if let Some((_, cr)) = plan.readings.iter_mut().find(|(g, _)| g == f) {
            cr.reading = *r;
        }
    }
    let mut rows = rows(&plan, s);
    join_other_sheets(&mut plan, &mut rows, &sheets);
    Ok((plan, rows))
}

/// A workbook that keeps its product master on one sheet and prices or stock on others
/// ("Master_Konversi_Satuan", "Laporan_Stok"): fills what the master lacks from sheets keyed
/// by the same code (or name). Sheets of dated entries (sales, purchases, movements) are
/// records of the past, not figures, and are not used. Where a key has several rows (one per
/// selling unit), the row whose conversion is 1 — the base unit — is taken.
fn join_other_sheets(plan: &mut Plan, rows: &mut [Row], sheets: &[Sheet]) {
    let missing: Vec<Field> = [Field::Sell, Field::Buy, Field::Stock]
        .into_iter()
        .filter(|f| plan.column(*f).is_none())
        .collect();
    if missing.is_empty() || rows.is_empty() {
        return;
    }
    let key_field = if plan.column(Field::Sku).is_some() {
        Field::Sku
    } else {
        Field::Name
    };
    for f in missing {
        for other in sheets.iter().filter(|s| s.name != plan.sheet) {
            let Some(p) = self::plan(plan.kind, std::slice::from_ref(other), None) else {
                continue;
            };
            // Records of the past (dated entries, invoices, sales and purchase logs) are not
            // figures of today.
            let record_word = |w: &str| {
                matches!(
                    w,
                    "tanggal"
                        | "tgl"
                        | "date"
                        | "waktu"
                        | "time"
                        | "faktur"
                        | "invoice"
                        | "nota"
                        | "transaksi"
                        | "trx"
                        | "struk"
                        | "receipt"
                        | "pembelian"
                        | "penjualan"
                        | "purchase"
                        | "purchases"
                        | "sales"
                        | "order"
                        | "pesanan"
                        | "mutasi"
                        | "riwayat"
                        | "history"
                )
            };
            let dated = p
                .headers
                .iter()
                .chain(std::iter::once(&other.name))
                .any(|h| columns::words(h).iter().any(|w| record_word(w)));
            let (Some(key_col), Some(val_col)) = (p.column(key_field), p.column(f)) else {
                continue;
            };
            if dated {
                continue;
            }
            let ratio_col = p.headers.iter().position(|h| {
                columns::words(h).iter().any(|w| {
                    matches!(
                        w.as_str(),
                        "konversi" | "rasio" | "ratio" | "isi" | "factor"
                    )
                })
            });
            let data = &other.rows[p.data_start(other).min(other.rows.len())..];
            let cells: Vec<&Cell> = data.iter().filter_map(|r| r.get(val_col)).collect();
            let reading = values::decide(&cells, matches!(f, Field::Sell | Field::Buy)).reading;
            // Key → (value, whether it is the base unit's row).
            let mut found: HashMap<String, (Decimal, bool)> = HashMap::new();
            let mut repeated = false;
            for r in data {
                let key = r.get(key_col).map(Cell::text).unwrap_or_default();
                let Ok(Some(v)) = values::parse(r.get(val_col).unwrap_or(&Cell::Empty), reading)
                else {
                    continue;
                };
                if key.is_empty() {
                    continue;
                }
                let base = ratio_col
                    .and_then(|c| r.get(c))
                    .and_then(|c| values::parse(c, Reading::DotThousands).ok().flatten())
                    .is_some_and(|x| x == Decimal::ONE);
                match found.entry(key.to_lowercase()) {
                    Entry::Vacant(e) => {
                        e.insert((v, base));
                    }
                    Entry::Occupied(mut e) => {
                        repeated = true;
                        if base && !e.get().1 {
                            e.insert((v, base));
                        }
                    }
                }
            }
            // A key on several rows with no conversion telling the base row: a log, not a
            // list of figures.
            if found.is_empty() || (repeated && ratio_col.is_none()) {
                continue;
            }
            let mut filled = false;
            for row in rows.iter_mut() {
                let key = match key_field {
                    Field::Sku => row.sku.clone(),
                    _ => row.name.clone(),
                };
                let Some(key) = key.map(|k| k.to_lowercase()) else {
                    continue;
                };
                if let Some((v, _)) = found.get(&key) {
                    match f {
                        Field::Sell => row.sell = Some(*v),
                        Field::Buy => row.buy = Some(*v),
                        _ => row.stock = Some(*v),
                    }
                    filled = true;
                }
            }
            if filled {
                plan.joined
                    .push((f, other.name.clone(), p.headers[val_col].clone()));
                break;
            }
        }
    }
}
