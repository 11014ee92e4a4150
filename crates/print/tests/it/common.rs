use std::process::Command;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use pasar_core::{
    Decimal, ManualClock, NewProduct, NewSale, Payment, ProductRef, ProductUnit, SaleLineInput,
    Shop,
};

pub fn d(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

/// 2026-11-20 10:00 WIB.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap()
}

/// A shop with a few products, pinned at t0, named and addressed.
pub fn shop() -> (Shop, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    let mut shop = Shop::open_in_memory(clock.clone()).expect("in-memory shop");
    shop.set_setting("shop_name", "Warung Bu Tini").unwrap();
    shop.set_setting("shop_address", "Jl. Melati No. 12, Sleman")
        .unwrap();
    shop.set_setting("shop_phone", "0812-2233-4455").unwrap();
    shop.set_setting("receipt_footer", "Terima kasih, sehat selalu!")
        .unwrap();
    shop.set_actor("Sari").unwrap();
    let add = |shop: &mut Shop,
               name: &str,
               sku: &str,
               unit: &str,
               price: &str,
               units: Vec<ProductUnit>| {
        shop.add_product(NewProduct {
            name: name.into(),
            sku: Some(sku.into()),
            unit: Some(unit.into()),
            price: d(price),
            cost: Some(d(price) * d("0.8")),
            stock: Some(d("1000")),
            units,
            ..Default::default()
        })
        .expect("add product");
    };
    add(
        &mut shop,
        "Beras Pulen",
        "BRS",
        "kg",
        "14000",
        vec![ProductUnit {
            unit: "karung".into(),
            factor: d("25"),
            price: Some(d("335000")),
            code: None,
        }],
    );
    add(
        &mut shop,
        "Indomie Goreng",
        "IDM",
        "pcs",
        "3500",
        vec![ProductUnit {
            unit: "dus".into(),
            factor: d("40"),
            price: Some(d("118000")),
            code: None,
        }],
    );
    add(
        &mut shop,
        "Minyak Goreng Bimoli Spesial Pouch Isi Ulang 2 Liter",
        "MYK",
        "pcs",
        "41000",
        vec![],
    );
    add(
        &mut shop,
        "Kopi Kapal Api Special Mix Sachet Renceng Isi Sepuluh",
        "KOP",
        "renteng",
        "15500",
        vec![],
    );
    add(
        &mut shop,
        "Café Susu Jahe Müller",
        "CAF",
        "gelas",
        "7000",
        vec![],
    );
    (shop, clock)
}

pub fn line(product: &str, qty: &str, unit: Option<&str>) -> SaleLineInput {
    SaleLineInput {
        product: ProductRef::Query(product.into()),
        qty: d(qty),
        unit: unit.map(str::to_string),
        price: None,
        discount: Decimal::ZERO,
        discount_percent: None,
    }
}

pub fn sale(lines: Vec<SaleLineInput>, payment: Payment, tendered: Option<&str>) -> NewSale {
    NewSale {
        lines,
        payment,
        tendered: tendered.map(d),
        customer: None,
        discount: Decimal::ZERO,
        note: None,
        discount_percent: None,
    }
}

/// A sale with everything a receipt can show: units, a fractional quantity, a line
/// discount, a sale discount, cash tendered and change.
pub fn full_sale(shop: &mut Shop) -> i64 {
    let mut lines = vec![
        line("BRS", "1.25", Some("kg")),
        line("IDM", "1", Some("dus")),
        line("MYK", "2", None),
        line("KOP", "3", None),
        line("CAF", "2", None),
    ];
    lines[2].discount = d("2000");
    let mut s = sale(lines, Payment::Cash, Some("300000"));
    s.discount = d("1500");
    shop.record_sale(&s).expect("sale").sale_id
}

pub fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is needed to read PDFs back: install poppler-utils (./x test does)"
    );
    Command::new(name)
}

/// One decoded ESC/POS command.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    Init,
    Codepage(u8),
    Align(u8),
    Bold(bool),
    Size(u8),
    Line(String),
    Feed(u8),
    Cut(u8),
    Drawer,
    QrModel(u8),
    QrModule(u8),
    QrLevel(u8),
    QrData(String),
    QrPrint,
    Raster { bytes_wide: usize, height: usize },
    StatusQuery(u8),
}

