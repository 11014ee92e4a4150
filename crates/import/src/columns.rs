//! Finding the header row and what each column holds, by the words people use for them in
//! Indonesian and English ("Nama Barang", "Harga Jual", "HPP", "In stock [Toko]",
//! "barang_nama", "stokMinimal"…). Columns that mean nothing to the shop are ignored.

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Name,
    Sku,
    Barcode,
    Unit,
    Sell,
    Buy,
    Stock,
    Category,
    Reorder,
    /// Base units in one of the row's unit ("Konversi", "Isi", "Rasio"): rows that are the
    /// selling units of one product.
    Factor,
    /// The variant a row is ("Pilihan Varian 1", "Option 1 value", "Ukuran"): rows that share a
    /// name and differ by it are separate products.
    Variant,
    /// Whether the product is still sold ("Aktif": Ya/Tidak, "Active": Yes/No).
    Active,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Name,
        Field::Sku,
        Field::Barcode,
        Field::Unit,
        Field::Sell,
        Field::Buy,
        Field::Stock,
        Field::Category,
        Field::Reorder,
        Field::Factor,
        Field::Variant,
        Field::Active,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Sku => "sku",
            Field::Barcode => "barcode",
            Field::Unit => "unit",
            Field::Sell => "sell",
            Field::Buy => "buy",
            Field::Stock => "stock",
            Field::Category => "category",
            Field::Reorder => "reorder",
            Field::Factor => "factor",
            Field::Variant => "variant",
            Field::Active => "active",
        }
    }
}

