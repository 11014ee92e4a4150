//! ESC/POS receipts, decoded back into commands and lines.

use pasar_core::Payment;
use pasar_print::{Format, render_receipt};

use crate::common::{Ev, d, decode, full_sale, line, lines, sale, shop};

fn escpos(shop: &pasar_core::Shop, id: i64, paper: u32) -> Vec<Ev> {
    decode(&render_receipt(shop, id, Format::EscPos, Some(paper), None).unwrap())
}

/// Lines with runs of spaces collapsed, for comparing renderers that pad differently.
fn flat(ls: &[String]) -> Vec<String> {
    ls.iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn a_receipt_is_initialised_worded_and_cut() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    let sale = shop.sale(id).unwrap();
    for (paper, cols) in [(58, 32), (80, 48)] {
        let ev = escpos(&shop, id, paper);
        assert_eq!(ev[0], Ev::Init);
        assert_eq!(ev[1], Ev::Codepage(16), "WPC1252 for accented names");
        assert!(
            matches!(ev.last(), Some(Ev::Cut(1))),
            "partial cut last: {:?}",
            ev.last()
        );
        let ls = lines(&ev);
        // Double-width rows hold half the characters.
        let mut size = 0;
        for e in &ev {
            match e {
                Ev::Size(n) => size = *n,
                Ev::Line(l) => {
                    let max = if size & 0x10 != 0 { cols / 2 } else { cols };
                    assert!(l.chars().count() <= max, "{l:?} is wider than {max}");
                }
                _ => {}
            }
        }
        let all = ls.join(" ");
        let words: Vec<&str> = all.split_whitespace().collect();
        for l in &sale.lines {
            // Long names wrap onto several lines but keep every word, in order.
            let name: Vec<&str> = l.product.split_whitespace().collect();
            assert!(
                words.windows(name.len()).any(|w| w == name.as_slice()),
                "{} missing in {ls:#?}",
                l.product
            );
        }
        for want in [
            "Warung Bu Tini",
            "No. ",
            "Kasir: Sari",
            "1,25 kg x 14.000",
            "1 dus x 118.000",
            "-2.000",
            "Diskon",
            "-1.500",
            "Tunai",
            "Kembali",
        ] {
            assert!(all.contains(want), "{want:?} missing in {ls:#?}");
        }
        // The total: bold and large, with the exact amount.
        let total = format!("Rp {}", pasar_core::money::format_id(sale.total));
        let at = ev
            .iter()
            .position(|e| matches!(e, Ev::Line(l) if l.contains("TOTAL") && l.contains(&total)))
            .unwrap_or_else(|| panic!("total {total} missing: {ls:#?}"));
        assert!(ev[..at].iter().rev().take(3).any(|e| *e == Ev::Bold(true)));
        assert!(
            ev[..at]
                .iter()
                .rev()
                .take(3)
                .any(|e| matches!(e, Ev::Size(n) if n & 0x01 == 1))
        );
    }
}

#[test]
fn text_and_escpos_say_the_same_thing() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    let text = String::from_utf8(render_receipt(&shop, id, Format::Text, Some(58), None).unwrap())
        .unwrap();
    let text_lines: Vec<String> = text.lines().map(str::to_string).collect();
    let esc = lines(&escpos(&shop, id, 58));
    assert_eq!(flat(&text_lines), flat(&esc));
}

#[test]
fn accents_use_the_code_page_or_plain_letters_never_garbage() {
    let (mut shop, _) = shop();
    let id = shop
        .record_sale(&sale(vec![line("CAF", "1", None)], Payment::Qris, None))
        .unwrap()
        .sale_id;
    let bytes = render_receipt(&shop, id, Format::EscPos, Some(58), None).unwrap();
    assert!(
        bytes.windows(4).any(|w| w == b"Caf\xe9"),
        "é as 0xE9 in WPC1252"
    );
    assert!(
        lines(&decode(&bytes))
            .iter()
            .any(|l| l.contains("Café Susu Jahe Müller"))
    );
    shop.set_setting("printer_codepage", "ascii").unwrap();
    let bytes = render_receipt(&shop, id, Format::EscPos, Some(58), None).unwrap();
    assert!(bytes.iter().all(|b| *b < 0x80), "nothing above ASCII");
    let ev = decode(&bytes);
    assert!(!ev.iter().any(|e| matches!(e, Ev::Codepage(_))));
    assert!(
        lines(&ev)
            .iter()
            .any(|l| l.contains("Cafe Susu Jahe Muller"))
    );
}

