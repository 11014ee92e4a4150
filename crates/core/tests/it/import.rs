//! Stock lists in: grouping, validation, matching, modes and the ledger, on small files
//! written here (the reader's own cases live in crates/import/tests), and the 28 real sheets
//! of ../shared/realsheets when they are beside the project.

use crate::common::{beras, d, product, shop};
use pasar_core::import::{ColumnChoice, ImportMode, ImportOptions, ImportReport, ReadingChoice};
use pasar_core::{CoreError, Lang, Shop};

fn opts(mode: ImportMode) -> ImportOptions {
    ImportOptions {
        mode,
        ..Default::default()
    }
}

fn import(shop: &mut Shop, csv: &str, mode: ImportMode) -> ImportReport {
    let mut r = shop
        .import_products(csv.as_bytes(), "stok.csv", &opts(mode))
        .expect("import runs");
    r.localize(Lang::Id);
    r
}

/// Everything that must hold after any import: on-hand is the sum of the ledger.
fn sound(shop: &Shop) {
    assert!(shop.verify_stock().unwrap().is_empty(), "stock = ledger");
    assert!(shop.verify_books().unwrap().is_empty(), "books reconcile");
}

fn fingerprint(shop: &Shop) -> String {
    let c = shop.connection();
    let mut out = String::new();
    for sql in [
        "SELECT group_concat(id || name || coalesce(sku,'') || price || cost || stock, '|') FROM products",
        "SELECT group_concat(id || kind || qty || doc_type || doc_id, '|') FROM stock_movements",
        "SELECT group_concat(product_id || unit || factor || coalesce(price,''), '|') FROM product_units",
        "SELECT CAST(count(*) AS TEXT) FROM imports",
        "SELECT CAST(count(*) AS TEXT) FROM audit_log",
    ] {
        let v: Option<String> = c.query_row(sql, [], |r| r.get(0)).unwrap();
        out.push_str(&v.unwrap_or_default());
        out.push('\n');
    }
    out
}

const LIST: &str = "\
DAFTAR STOK TOKO MAKMUR;;;;;
;;;;;
Kode;Nama Barang;Satuan;Harga Beli;Harga Jual;Stok
GLA-1;Gula Pasir 1 kg;pcs;Rp 14.000;Rp 16.500;24
BRS-5;Beras Pandan Wangi;kg;11.500;13.000;112,5
MNY-2;Minyak Goreng 2 L;btl;Rp32.000,-;Rp 35.000,-;0
;;;;;
TOTAL;;;;;136,5
";

#[test]
fn a_new_list_becomes_products_each_with_its_initial_movement() {
    let (mut shop, _) = shop();
    let r = import(&mut shop, LIST, ImportMode::Default);
    assert!(r.committed && r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        (r.inserted, r.updated, r.unchanged, r.skipped),
        (3, 0, 0, 0)
    );
    assert_eq!(r.plan.header_row, 3);
    let gula = shop.resolve_product("GLA-1").unwrap();
    assert_eq!(
        (gula.name.as_str(), gula.price, gula.cost, gula.stock),
        ("Gula Pasir 1 kg", d("16500"), d("14000"), d("24"))
    );
    let beras = shop.resolve_product("BRS-5").unwrap();
    assert_eq!((beras.unit.as_str(), beras.stock), ("kg", d("112.5")));
    let moves = shop.movements(beras.id, 10).unwrap();
    assert_eq!(moves.len(), 1);
    assert_eq!(
        (
            moves[0].kind.as_str(),
            moves[0].qty,
            moves[0].doc_type.as_str()
        ),
        ("initial", d("112.5"), "import")
    );
    assert_eq!(Some(moves[0].doc_id), r.import_id);
    // Nothing on hand: no movement at all.
    let minyak = shop.resolve_product("MNY-2").unwrap();
    assert!(shop.movements(minyak.id, 10).unwrap().is_empty());
    // Found by the cashier's search like any product.
    assert_eq!(shop.search_products("pandan", 5).unwrap()[0].id, beras.id);
    sound(&shop);
}

