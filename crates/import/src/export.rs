//! Tables out: the shop's catalog, transactions and reports as .xlsx (real number formats,
//! frozen header, filter, widths that fit) or .csv (UTF-8 with BOM so Excel reads the accents,
//! numbers with a dot so any program reads them back). What the tables hold is pasar-core's
//! business; this module only writes them.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// One value of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    /// Rupiah: shown `Rp 12.500`, stored as the number.
    Money(Decimal),
    /// A quantity or a count: shown with the decimals it has.
    Qty(Decimal),
    Int(i64),
    /// A local date-time or date as text "2026-11-20 14:05" (sorts as written).
    Date(String),
}

/// A sheet: a title (the sheet's name), its headers and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// The workbook of `tables`, one sheet each.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, String> {
    write_xlsx(tables).map_err(|e| e.to_string())
}

fn write_xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#E8F0E8")
        .set_align(FormatAlign::Center);
    let money = Format::new().set_num_format("\"Rp\" #,##0;-\"Rp\" #,##0");
    let money_cents = Format::new().set_num_format("\"Rp\" #,##0.####;-\"Rp\" #,##0.####");
    // Whole quantities get a format without decimals: "#,##0.###" shows 10 as "10.".
    let qty = Format::new().set_num_format("#,##0.###");
    let qty_whole = Format::new().set_num_format("#,##0");
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let int = Format::new().set_num_format("0");
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name))?;
        let mut widths: Vec<usize> = t.headers.iter().map(|h| h.chars().count() + 2).collect();
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &header)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                let col = c as u16;
                let shown = match v {
                    Value::Empty => 0,
                    Value::Date(s) => match rust_xlsxwriter::ExcelDateTime::parse_from_str(s) {
                        // A real date cell: the spreadsheet can filter and sort it by date.
                        Ok(dt) => {
                            ws.write_datetime_with_format(r, col, &dt, &date)?;
                            16
                        }
                        Err(_) => {
                            ws.write_string(r, col, s)?;
                            s.chars().count()
                        }
                    },
                    Value::Text(s) => {
                        // Text stays text: a code "0812" or "00123" keeps its zeros.
                        ws.write_string(r, col, s)?;
                        s.chars().count()
                    }
                    Value::Money(m) => {
                        let f = if m.fract().is_zero() {
                            &money
                        } else {
                            &money_cents
                        };
                        ws.write_number_with_format(r, col, m.to_f64().unwrap_or(0.0), f)?;
                        m.trunc().to_string().len() + 6
                    }
                    Value::Qty(q) => {
                        let f = if q.fract().is_zero() {
                            &qty_whole
                        } else {
                            &qty
                        };
                        ws.write_number_with_format(r, col, q.to_f64().unwrap_or(0.0), f)?;
                        q.to_string().len() + 2
                    }
                    Value::Int(i) => {
                        ws.write_number_with_format(r, col, *i as f64, &int)?;
                        i.to_string().len()
                    }
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(shown + 1);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w).min(60) as f64)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if !t.rows.is_empty() && !t.headers.is_empty() {
            ws.autofilter(0, 0, t.rows.len() as u32, t.headers.len() as u16 - 1)?;
        }
    }
    if tables.is_empty() {
        wb.add_worksheet();
    }
    wb.save_to_buffer()
}

/// Excel's sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".into()
    } else {
        clean.trim().to_string()
    }
}

/// One table as CSV: UTF-8 with BOM, comma-separated, quoted where needed, numbers plain
/// ("12500", "1.25") so they read back exactly.
pub fn to_csv(table: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let field = |s: &str| {
        // A cell starting with = + - @ would be a formula when opened in a spreadsheet.
        let risky = s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err();
        let s = if risky {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(table.headers.iter().map(|h| field(h)).collect()));
    for row in &table.rows {
        out.push_str(&line(
            row.iter()
                .map(|v| match v {
                    Value::Empty => String::new(),
                    Value::Text(s) | Value::Date(s) => field(s),
                    Value::Money(m) | Value::Qty(m) => m.normalize().to_string(),
                    Value::Int(i) => i.to_string(),
                })
                .collect(),
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "Produk".into(),
            headers: vec![
                "Kode".into(),
                "Nama Barang".into(),
                "Harga Jual".into(),
                "Stok".into(),
            ],
            rows: vec![
                vec![
                    Value::Text("0812".into()),
                    Value::Text("Kopi \"Kapal\", Api".into()),
                    Value::Money("16500".parse().unwrap()),
                    Value::Qty("112.5".parse().unwrap()),
                ],
                vec![
                    Value::Empty,
                    Value::Text("=HYPERLINK(\"x\")".into()),
                    Value::Money("0".parse().unwrap()),
                    Value::Qty("-1.25".parse().unwrap()),
                ],
            ],
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_defuses_formulas() {
        let csv = String::from_utf8(to_csv(&table())).unwrap();
        assert_eq!(
            csv,
            "\u{feff}Kode,Nama Barang,Harga Jual,Stok\r\n0812,\"Kopi \"\"Kapal\"\", Api\",16500,112.5\r\n,\"'=HYPERLINK(\"\"x\"\")\",0,-1.25\r\n"
        );
    }

    #[test]
    fn xlsx_reads_back_with_numbers_as_numbers_and_codes_as_text() {
        let bytes = to_xlsx(&[table()]).unwrap();
        let (kind, sheets) = crate::grid::read_bytes(&bytes).unwrap();
        assert_eq!(kind, crate::Kind::Workbook);
        assert_eq!(sheets[0].name, "Produk");
        let r = &sheets[0].rows;
        assert_eq!(r[1][0], crate::Cell::Text("0812".into()));
        assert_eq!(r[1][2], crate::Cell::Number(16500.0));
        assert_eq!(r[1][3], crate::Cell::Number(112.5));
    }

    #[test]
    fn dates_are_date_cells() {
        let t = Table {
            name: "Transaksi".into(),
            headers: vec!["Waktu".into(), "Jumlah".into()],
            rows: vec![vec![
                Value::Date("2026-11-20 14:30".into()),
                Value::Qty(Decimal::from(10)),
            ]],
        };
        let bytes = to_xlsx(&[t]).unwrap();
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        let range = wb.worksheet_range("Transaksi").unwrap();
        assert!(
            matches!(range.get((1, 0)), Some(calamine::Data::DateTime(_))),
            "{:?}",
            range.get((1, 0))
        );
        assert_eq!(range.get((1, 1)), Some(&calamine::Data::Float(10.0)));
    }
}
