//! The importer's own fixtures (tools/make-import-fixtures.py writes them): title rows above
//! the header, merged cells, "Rp" text, "-" for nothing, blank and TOTAL rows, a
//! Windows-1252 semicolon CSV with comma decimals, a CSV named .xlsx, an old .xls with codes
//! stored as numbers, a cover sheet before the list, and files that are not stock lists.

use std::path::PathBuf;

use pasar_import::{Field, Kind, ReadError, Reading, read};
use rust_decimal::Decimal;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture (tools/make-import-fixtures.py writes them)")
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn a_title_above_the_header_and_a_total_below_the_rows() {
    let (plan, rows) = read(&fixture("judul-di-atas.xlsx"), None).unwrap();
    assert_eq!(
        (plan.kind, plan.sheet.as_str(), plan.header_row),
        (Kind::Workbook, "Daftar Harga", 4)
    );
    assert_eq!(plan.header_of(Field::Name), Some("Nama Barang"));
    assert_eq!(plan.header_of(Field::Sku), Some("Kode"));
    let got: Vec<(usize, &str, Option<Decimal>, Option<Decimal>)> = rows
        .iter()
        .map(|r| (r.row, r.name.as_deref().unwrap(), r.sell, r.stock))
        .collect();
    assert_eq!(
        got,
        vec![
            (5, "Beras Pulen 5 kg", Some(d("68000")), Some(d("12"))),
            (6, "Gula Pasir 1 kg", Some(d("18500")), Some(d("1.5"))),
            (8, "Minyak Goreng 2 L", Some(d("36500")), None),
            (9, "Kopi Bubuk 200 g", Some(d("12500")), Some(d("40"))),
        ],
        "the blank row and the TOTAL row are skipped; sheet row numbers are kept"
    );
    assert_eq!(
        rows[3].sku.as_deref(),
        Some("8991002101234"),
        "a code stored as a number stays whole"
    );
    assert!(rows.iter().all(|r| r.bad.is_empty()));
}

#[test]
fn a_semicolon_csv_from_indonesian_excel() {
    let (plan, rows) = read(&fixture("titik-koma-1252.csv"), None).unwrap();
    assert_eq!(plan.kind, Kind::Csv { delimiter: b';' });
    assert_eq!(plan.reading(Field::Sell), Reading::DotThousands);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0].name.as_deref(),
        Some("Café Susu Jahe"),
        "Windows-1252 decoded"
    );
    assert_eq!(
        (rows[0].buy, rows[0].sell),
        (Some(d("4500")), Some(d("7000")))
    );
    assert_eq!(
        rows[1].name.as_deref(),
        Some("Teh Manis; Gelas Besar"),
        "a quoted delimiter"
    );
    assert_eq!(rows[1].stock, Some(d("1.25")));
}

#[test]
fn a_csv_named_xlsx_is_read_by_its_content() {
    let (plan, rows) = read(&fixture("csv-bernama-xlsx.xlsx"), None).unwrap();
    assert_eq!(plan.kind, Kind::Csv { delimiter: b',' });
    assert_eq!(plan.reading(Field::Sell), Reading::DotDecimal);
    assert_eq!(rows[0].name.as_deref(), Some("Green Tea 500ml"));
    assert_eq!(
        (rows[0].sell, rows[0].stock),
        (Some(d("12000")), Some(d("3.5")))
    );
    assert_eq!(rows[1].sell, Some(d("8000")));
}

#[test]
fn an_old_xls_with_numbers_for_codes() {
    let (plan, rows) = read(&fixture("lama.xls"), None).unwrap();
    assert_eq!(plan.header_of(Field::Sku), Some("Kode Barang"));
    assert_eq!(
        rows[0].sku.as_deref(),
        Some("87678"),
        "87678.0 reads as the code 87678"
    );
    assert_eq!(
        (rows[0].sell, rows[0].stock),
        (Some(d("4500")), Some(d("3")))
    );
}

#[test]
fn the_list_is_found_after_a_cover_sheet_or_named() {
    let (plan, rows) = read(&fixture("sampul-lalu-daftar.xlsx"), None).unwrap();
    assert_eq!(plan.sheet, "Stok");
    assert_eq!(rows[0].name.as_deref(), Some("Aqua 600 ml"));
    assert_eq!(
        read(&fixture("sampul-lalu-daftar.xlsx"), Some("stok"))
            .unwrap()
            .0
            .sheet,
        "Stok"
    );
    assert_eq!(
        read(&fixture("sampul-lalu-daftar.xlsx"), Some("Sampul")).unwrap_err(),
        ReadError::SheetHasNoHeader {
            sheet: "Sampul".into()
        }
    );
}

#[test]
fn files_that_are_not_stock_lists_say_why() {
    assert_eq!(
        read(&fixture("kosong.xlsx"), None).unwrap_err(),
        ReadError::NoHeader
    );
    assert_eq!(
        read(&fixture("gambar.xlsx"), None).unwrap_err(),
        ReadError::NotASpreadsheet
    );
    assert!(matches!(
        read(&fixture("terpotong.xlsx"), None).unwrap_err(),
        ReadError::Damaged { .. }
    ));
    assert_eq!(read(b"", None).unwrap_err(), ReadError::Empty);
}

#[test]
fn a_note_far_away_or_a_zip_bomb_cannot_take_the_memory() {
    // One cell at XFD1048576 beside a three-row list: read as the list, in bounded memory.
    let (plan, rows) = read(&fixture("sel-jauh.xlsx"), None).unwrap();
    assert_eq!((plan.sheet.as_str(), rows.len()), ("Stok", 2));
    assert_eq!(rows[0].sell, Some(d("16500")));
    // 600 MB of sheet inside 600 KB: refused before it is unpacked.
    assert_eq!(
        read(&fixture("bom-zip.xlsx"), None).unwrap_err(),
        ReadError::TooLarge
    );
}

#[test]
fn two_header_rows_a_date_under_a_price_and_a_formula_without_its_value() {
    let (plan, rows) = read(&fixture("dua-baris-judul.xlsx"), None).unwrap();
    assert_eq!((plan.header_row, plan.header_height), (1, 2));
    assert_eq!(plan.headers[1..3], ["Harga Beli", "Harga Jual"]);
    let susu = &rows[0];
    assert_eq!(
        (susu.row, susu.buy, susu.sell, susu.stock),
        (3, Some(d("9000")), Some(d("11000")), Some(d("12")))
    );
    // The formula was saved without its value: no price, never a made-up one.
    assert_eq!((rows[2].row, rows[2].sell), (5, None));
    // A date is not a price.
    assert_eq!(rows[3].bad, [(Field::Sell, "2026-11-20".to_string())]);
}