#[test]
fn the_same_file_twice_changes_nothing_the_second_time() {
    let (mut shop, _) = shop();
    import(&mut shop, LIST, ImportMode::Default);
    let before = fingerprint(&shop);
    let r = import(&mut shop, LIST, ImportMode::Default);
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 3));
    assert!(!r.committed);
    assert_eq!(fingerprint(&shop), before);
}

#[test]
fn an_update_moves_stock_through_the_ledger_and_keeps_what_the_sheet_leaves_empty() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    // Sold 3 kg since: on hand 97. The sheet counts 90 and raises the price; no cost given.
    shop.record_sale(&crate::common::cash(vec![crate::common::line(
        "BRS", "3", None,
    )]))
    .unwrap();
    let csv = "SKU,Nama,Harga Jual,Harga Beli,Stok\nBRS,Beras Pulen,14500,,90\n";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.inserted, r.updated), (0, 1), "{:?}", r.errors);
    let after = shop.product(b.id).unwrap();
    assert_eq!(
        (after.price, after.cost, after.stock),
        (d("14500"), d("12000"), d("90"))
    );
    // The karung unit and the aliases stay.
    assert_eq!(after.units.len(), 1);
    assert_eq!(after.aliases.len(), 2);
    let m = &shop.movements(b.id, 1).unwrap()[0];
    assert_eq!(
        (m.kind.as_str(), m.qty, m.stock_after),
        ("import", d("-7"), d("90"))
    );
    sound(&shop);
}

#[test]
fn every_bad_row_is_named_by_its_row_and_column_and_the_good_rows_go_in() {
    let (mut shop, _) = shop();
    shop.set_setting("allow_negative_stock", "false").unwrap();
    product(&mut shop, "TLR", "Telur Ayam", "kg", "28000", "25000", "10");
    let csv = "\
Kode,Nama Barang,Barcode,Harga Jual,Stok
A1,Kopi Kapal Api,8991001,1.500,40
A2,,8991002,2.000,5
A3,Teh Celup,8991003,murah,5
A4,Susu Kental,8991004,12.000,-3
A1,Kopi Lain,8991005,1.000,1
A6,Sabun Mandi,8991001,3.000,1
TLR2,Telur Ayam,,29.000,1
A8,Roti Tawar,8991008,15.500,12
";
    let r = import(&mut shop, csv, ImportMode::Default);
    let got: Vec<(usize, Option<&str>, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, Some("Nama Barang"), "required"),
            (4, Some("Harga Jual"), "invalid_number"),
            (5, Some("Stok"), "negative"),
            (6, Some("Kode"), "same_as_row"),
            (7, Some("Barcode"), "same_as_row"),
            (8, Some("Nama Barang"), "used_by"),
        ]
    );
    assert_eq!(r.errors[3].message, "SKU \"A1\" sudah ada di baris 2");
    assert!(
        r.errors[5].message.contains("Telur Ayam"),
        "{}",
        r.errors[5].message
    );
    assert_eq!((r.inserted, r.skipped), (2, 6));
    assert!(shop.resolve_product("A8").is_ok() && shop.resolve_product("A1").is_ok());
    let mut en = shop
        .import_products(csv.as_bytes(), "stok.csv", &opts(ImportMode::DryRun))
        .unwrap();
    en.localize(Lang::En);
    assert!(
        en.errors
            .iter()
            .any(|e| e.message == "SKU \"A1\" is already on row 2")
    );
    sound(&shop);
}

#[test]
fn strict_is_all_or_nothing_and_a_dry_run_writes_nothing() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    let before = fingerprint(&shop);
    let csv = "Kode,Nama,Harga,Stok\nX1,Kacang Tanah,20000,5\nX2,,1000,1\n";
    let dry = import(&mut shop, csv, ImportMode::DryRun);
    assert_eq!(
        (dry.inserted, dry.errors.len(), dry.committed),
        (1, 1, false)
    );
    assert_eq!(fingerprint(&shop), before);
    let strict = import(&mut shop, csv, ImportMode::Strict);
    assert!(!strict.committed);
    assert_eq!(
        (strict.inserted, strict.skipped, strict.errors.len()),
        (0, 2, 1)
    );
    assert_eq!(fingerprint(&shop), before);
    let ok = import(
        &mut shop,
        "Kode,Nama,Harga\nX1,Kacang Tanah,20000\n",
        ImportMode::Strict,
    );
    assert!(ok.committed && ok.inserted == 1);
}