/// A header as words: lowercase, camelCase and snake_case split, punctuation and store names
/// in brackets kept as words ("In stock [Benartefa]" → ["in", "stock", "benartefa"]).
pub fn words(header: &str) -> Vec<String> {
    let mut spaced = String::new();
    let mut prev_lower = false;
    for c in header.chars() {
        if c.is_uppercase() && prev_lower {
            spaced.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        if c.is_alphanumeric() {
            spaced.extend(c.to_lowercase());
        } else {
            spaced.push(' ');
        }
    }
    spaced.split_whitespace().map(str::to_string).collect()
}

/// How well a header names a field (0 = not at all).
pub fn score(field: Field, header: &str) -> u32 {
    let w = words(header);
    if w.is_empty() {
        return 0;
    }
    let has = |x: &str| w.iter().any(|t| t == x);
    let any = |xs: &[&str]| xs.iter().any(|x| has(x));
    let only = |xs: &[&str]| w.iter().all(|t| xs.contains(&t.as_str()));
    // "Satuan #2", "Harga Jual Satuan #3": the later units of multi-unit exports.
    let later_unit = w
        .iter()
        .any(|t| matches!(t.as_str(), "2" | "3" | "4" | "5"));
    if later_unit {
        return 0;
    }
    let price_words = [
        "harga", "price", "hpp", "modal", "cost", "pokok", "beli", "jual", "cash", "kredit",
    ];
    match field {
        Field::Name => {
            if any(&[
                "kategori",
                "category",
                "supplier",
                "pemasok",
                "varian",
                "variant",
                "satuan",
                "unit",
                "outlet",
                "toko",
                "store",
                "brand",
                "merek",
                "merk",
                "pelanggan",
                "customer",
                "file",
                "gambar",
                "foto",
                "image",
            ]) || any(&price_words)
            {
                return 0;
            }
            let nameish = any(&["nama", "name"]);
            let thing = any(&[
                "barang", "produk", "product", "item", "items", "obat", "menu",
            ]);
            match (nameish, thing) {
                (true, true) => 100,
                (true, false) => 80,
                (false, true) if w.len() == 1 => 50,
                _ => 0,
            }
        }
        Field::Sku => {
            if any(&["kategori", "category", "supplier", "barcode", "satuan"]) && !has("sku") {
                return 0;
            }
            if has("sku") || has("plu") {
                100
            } else if any(&["kode", "code"])
                && (w.len() == 1 || any(&["barang", "produk", "product", "item", "obat"]))
            {
                90
            } else if only(&["id"]) {
                20
            } else {
                0
            }
        }
        Field::Barcode => {
            if any(&["barcode", "ean", "upc", "gtin"]) {
                100
            } else {
                0
            }
        }
        Field::Unit => {
            if any(&[
                "rasio", "ratio", "konversi", "sku", "minimum", "harga", "price", "id",
            ]) {
                return 0;
            }
            if any(&["satuan", "unit", "uom"]) {
                100
            } else if has("kemasan") {
                60
            } else if any(&["variant", "varian"]) && any(&["name", "nama"]) {
                50
            } else {
                0
            }
        }
        Field::Sell => {
            if any(&[
                "beli", "modal", "pokok", "hpp", "cost", "purchase", "min", "max", "minimum",
                "maksimum", "grosir", "kredit", "silver", "gold", "platinum", "diskon", "discount",
                "tax", "pajak", "pack",
            ]) {
                return 0;
            }
            if has("jual") || (has("selling") && has("price")) || (has("sell") && has("price")) {
                100
            } else if has("harga") && any(&["umum", "ecer", "eceran", "normal"]) {
                90
            } else if only(&["harga", "price", "rp"])
                || (has("price") && w.len() <= 3)
                || (has("harga") && w.len() == 1)
                || (has("basic") && has("price"))
            {
                80
            } else if has("cash") {
                40
            } else {
                0
            }
        }
        Field::Buy => {
            if any(&["jual", "sell", "selling", "min", "max", "pack"]) {
                return 0;
            }
            if has("beli") || (has("purchase") && has("price")) {
                100
            } else if any(&["hpp", "cost", "pokok"]) {
                90
            } else if has("modal") {
                80
            } else {
                0
            }
        }
        Field::Stock => {
            if any(&[
                "min",
                "minimum",
                "minimal",
                "low",
                "reorder",
                "available",
                "track",
                "batas",
                "max",
                "maksimum",
                "gudang",
                "harga",
                "price",
                // "Monitor Persediaan (Y/T)", "Track stock": a yes/no flag, not a count.
                "monitor",
                "kelola",
                "y",
                "t",
                "yn",
            ]) {
                return 0;
            }
            if any(&["stok", "stock", "persediaan"]) {
                100
            } else if any(&["qty", "quantity", "onhand"]) || (has("on") && has("hand")) {
                80
            } else if has("jumlah") {
                70
            } else {
                0
            }
        }
        Field::Category => {
            if any(&["kategori", "category", "golongan", "jenis", "kelompok"]) {
                if has("id") { 40 } else { 100 }
            } else {
                0
            }
        }
        Field::Reorder => {
            let low = any(&["min", "minimum", "minimal", "low", "reorder", "batas"]);
            if low && any(&["stok", "stock", "qty"]) || has("reorder") {
                100
            } else {
                0
            }
        }
        Field::Factor => {
            if any(&["harga", "price", "sku", "kode"]) {
                return 0;
            }
            if any(&[
                "konversi",
                "rasio",
                "ratio",
                "conversion",
                "factor",
                "faktor",
            ]) {
                100
            } else if has("isi") && w.len() <= 3 {
                90
            } else {
                0
            }
        }
        Field::Active => {
            if any(&["aktif", "active"]) && w.len() <= 2 {
                100
            } else {
                0
            }
        }
        Field::Variant => {
            if any(&["nama", "name", "harga", "price", "sku", "kode"]) {
                return 0;
            }
            if any(&["varian", "variant"])
                || (has("option") && has("value"))
                || (has("pilihan") && w.len() <= 3)
                || any(&[
                    "ukuran", "size", "rasa", "flavour", "flavor", "warna", "colour", "color",
                ])
            {
                60
            } else {
                0
            }
        }
    }
}

/// The columns of one later selling unit of a wide multi-unit export (majoo: "Satuan #2",
/// "Rasio Satuan #2", "Harga Jual Satuan #2", "SKU Satuan #2"; up to #5). Each such unit of
/// a row is read as a selling-unit row of the same product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterUnit {
    /// The number the headers carry (2..=5).
    pub n: u8,
    pub columns: Vec<(Field, usize)>,
}

impl LaterUnit {
    pub fn column(&self, f: Field) -> Option<usize> {
        self.columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i)
    }
}

/// The later units of a wide multi-unit header: for each number 2..=5, the columns of its
/// unit, conversion, selling price and codes. A number without a unit column is no unit.
pub fn later_units(headers: &[String]) -> Vec<LaterUnit> {
    const FIELDS: [Field; 5] = [
        Field::Unit,
        Field::Factor,
        Field::Sell,
        Field::Sku,
        Field::Barcode,
    ];
    let mut out: Vec<LaterUnit> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let w = words(h);
        let numbers: Vec<u8> = w
            .iter()
            .filter_map(|t| match t.as_str() {
                "2" => Some(2),
                "3" => Some(3),
                "4" => Some(4),
                "5" => Some(5),
                _ => None,
            })
            .collect();
        let [n] = numbers[..] else { continue };
        let rest: Vec<&str> = w
            .iter()
            .map(String::as_str)
            .filter(|t| !matches!(*t, "2" | "3" | "4" | "5"))
            .collect();
        let rest = rest.join(" ");
        let Some((best, f)) = FIELDS
            .iter()
            .map(|f| (score(*f, &rest), *f))
            .max_by_key(|(s, _)| *s)
        else {
            continue;
        };
        if best == 0 {
            continue;
        }
        let at = match out.iter().position(|u| u.n == n) {
            Some(at) => at,
            None => {
                out.push(LaterUnit {
                    n,
                    columns: Vec::new(),
                });
                out.len() - 1
            }
        };
        if out[at].column(f).is_none() {
            out[at].columns.push((f, i));
        }
    }
    out.retain(|u| u.column(Field::Unit).is_some());
    out.sort_by_key(|u| u.n);
    out
}