fn cp1252(b: u8) -> char {
    match b {
        0x80 => '€',
        0x96 => '–',
        0x97 => '—',
        0x91 => '‘',
        0x92 => '’',
        0x93 => '“',
        0x94 => '”',
        0x85 => '…',
        0xA0..=0xFF => char::from_u32(b as u32).unwrap(),
        b if b < 0x80 => b as char,
        _ => '\u{FFFD}',
    }
}

/// A strict decoder for the commands a receipt may contain: anything else fails the test.
pub fn decode(bytes: &[u8]) -> Vec<Ev> {
    let mut ev = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let need = |i: usize, n: usize| {
        assert!(i + n <= bytes.len(), "truncated command at byte {i}");
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x0A => {
                ev.push(Ev::Line(std::mem::take(&mut text)));
                i += 1;
            }
            0x10 => {
                need(i, 3);
                assert_eq!(bytes[i + 1], 0x04, "DLE EOT");
                ev.push(Ev::StatusQuery(bytes[i + 2]));
                i += 3;
            }
            0x1B => {
                need(i, 2);
                match bytes[i + 1] {
                    b'@' => {
                        ev.push(Ev::Init);
                        i += 2;
                    }
                    b't' => {
                        ev.push(Ev::Codepage(bytes[i + 2]));
                        i += 3;
                    }
                    b'a' => {
                        ev.push(Ev::Align(bytes[i + 2]));
                        i += 3;
                    }
                    b'E' => {
                        ev.push(Ev::Bold(bytes[i + 2] & 1 == 1));
                        i += 3;
                    }
                    b'd' => {
                        ev.push(Ev::Feed(bytes[i + 2]));
                        i += 3;
                    }
                    b'p' => {
                        need(i, 5);
                        ev.push(Ev::Drawer);
                        i += 5;
                    }
                    other => panic!("unknown ESC {other:#x} at {i}"),
                }
            }
            0x1D => {
                need(i, 3);
                match bytes[i + 1] {
                    b'!' => {
                        ev.push(Ev::Size(bytes[i + 2]));
                        i += 3;
                    }
                    b'V' => {
                        ev.push(Ev::Cut(bytes[i + 2]));
                        i += 3;
                    }
                    b'v' => {
                        need(i, 8);
                        assert_eq!(bytes[i + 2], b'0');
                        let bw = bytes[i + 4] as usize | (bytes[i + 5] as usize) << 8;
                        let h = bytes[i + 6] as usize | (bytes[i + 7] as usize) << 8;
                        need(i, 8 + bw * h);
                        ev.push(Ev::Raster {
                            bytes_wide: bw,
                            height: h,
                        });
                        i += 8 + bw * h;
                    }
                    b'(' => {
                        need(i, 5);
                        assert_eq!(bytes[i + 2], b'k');
                        let len = bytes[i + 3] as usize | (bytes[i + 4] as usize) << 8;
                        need(i, 5 + len);
                        let body = &bytes[i + 5..i + 5 + len];
                        assert_eq!(body[0], 49, "QR code (cn = 49)");
                        match body[1] {
                            65 => ev.push(Ev::QrModel(body[2])),
                            67 => ev.push(Ev::QrModule(body[2])),
                            69 => ev.push(Ev::QrLevel(body[2])),
                            80 => {
                                ev.push(Ev::QrData(String::from_utf8(body[3..].to_vec()).unwrap()))
                            }
                            81 => ev.push(Ev::QrPrint),
                            f => panic!("unknown QR function {f}"),
                        }
                        i += 5 + len;
                    }
                    other => panic!("unknown GS {other:#x} at {i}"),
                }
            }
            b if b < 0x20 => panic!("stray control byte {b:#x} at {i}"),
            b => {
                text.push(cp1252(b));
                i += 1;
            }
        }
    }
    assert!(text.is_empty(), "text after the last line feed: {text:?}");
    ev
}

pub fn lines(ev: &[Ev]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            Ev::Line(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}