#[test]
fn selling_unit_rows_become_one_product_with_extra_units() {
    let (mut shop, _) = shop();
    let csv = "\
Nama Item,Konversi,Satuan,Harga Pokok,Harga Jual
INDOMIE GORENG,1,PCS,2800,3500
INDOMIE GORENG,40,DUS,110000,128000
INDOMIE GORENG,5,PACK,14000,17000
KECAP BANGO 220ML,1,BTL,9000,11000
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.inserted, r.errors.len()), (2, 0), "{:?}", r.errors);
    let p = shop.resolve_product("indomie goreng").unwrap();
    assert_eq!(
        (p.unit.as_str(), p.price, p.cost),
        ("PCS", d("3500"), d("2800"))
    );
    let mut units: Vec<(String, rust_decimal::Decimal, Option<rust_decimal::Decimal>)> = p
        .units
        .iter()
        .map(|u| (u.unit.clone(), u.factor, u.price))
        .collect();
    units.sort();
    assert_eq!(
        units,
        vec![
            ("DUS".into(), d("40"), Some(d("128000"))),
            ("PACK".into(), d("5"), Some(d("17000")))
        ]
    );
    // The dus sells as 40 pcs at its own price.
    let q = shop
        .quote_sale(&crate::common::cash(vec![crate::common::line(
            "indomie goreng",
            "1",
            Some("dus"),
        )]))
        .unwrap();
    assert_eq!(q.total, d("128000"));
    // Again: nothing changes.
    let again = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((again.unchanged, again.updated), (2, 0));
}