#[test]
fn kasbon_receipts_show_the_balance_after_the_sale() {
    let (mut shop, _) = shop();
    let mut s = sale(vec![line("BRS", "2", None)], Payment::Kasbon, None);
    s.customer = Some("Bu Sri".into());
    shop.record_sale(&s).unwrap();
    let second = shop.record_sale(&s).unwrap().sale_id;
    let ls = lines(&escpos(&shop, second, 58)).join("\n");
    assert!(ls.contains("Pelanggan: Bu Sri"), "{ls}");
    assert!(ls.contains("Bayar") && ls.contains("Kasbon"), "{ls}");
    let bal = ls.lines().find(|l| l.contains("Sisa kasbon")).expect(&ls);
    assert!(bal.ends_with("Rp 56.000"), "two sales of Rp 28.000: {bal}");
}

#[test]
fn voids_and_returns_print_as_such() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    let ret = shop
        .return_sale(
            id,
            &[pasar_core::ReturnLine {
                product: "IDM".into(),
                qty: d("1"),
                unit: Some("dus".into()),
                price: None,
            }],
            "kardus basah",
        )
        .unwrap();
    let ls = lines(&escpos(&shop, ret.sale_id, 58)).join("\n");
    assert!(ls.contains(&format!("RETUR dari #{id}")), "{ls}");
    assert!(ls.contains("Alasan: kardus basah"), "{ls}");
    assert!(ls.contains("TOTAL KEMBALI"), "{ls}");
    let total = ls.lines().find(|l| l.contains("TOTAL KEMBALI")).unwrap();
    assert!(
        total.contains("Rp 1") && !total.contains("-Rp"),
        "given back reads positive: {total}"
    );
    let void = shop.void_sale(id, "salah input").unwrap();
    let ls = lines(&escpos(&shop, void.sale_id, 58)).join("\n");
    assert!(ls.contains(&format!("PEMBATALAN untuk #{id}")), "{ls}");
    shop.set_setting("language", "en").unwrap();
    let ls = lines(&escpos(&shop, void.sale_id, 58)).join("\n");
    assert!(
        ls.contains(&format!("VOID of #{id}")) && ls.contains("REFUND"),
        "{ls}"
    );
    assert!(ls.contains("Cashier: Sari"), "{ls}");
}

#[test]
fn qr_logo_and_drawer_when_set() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    shop.set_setting("receipt_qr", "https://wa.me/6281222334455")
        .unwrap();
    shop.set_setting("receipt_drawer", "true").unwrap();
    shop.set_setting("receipt_cut", "full").unwrap();
    shop.set_logo(Some(&crate::pdf::checker_png(200, 80)))
        .unwrap();
    let ev = escpos(&shop, id, 58);
    let i = ev
        .iter()
        .position(|e| *e == Ev::QrData("https://wa.me/6281222334455".into()))
        .expect("QR stored");
    assert_eq!(ev[i + 1], Ev::QrPrint);
    assert!(ev[..i].contains(&Ev::QrModel(50)) && ev[..i].contains(&Ev::QrLevel(49)));
    let raster = ev.iter().find_map(|e| match e {
        Ev::Raster { bytes_wide, height } => Some((*bytes_wide, *height)),
        _ => None,
    });
    let (bw, h) = raster.expect("logo raster");
    assert!(bw * 8 <= 384 && h <= 160 && bw > 0, "{bw}x{h}");
    let n = ev.len();
    assert_eq!(&ev[n - 3..], &[Ev::Drawer, Ev::Feed(4), Ev::Cut(0)]);
    // No drawer for a QRIS sale.
    let q = shop
        .record_sale(&sale(vec![line("IDM", "1", None)], Payment::Qris, None))
        .unwrap()
        .sale_id;
    assert!(!escpos(&shop, q, 58).contains(&Ev::Drawer));
}