/// Which column holds each field: the best-scoring header, each column used once.
pub fn map_columns(headers: &[String]) -> Vec<(Field, usize)> {
    let mut candidates: Vec<(u32, Field, usize)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        for f in Field::ALL {
            let s = score(f, h);
            if s > 0 {
                candidates.push((s, f, i));
            }
        }
    }
    // Best first; on a tie the field listed first and then the leftmost column.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut taken_fields = Vec::new();
    let mut taken_cols = Vec::new();
    let mut out = Vec::new();
    for (_, f, i) in candidates {
        if taken_fields.contains(&f) || taken_cols.contains(&i) {
            continue;
        }
        taken_fields.push(f);
        taken_cols.push(i);
        out.push((f, i));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(headers: &[&str]) -> Vec<(&'static str, String)> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        map_columns(&h)
            .into_iter()
            .map(|(f, i)| (f.key(), headers[i].to_string()))
            .collect()
    }

    #[test]
    fn common_headers_map_to_their_fields() {
        let m = mapped(&[
            "No",
            "Kode Barang",
            "Nama Barang",
            "Satuan",
            "Harga Beli",
            "Harga Jual",
            "Stok",
            "Stok Minimum",
            "Kategori",
        ]);
        assert_eq!(
            m,
            vec![
                ("name", "Nama Barang".into()),
                ("sku", "Kode Barang".into()),
                ("unit", "Satuan".into()),
                ("sell", "Harga Jual".into()),
                ("buy", "Harga Beli".into()),
                ("stock", "Stok".into()),
                ("category", "Kategori".into()),
                ("reorder", "Stok Minimum".into()),
            ]
        );
        let m = mapped(&[
            "Handle",
            "SKU",
            "Name",
            "Category",
            "Cost",
            "Price [Toko]",
            "In stock [Toko]",
            "Low stock [Toko]",
        ]);
        assert!(
            m.contains(&("sell", "Price [Toko]".into()))
                && m.contains(&("stock", "In stock [Toko]".into()))
        );
        assert!(
            m.contains(&("reorder", "Low stock [Toko]".into()))
                && m.contains(&("buy", "Cost".into()))
        );
        let m = mapped(&[
            "barang_kode",
            "barang_nama",
            "harga_beli",
            "harga_jual",
            "stokMinimal",
        ]);
        assert!(
            m.contains(&("name", "barang_nama".into()))
                && m.contains(&("reorder", "stokMinimal".into()))
        );
        let m = mapped(&[
            "Nama Produk",
            "Satuan #1",
            "Harga Modal Satuan #1",
            "Harga Beli Satuan #1",
            "Harga Jual Satuan #1",
            "SKU Satuan #1",
            "Satuan #2",
            "Harga Jual Satuan #2",
        ]);
        assert!(
            m.contains(&("sell", "Harga Jual Satuan #1".into()))
                && m.contains(&("buy", "Harga Beli Satuan #1".into()))
        );
        assert!(
            m.contains(&("unit", "Satuan #1".into()))
                && m.contains(&("sku", "SKU Satuan #1".into()))
        );
        let later = later_units(
            &[
                "Nama Produk",
                "Satuan #1",
                "Harga Jual Satuan #1",
                "Satuan #2",
                "Rasio Satuan #2",
                "Harga Modal #2",
                "Harga Jual Satuan #2",
                "SKU Satuan #2",
                "Minimum Transaksi Penjualan Satuan #2",
                "Satuan #3",
                "Rasio Satuan #3",
                "Harga Jual Satuan #4",
            ]
            .map(String::from),
        );
        assert_eq!(
            later,
            vec![
                LaterUnit {
                    n: 2,
                    columns: vec![
                        (Field::Unit, 3),
                        (Field::Factor, 4),
                        (Field::Sell, 6),
                        (Field::Sku, 7)
                    ]
                },
                LaterUnit {
                    n: 3,
                    columns: vec![(Field::Unit, 9), (Field::Factor, 10)]
                },
            ],
            "a number without a unit column (#4) is no unit"
        );
    }
}