#[test]
fn a_wide_multi_unit_export_gives_each_product_its_later_units() {
    // majoo's layout: one row per product (or variant), up to five units across the row.
    let (mut shop, _) = shop();
    let csv = "\
Ekspor Daftar Produk;;;;;;;;;;;;;
Outlet;Toko Sumber Rejeki;;;;;;;;;;;;
Nama Produk;Pilihan Varian 1;Kategori;Satuan #1;Harga Jual Satuan #1;SKU Satuan #1;Satuan #2;Rasio Satuan #2;Harga Jual Satuan #2;SKU Satuan #2;Satuan #3;Rasio Satuan #3;Harga Jual Satuan #3;Minimum Transaksi Penjualan Satuan #3
Mie Sedaap Soto;-;Mie;Pcs;3.200;MS01;Dus;40;118.000;MS01-D;Pack;5;15.500;1
Teh Pucuk;-;Minuman;Btl;4.000;TP01;-;-;-;-;-;-;-;-
Kopi Kapal Api;Mix;Kopi;Sachet;1.500;KA01;Renteng;10;14.000;KA01-R;-;-;-;-
Kopi Kapal Api;Hitam;Kopi;Sachet;1.400;KA02;Renteng;10;13.000;KA02-R;-;-;-;-
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.inserted, r.errors.len()), (4, 0), "{:?}", r.errors);
    assert_eq!(r.plan.later_units, ["Satuan #2", "Satuan #3"]);
    let units = |q: &str| {
        let p = shop.resolve_product(q).unwrap();
        let mut u: Vec<(String, String, String)> = p
            .units
            .iter()
            .map(|u| {
                (
                    u.unit.clone(),
                    u.factor.to_string(),
                    format!("{:?}", u.price),
                )
            })
            .collect();
        u.sort();
        (p.name, p.unit, p.price, u)
    };
    let (name, unit, price, u) = units("MS01");
    assert_eq!(
        (name.as_str(), unit.as_str(), price),
        ("Mie Sedaap Soto", "Pcs", d("3200"))
    );
    assert_eq!(
        u,
        [
            ("Dus".into(), "40".into(), "Some(118000)".into()),
            ("Pack".into(), "5".into(), "Some(15500)".into())
        ]
    );
    assert!(units("TP01").3.is_empty(), "'-' units are none");
    for (code, name, price) in [
        ("KA01", "Kopi Kapal Api (Mix)", "Some(14000)"),
        ("KA02", "Kopi Kapal Api (Hitam)", "Some(13000)"),
    ] {
        let (n, unit, _, u) = units(code);
        assert_eq!((n.as_str(), unit.as_str()), (name, "Sachet"));
        assert_eq!(u, [("Renteng".into(), "10".into(), price.into())]);
    }
    let again = import(&mut shop, csv, ImportMode::Default);
    assert_eq!(
        (again.unchanged, again.updated, again.errors.len()),
        (4, 0, 0)
    );
    // Each later unit keeps its own code: scanning it sells that unit.
    let mie = shop.resolve_product("MS01-D").unwrap();
    assert_eq!(mie.name, "Mie Sedaap Soto");
    let codes: Vec<Option<&str>> = mie.units.iter().map(|u| u.code.as_deref()).collect();
    assert!(
        codes.contains(&Some("MS01-D")) && codes.contains(&None),
        "{codes:?}"
    );
    let q = shop
        .quote_sale(&crate::common::cash(vec![crate::common::line(
            "ms01-d", "2", None,
        )]))
        .unwrap();
    assert_eq!(q.total, d("236000"), "two dus at their own price");
    assert_eq!(
        shop.search_products("KA02-R", 5).unwrap()[0].sku.as_deref(),
        Some("KA02")
    );
    // A unit's code is nobody else's code, in the catalog or in a later file.
    let err = shop
        .add_product(pasar_core::NewProduct {
            name: "Lain".into(),
            barcode: Some("ms01-d".into()),
            price: d("1000"),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    let clash = "Nama Produk;Kode;Satuan;Harga Jual\nGula;KA01-R;kg;15.000\n";
    let r = import(&mut shop, clash, ImportMode::Default);
    assert_eq!((r.inserted, r.errors.len()), (0, 1), "{:?}", r.errors);
    assert_eq!((r.errors[0].row, r.errors[0].code.as_str()), (2, "used_by"));
    assert!(
        r.errors[0].message.contains("Kopi Kapal Api (Mix)"),
        "{}",
        r.errors[0].message
    );
    // Exported and imported back: the codes come back, nothing changes.
    let tables = shop
        .export_tables(pasar_core::export::ExportKind::Catalog, "today", Lang::Id)
        .unwrap();
    let bytes = pasar_core::export::to_xlsx(&tables).unwrap();
    let back = shop
        .import_products(&bytes, "katalog.xlsx", &opts(ImportMode::Default))
        .unwrap();
    assert_eq!(
        (back.inserted, back.updated, back.errors.len()),
        (0, 0, 0),
        "{:?}",
        back.errors
    );
    sound(&shop);
}

#[test]
fn units_written_in_the_name_group_and_a_unit_without_a_size_stays_its_own_product() {
    let (mut shop, _) = shop();
    let csv = "\
Nama Barang,Barcode,Isi,Harga Jual,Stok
Indomie Soto (pcs),899001,1,3.500,80
Indomie Soto (dus),,40,128.000,
Aqua 600ml (btl),899002,,4.000,24
Aqua 600ml (dus),899002A,,95.000,2
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.inserted, 3);
    let soto = shop.resolve_product("Indomie Soto").unwrap();
    assert_eq!(
        (soto.unit.as_str(), soto.stock, soto.units.len()),
        ("pcs", d("80"), 1)
    );
    assert_eq!(soto.units[0].factor, d("40"));
    // The sheet does not say how many bottles a dus of Aqua holds: the dus stays a product
    // of its own, with its barcode, price and stock.
    let dus = shop.resolve_product("899002A").unwrap();
    assert_eq!(
        (dus.name.as_str(), dus.unit.as_str(), dus.price, dus.stock),
        ("Aqua 600ml (dus)", "dus", d("95000"), d("2"))
    );
    assert_eq!(
        shop.resolve_product("899002").unwrap().name,
        "Aqua 600ml (btl)",
        "no row makes it a unit of another: named as written"
    );
    assert_eq!(import(&mut shop, csv, ImportMode::Default).unchanged, 3);
}