#[test]
fn huge_numbers_and_long_names_never_overflow_the_line() {
    let (mut shop, _) = shop();
    shop.add_product(pasar_core::NewProduct {
        name: "Semen Tiga Roda Portland Composite Cement Zak Besar Empat Puluh Kilogram".into(),
        sku: Some("SMN".into()),
        unit: Some("zak".into()),
        price: d("999999999"),
        stock: Some(d("100000")),
        ..Default::default()
    })
    .unwrap();
    let id = shop
        .record_sale(&sale(
            vec![line("SMN", "999", None)],
            Payment::Transfer,
            None,
        ))
        .unwrap()
        .sale_id;
    for (paper, cols) in [(58, 32), (80, 48)] {
        let ev = escpos(&shop, id, paper);
        let mut size = 0;
        for e in &ev {
            match e {
                Ev::Size(n) => size = *n,
                Ev::Line(l) => assert!(
                    l.chars().count() <= if size & 0x10 != 0 { cols / 2 } else { cols },
                    "{l:?}"
                ),
                _ => {}
            }
        }
        let all = lines(&ev).join("\n");
        assert!(all.contains("998.999.999.001"), "{all}");
        assert!(all.contains("Rp 998.999.999.001"), "{all}");
    }
}

/// The text receipt of a pinned sale, as committed under tests/snapshots (UPDATE_SNAPSHOTS=1
/// rewrites them). The ESC/POS lines must match the same text.
#[test]
fn receipt_text_snapshots() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    for paper in [58, 80] {
        let text =
            String::from_utf8(render_receipt(&shop, id, Format::Text, Some(paper), None).unwrap())
                .unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/snapshots/receipt-{paper}.txt"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .expect("snapshot (run with UPDATE_SNAPSHOTS=1 to write it)");
        assert_eq!(text, want, "receipt-{paper}.txt changed");
        let esc = lines(&escpos(&shop, id, paper));
        assert_eq!(
            flat(&esc),
            flat(&text.lines().map(str::to_string).collect::<Vec<_>>())
        );
    }
}

#[test]
fn spelled_out_characters_are_counted_before_wrapping_and_long_qr_text_prints_as_text() {
    let (mut shop, _) = shop();
    shop.add_product(pasar_core::NewProduct {
        name: "Sabun Lifebuoy™ Merah ½ lusin №7 ←→ Ǆ₹ Phở Hà Nội".into(),
        sku: Some("SBN".into()),
        price: d("5000"),
        stock: Some(d("10")),
        ..Default::default()
    })
    .unwrap();
    shop.set_setting("receipt_footer", "Terima kasih… sampai jumpa lagi…… ½½½½")
        .unwrap();
    let id = shop
        .record_sale(&sale(
            vec![line("SBN", "1", None)],
            Payment::Cash,
            Some("5000"),
        ))
        .unwrap()
        .sale_id;
    for cp in ["cp1252", "ascii"] {
        shop.set_setting("printer_codepage", cp).unwrap();
        let ev = escpos(&shop, id, 58);
        for l in lines(&ev) {
            assert!(l.chars().count() <= 32, "{cp}: {l:?}");
            assert!(!l.contains('?') || l.contains("??"), "{cp}: {l:?}");
        }
        let all = lines(&ev).join(" ");
        assert!(
            all.contains("Pho H") && all.contains("Noi") && all.contains("No.7"),
            "{cp}: {all}"
        );
    }
    // 300 euro signs (900 bytes) do not fit 58 mm as a readable code: they print as text.
    let long = "€".repeat(300);
    shop.set_setting("printer_codepage", "cp1252").unwrap();
    shop.set_setting("receipt_qr", &long).unwrap();
    let ev = escpos(&shop, id, 58);
    assert!(!ev.iter().any(|e| matches!(e, Ev::QrData(_))));
    assert!(lines(&ev).concat().contains(&long));
    shop.set_setting("receipt_qr", "https://wa.me/6281222334455")
        .unwrap();
    let ev = escpos(&shop, id, 58);
    assert!(ev.iter().any(|e| matches!(e, Ev::QrModule(5))));
}