#[test]
fn price_tiers_keep_the_first_price_and_true_duplicates_are_reported() {
    let (mut shop, _) = shop();
    let csv = "\
Nama,Kode,Stok,Harga Beli,Harga Jual Min,Harga Jual Max,Harga Jual
Kemeja Batik,KB-1,100,50000,1,10,75000
Kemeja Batik,KB-1,100,50000,11,50,70000
Kemeja Batik,KB-1,100,50000,51,,65000
Obat Diapet,abc,50,,,,3000
Obat Diapet,abc,20,,,,3500
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!(r.inserted, 2);
    assert_eq!(shop.resolve_product("KB-1").unwrap().price, d("75000"));
    let diapet = shop.resolve_product("abc").unwrap();
    assert_eq!((diapet.price, diapet.stock), (d("3000"), d("50")));
    let e: Vec<(usize, &str)> = r.errors.iter().map(|e| (e.row, e.code.as_str())).collect();
    assert_eq!(e, vec![(6, "same_as_row")]);
}

#[test]
fn variants_of_one_name_become_products_named_by_their_variant() {
    let (mut shop, _) = shop();
    let csv = "\
code,name,size,price
Jam1,Blueberry Jam,small,35000
Jam8,Blueberry Jam,large,87500
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!(r.inserted, 2, "{:?}", r.errors);
    assert_eq!(
        shop.resolve_product("Jam1").unwrap().name,
        "Blueberry Jam (small)"
    );
    assert_eq!(shop.resolve_product("Jam8").unwrap().price, d("87500"));
    assert_eq!(import(&mut shop, csv, ImportMode::Default).unchanged, 2);
}

#[test]
fn the_user_can_move_a_column_and_flip_a_reading() {
    let (mut shop, _) = shop();
    // "Harga" is read as the price; the user says the price is in "Harga Grosir" instead,
    // and that the stock's 1.500 means one and a half.
    let csv = "Nama,Harga,Harga Grosir,Stok\nBawang Merah,40.000,38.000,1.500\nCabai,60.000,55.000,2.250\n";
    let mut o = opts(ImportMode::Default);
    o.columns = vec![ColumnChoice {
        field: "sell".into(),
        column: Some(2),
    }];
    o.readings = vec![ReadingChoice {
        field: "stock".into(),
        dot_thousands: false,
    }];
    let r = shop.import_products(csv.as_bytes(), "x.csv", &o).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let b = shop.resolve_product("Bawang Merah").unwrap();
    assert_eq!((b.price, b.stock), (d("38000"), d("1.5")));
    assert!(
        r.plan
            .readings
            .iter()
            .any(|x| x.field == "stock" && !x.dot_thousands)
    );
}

#[test]
fn files_that_are_not_stock_lists_get_one_error_and_touch_nothing() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    let before = fingerprint(&shop);
    let cases: Vec<(&[u8], &str)> = vec![
        (b"", "spreadsheet_empty"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "not_a_spreadsheet",
        ),
        (
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00truncated",
            "spreadsheet_damaged",
        ),
        (
            b"tanggal,keterangan\n2026-01-01,buka toko\n",
            "no_header_row",
        ),
    ];
    for (bytes, code) in cases {
        let e = shop
            .import_products(bytes, "x.xlsx", &opts(ImportMode::Default))
            .unwrap_err();
        assert_eq!(e.code(), code);
        assert!(
            e.message(Lang::Id).contains("x.xlsx"),
            "{}",
            e.message(Lang::Id)
        );
    }
    let mut o = opts(ImportMode::Default);
    o.sheet = Some("Gudang".into());
    let e = shop
        .import_products(LIST.as_bytes(), "x.csv", &o)
        .unwrap_err();
    assert!(matches!(e, CoreError::SheetNotFound { .. }));
    let big = vec![b'a'; (pasar_import::grid::MAX_BYTES + 1) as usize];
    let e = shop
        .import_products(&big, "besar.csv", &opts(ImportMode::Default))
        .unwrap_err();
    assert_eq!(e.code(), "spreadsheet_too_big");
    assert_eq!(fingerprint(&shop), before);
}

#[test]
fn huge_and_odd_figures_are_refused_per_row() {
    let (mut shop, _) = shop();
    let csv = "\
Nama,Harga Jual,Harga Beli,Stok
Emas,99999999999999999999999,1,1
Receh,12.5,1,1
Pasir,1000,1,2000000000
Kapur,1000,16083.333333333334,1
";
    let r = import(&mut shop, csv, ImportMode::Default);
    let e: Vec<(usize, &str)> = r.errors.iter().map(|e| (e.row, e.code.as_str())).collect();
    assert_eq!(e.len(), 3, "{e:?}");
    assert_eq!(r.inserted, 1);
    // A cost stored as a binary float keeps the books' four decimals.
    assert_eq!(shop.resolve_product("Kapur").unwrap().cost, d("16083.3333"));
}

/// ../shared/realsheets: every file imports without a crash into a new shop, and every
/// manifest sample comes out as a product with its price and stock — or, where the shop's own
/// rules refuse it (a price in cents), as a row error that says so.
#[test]
fn every_real_sheet_imports_and_its_samples_are_products() {
    use serde_json::Value;
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realsheets");
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        eprintln!("../shared/realsheets is not beside the project: conformance skipped");
        return;
    };
    let manifest: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut problems = Vec::new();
    for entry in &manifest {
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let (mut shop, _) = shop();
        let mut o = opts(ImportMode::Default);
        o.sheet = entry["sheet"]
            .as_str()
            .filter(|s| !s.starts_with('('))
            .map(str::to_string);
        let r = match shop.import_products(&bytes, file, &o) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{file}: {e:?}"));
                continue;
            }
        };
        if !shop.verify_stock().unwrap().is_empty() {
            problems.push(format!("{file}: stock and ledger disagree"));
        }
        let again = shop.import_products(&bytes, file, &o).unwrap();
        if again.inserted + again.updated != 0 {
            problems.push(format!(
                "{file}: second import changed {} products",
                again.inserted + again.updated
            ));
        }
        for s in entry["samples"].as_array().unwrap() {
            let row = s["row"].as_u64().unwrap() as usize;
            let name = s["name"].as_str().unwrap().trim();
            let code = s["code"].as_str().or(s["barcode"].as_str());
            let found = match code {
                Some(c) => shop.resolve_product(c).ok(),
                None => shop.resolve_product(name).ok(),
            };
            let Some(p) = found else {
                let why: Vec<String> = r
                    .errors
                    .iter()
                    .filter(|e| e.row == row)
                    .map(|e| e.code.clone())
                    .collect();
                if why.iter().any(|c| c == "not_whole_rupiah") {
                    continue;
                }
                problems.push(format!("{file} row {row}: {name} not imported ({why:?})"));
                continue;
            };
            let want = |k: &str| s[k].as_str().map(|v| d(v).normalize());
            // A sample may be one of a product's units (its own price on that unit).
            let unit = s["unit"].as_str().unwrap_or("");
            let price = p
                .units
                .iter()
                .find(|u| u.unit.eq_ignore_ascii_case(unit.trim()))
                .and_then(|u| u.price)
                .unwrap_or(p.price);
            if let Some(w) = want("sell")
                && price != w
            {
                problems.push(format!(
                    "{file} row {row}: {} price {price} (want {w})",
                    p.name
                ));
            }
            if let Some(w) = want("stock")
                && p.stock != w
            {
                problems.push(format!(
                    "{file} row {row}: {} stock {} (want {w})",
                    p.name, p.stock
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// An exported catalog (xlsx and csv) imports back into the same shop with no change, and
/// into a new shop as the same products.
#[test]
fn an_exported_catalog_reimports_with_no_changes() {
    use pasar_core::export::{ExportKind, to_csv, to_xlsx};
    let (mut shop, _) = shop();
    pasar_core::demo::generate(&mut shop, 3, 7).unwrap();
    // The awkward ones: a code with leading zeros, a fractional cost, an inactive product.
    let odd = product(
        &mut shop,
        "00123",
        "Kerupuk  Udang",
        "bks",
        "2500",
        "1700",
        "7.25",
    );
    shop.update_product(
        odd.id,
        pasar_core::ProductPatch {
            cost: Some(d("1712.3456")),
            active: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    for lang in [Lang::Id, Lang::En] {
        let tables = shop
            .export_tables(ExportKind::Catalog, "today", lang)
            .unwrap();
        let files: [(&str, Vec<u8>); 2] = [
            ("katalog.xlsx", to_xlsx(&tables).unwrap()),
            ("katalog.csv", to_csv(&tables[0])),
        ];
        for (name, bytes) in files {
            let before = fingerprint(&shop);
            let r = shop
                .import_products(&bytes, name, &opts(ImportMode::Default))
                .unwrap();
            assert!(r.errors.is_empty(), "{name} {lang:?}: {:?}", r.errors);
            assert_eq!(
                (r.inserted, r.updated, r.unchanged),
                (0, 0, shop.products(true).unwrap().len()),
                "{name} {lang:?}"
            );
            assert_eq!(fingerprint(&shop), before, "{name} {lang:?}");
            // Into an empty shop: the same catalog.
            let (mut fresh, _) = crate::common::shop();
            let r = fresh
                .import_products(&bytes, name, &opts(ImportMode::Default))
                .unwrap();
            assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
            let a = shop.products(true).unwrap();
            let b = fresh.products(true).unwrap();
            assert_eq!(a.len(), b.len());
            for p in &a {
                let q = b.iter().find(|q| q.name == p.name).expect("same names");
                assert_eq!(
                    (&q.sku, &q.barcode, &q.unit, q.price, q.cost, q.stock),
                    (&p.sku, &p.barcode, &p.unit, p.price, p.cost, p.stock),
                    "{name}: {}",
                    p.name
                );
                let mut pu = p.units.clone();
                let mut qu = q.units.clone();
                pu.sort_by(|x, y| x.unit.cmp(&y.unit));
                qu.sort_by(|x, y| x.unit.cmp(&y.unit));
                assert_eq!(pu, qu, "{name}: units of {}", p.name);
            }
        }
    }
}

#[test]
fn transactions_and_report_export_the_period() {
    use pasar_core::export::{ExportKind, to_xlsx};
    let (mut shop, _) = shop();
    pasar_core::demo::generate(&mut shop, 3, 7).unwrap();
    let tables = shop
        .export_tables(ExportKind::Transactions, "last_7_days", Lang::Id)
        .unwrap();
    let t = &tables[0];
    assert_eq!(t.headers[0], "Waktu");
    let sales = shop.report("last_7_days").unwrap();
    assert!(t.rows.len() as i64 >= sales.sales_count);
    assert!(to_xlsx(&tables).unwrap().starts_with(b"PK"));
    let rep = shop
        .export_tables(ExportKind::Report, "last_7_days", Lang::En)
        .unwrap();
    use pasar_core::export::Value;
    assert_eq!(
        rep[0].rows[1],
        vec![Value::Text("Revenue".into()), Value::Money(sales.revenue)]
    );
}

/// What a stranger's hostile test found: every case a money or data error before.
#[test]
fn a_row_in_another_unit_is_converted_never_taken_as_the_base() {
    let (mut shop, _) = shop();
    beras(&mut shop); // kg, 14.000; karung = 25 kg at 335.000; stock 100
    let csv = "Kode,Nama Barang,Satuan,Harga Jual,Harga Beli,Stok\nBRS,Beras Pulen,karung,340000,300000,2\n";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.updated, r.errors.len()), (1, 0), "{:?}", r.errors);
    let p = shop.resolve_product("BRS").unwrap();
    assert_eq!(
        (p.price, p.cost, p.stock, p.units[0].price),
        (d("14000"), d("12000"), d("50"), Some(d("340000"))),
        "2 karung = 50 kg; the karung's own price changes, the kg price and the cost per kg follow the sheet"
    );
    sound(&shop);
}

#[test]
fn names_with_a_unit_in_brackets_stay_as_written_unless_a_sibling_makes_them_a_unit() {
    let (mut shop, _) = shop();
    let csv = "\
Kode,Nama Barang,Satuan,Isi,Harga Jual,Stok
IDM,Indomie Goreng (dus),dus,1,110000,2
AQB,Aqua (btl),btl,1,3000,5
AQ,Aqua,pcs,1,3000,5
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.inserted, r.errors.len()), (3, 0), "{:?}", r.errors);
    let names: Vec<String> = ["IDM", "AQB", "AQ"]
        .iter()
        .map(|c| shop.resolve_product(c).unwrap().name)
        .collect();
    assert_eq!(names, ["Indomie Goreng (dus)", "Aqua (btl)", "Aqua"]);
    assert!(shop.resolve_product("AQ").unwrap().units.is_empty());
    assert_eq!(import(&mut shop, csv, ImportMode::Default).unchanged, 3);
}

#[test]
fn a_product_called_total_is_a_product_and_a_total_row_is_not() {
    let (mut shop, _) = shop();
    let csv = "\
Nama Barang,Satuan,Harga Jual,Stok
Total Care 250ml,btl,9000,4
Grand Soklin,pcs,12000,3
Grand Total,,21000,7
TOTAL NILAI STOK,,,300000
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.inserted, r.errors.len()), (2, 0), "{:?}", r.errors);
    assert!(shop.resolve_product("total care 250ml").is_ok());
    assert!(shop.resolve_product("grand soklin").is_ok());
}

#[test]
fn a_defused_csv_cell_reads_back_as_written() {
    let (mut shop, _) = shop();
    let csv = "Kode,Nama Barang,Harga Jual\n'=LINK,'=1+2 Gula,15000\n";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!((r.inserted, r.errors.len()), (1, 0), "{:?}", r.errors);
    let p = shop.resolve_product("=LINK").unwrap();
    assert_eq!(p.name, "=1+2 Gula");
    let tables = shop
        .export_tables(pasar_core::export::ExportKind::Catalog, "today", Lang::Id)
        .unwrap();
    let again = pasar_core::export::to_csv(&tables[0]);
    assert!(
        String::from_utf8_lossy(&again).contains("'=1+2 Gula"),
        "defused on the way out"
    );
    let back = shop
        .import_products(&again, "katalog.csv", &opts(ImportMode::Default))
        .unwrap();
    assert_eq!((back.updated, back.unchanged), (0, 1), "{:?}", back.errors);
}

#[test]
fn a_new_product_needs_a_price_and_a_unit_size_above_zero() {
    let (mut shop, _) = shop();
    let csv = "\
Nama Barang,Satuan,Isi,Harga Jual,Stok
Kecap Manis,btl,1,,10
Telur,pcs,1,2000,100
Telur,tray,0,55000,
Telur,peti,-5,1,
Teh Kotak,pcs,,4000,\"0,0000005\"
Teh Botol,pcs,,5000,12
";
    let r = import(&mut shop, csv, ImportMode::Default);
    let problems: Vec<(usize, &str, Option<&str>)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.code.as_str(), e.column.as_deref()))
        .collect();
    assert_eq!(
        problems,
        [
            (2, "required", Some("Harga Jual")),
            (4, "not_positive", Some("Isi")),
            (5, "not_positive", Some("Isi")),
            (6, "too_precise", Some("Stok")),
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(r.inserted, 2, "Telur and Teh Botol");
    let telur = shop.resolve_product("telur").unwrap();
    assert!(telur.units.is_empty(), "no made-up tray or peti");
}

#[test]
fn a_text_conversion_a_status_column_and_a_barcode_without_its_zeros() {
    let (mut shop, _) = shop();
    shop.add_product(pasar_core::NewProduct {
        name: "Kopi Kapal Api".into(),
        barcode: Some("0089686010947".into()),
        price: d("1500"),
        ..Default::default()
    })
    .unwrap();
    let csv = "\
Nama Barang,Barcode,Satuan,Isi,Harga Jual,Aktif
Kopi Kapal Api,89686010947,pcs,1,1600,Ya
Indomie Goreng,899001,pcs,1,3500,Ya
Indomie Goreng,899002,dus,40 pcs,128000,Ya
Kecap Lama,899003,btl,1,9000,Tidak
";
    let r = import(&mut shop, csv, ImportMode::Default);
    assert_eq!(
        (r.inserted, r.updated, r.errors.len()),
        (2, 1, 0),
        "{:?}",
        r.errors
    );
    let kopi = shop.resolve_product("0089686010947").unwrap();
    assert_eq!(
        (kopi.price, kopi.barcode.as_deref()),
        (d("1600"), Some("0089686010947"))
    );
    let idm = shop.resolve_product("899001").unwrap();
    assert_eq!(idm.units[0].factor, d("40"), "\"40 pcs\" is 40");
    assert!(
        !shop.resolve_product("899003").unwrap().active,
        "Aktif = Tidak"
    );
    assert_eq!(import(&mut shop, csv, ImportMode::Default).unchanged, 3);
}
