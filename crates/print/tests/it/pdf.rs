//! PDFs read back with poppler: page sizes, text, and pixels at the paper's edges.

use std::path::Path;

use pasar_core::Payment;
use pasar_print::{Format, InvoiceOf, invoice_pdf, render_receipt, report_pdf};

use crate::common::{d, full_sale, line, sale, shop, tool};

/// A small PNG: a checkerboard over the left 80 %, white to the right.
pub fn checker_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let data: Vec<u8> = (0..h)
            .flat_map(|y| {
                (0..w).map(move |x| {
                    if x < w * 4 / 5 && (x / 8 + y / 8) % 2 == 0 {
                        0
                    } else {
                        255
                    }
                })
            })
            .collect();
        wr.write_image_data(&data).unwrap();
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// (width, height) in points, from pdfinfo.
fn page_size(pdf: &Path) -> (f64, f64) {
    let out = tool("pdfinfo").arg(pdf).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    let line = s
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_else(|| panic!("no page size: {s}"));
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[0], nums[1])
}

fn pages(pdf: &Path) -> usize {
    let out = tool("pdfinfo").arg(pdf).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    s.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

pub fn text_of(pdf: &Path) -> String {
    let out = tool("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn contains_words(hay: &str, needle: &str) -> bool {
    let h = words(hay);
    let n = words(needle);
    h.windows(n.len()).any(|w| w == n.as_slice())
}

/// The first page as a grey bitmap at `dpi`: (width, height, pixels).
fn raster(pdf: &Path, dpi: u32) -> (usize, usize, Vec<u8>) {
    let dir = pdf.parent().unwrap();
    let stem = dir.join("page");
    let st = tool("pdftoppm")
        .args([
            "-gray",
            "-r",
            &dpi.to_string(),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&stem)
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(stem.with_extension("pgm")).unwrap();
    // P5 header: "P5\n<w> <h>\n255\n".
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
    }
    i += 1;
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, bytes[i..i + w * h].to_vec())
}

/// Dark pixels within `mm` of the left or right edge.
fn ink_at_edges(pdf: &Path, mm: f64) -> usize {
    let dpi = 200;
    let (w, h, px) = raster(pdf, dpi);
    let edge = (mm / 25.4 * dpi as f64) as usize;
    let mut dark = 0;
    for y in 0..h {
        for x in (0..edge).chain(w - edge..w) {
            if px[y * w + x] < 160 {
                dark += 1;
            }
        }
    }
    dark
}

#[test]
fn receipt_pages_are_the_paper_wide_and_as_tall_as_their_content() {
    let (mut shop, _) = shop();
    let dir = tempfile::tempdir().unwrap();
    let id = full_sale(&mut shop);
    let small = shop
        .record_sale(&sale(
            vec![line("IDM", "1", None)],
            Payment::Cash,
            Some("5000"),
        ))
        .unwrap()
        .sale_id;
    let many: Vec<_> = (0..30)
        .map(|i| {
            let mut l = line(if i % 2 == 0 { "BRS" } else { "IDM" }, "1", None);
            l.price = Some(d(&format!("{}", 1000 + i)));
            l
        })
        .collect();
    let big = shop
        .record_sale(&sale(many, Payment::Qris, None))
        .unwrap()
        .sale_id;
    for (paper, want_w) in [(58u32, 58.0 * 72.0 / 25.4), (80, 80.0 * 72.0 / 25.4)] {
        let mut heights = Vec::new();
        for sid in [small, id, big] {
            let pdf = write(
                dir.path(),
                &format!("r{paper}-{sid}.pdf"),
                &render_receipt(&shop, sid, Format::Pdf, Some(paper), None).unwrap(),
            );
            let (w, h) = page_size(&pdf);
            assert!(
                (w - want_w).abs() < 0.01,
                "{paper} mm is {want_w} pt, got {w}"
            );
            assert_eq!(pages(&pdf), 1, "a receipt is one strip");
            heights.push(h);
        }
        assert!(
            heights[0] < heights[1] && heights[1] < heights[2],
            "height grows with lines: {heights:?}"
        );
        // 27 more lines add roughly their own height, not a page's.
        let per_line = (heights[2] - heights[0]) / 29.0;
        assert!(per_line > 10.0 && per_line < 40.0, "{per_line} pt per line");
    }
}

#[test]
fn every_item_and_the_total_are_in_the_pdf_and_nothing_runs_off_the_paper() {
    let (mut shop, _) = shop();
    let dir = tempfile::tempdir().unwrap();
    // 40-character names and a shop name longer than the paper.
    shop.set_setting(
        "shop_name",
        "Toko Kelontong dan Grosir Sembako Makmur Jaya Abadi Sentosa",
    )
    .unwrap();
    let id = full_sale(&mut shop);
    let s = shop.sale(id).unwrap();
    for paper in [58, 80] {
        let pdf = write(
            dir.path(),
            &format!("r{paper}.pdf"),
            &render_receipt(&shop, id, Format::Pdf, Some(paper), None).unwrap(),
        );
        let text = text_of(&pdf);
        for l in &s.lines {
            assert!(
                contains_words(&text, &l.product),
                "{} missing:\n{text}",
                l.product
            );
        }
        let total = format!("Rp {}", pasar_core::money::format_id(s.total));
        assert!(text.contains(&total), "{total} missing:\n{text}");
        assert!(
            text.contains("Café Susu Jahe Müller"),
            "accents render and extract:\n{text}"
        );
        assert!(text.contains("Rp 300.000"), "tendered:\n{text}");
        // The margins stay clear: nothing is drawn within 2 mm of either edge.
        assert_eq!(
            ink_at_edges(&pdf, 2.0),
            0,
            "ink at the edge of the {paper} mm receipt"
        );
    }
}

#[test]
fn the_logo_and_qr_code_are_drawn() {
    let (mut shop, _) = shop();
    let dir = tempfile::tempdir().unwrap();
    let id = full_sale(&mut shop);
    let plain = write(
        dir.path(),
        "plain.pdf",
        &render_receipt(&shop, id, Format::Pdf, Some(58), None).unwrap(),
    );
    shop.set_logo(Some(&checker_png(200, 80))).unwrap();
    shop.set_setting("receipt_qr", "https://wa.me/6281222334455")
        .unwrap();
    let rich = write(
        dir.path(),
        "rich.pdf",
        &render_receipt(&shop, id, Format::Pdf, Some(58), None).unwrap(),
    );
    let (_, h1) = page_size(&plain);
    let (_, h2) = page_size(&rich);
    assert!(h2 > h1 + 60.0, "logo and QR add height: {h1} -> {h2}");
    let (w, h, px) = raster(&rich, 100);
    let dark = |rows: std::ops::Range<usize>| {
        rows.flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|(x, y)| px[y * w + x] < 128)
            .count()
    };
    assert!(dark(0..h / 8) > 200, "the logo's checkerboard at the top");
    assert!(dark(h * 3 / 4..h) > 500, "the QR code at the bottom");
}

#[test]
fn a4_nota_of_a_sale_and_of_a_purchase() {
    let (mut shop, _) = shop();
    let dir = tempfile::tempdir().unwrap();
    shop.set_setting(
        "invoice_terms",
        "Barang yang sudah dibeli tidak dapat ditukar.",
    )
    .unwrap();
    shop.add_contact("Pak Budi Santoso", false, Some("0812-9999-1111"))
        .unwrap();
    let mut s = sale(
        vec![line("BRS", "1", Some("karung")), line("MYK", "3", None)],
        Payment::Kasbon,
        None,
    );
    s.customer = Some("Pak Budi Santoso".into());
    let id = shop.record_sale(&s).unwrap().sale_id;
    let pdf = write(
        dir.path(),
        "nota.pdf",
        &invoice_pdf(&shop, InvoiceOf::Sale(id), None).unwrap(),
    );
    let (w, h) = page_size(&pdf);
    assert!(
        (w - 595.276).abs() < 0.01 && (h - 841.89).abs() < 0.01,
        "A4: {w} x {h}"
    );
    let text = text_of(&pdf);
    for want in [
        "NOTA PENJUALAN",
        &format!("PJ-{id:06}"),
        "Pak Budi Santoso",
        "08129999111",
        "Beras Pulen",
        "1 karung",
        "Rp 458.000",
        "Sisa tagihan",
        "Penerima",
        "Hormat kami",
        "tidak dapat ditukar",
        "Halaman 1/1",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    assert!(
        text.contains("Minyak Goreng Bimoli Spesial Pouch"),
        "{text}"
    );
    assert_eq!(ink_at_edges(&pdf, 10.0), 0, "A4 margins clear");

    let p = shop
        .record_purchase(&pasar_core::NewPurchase {
            lines: vec![pasar_core::PurchaseLineInput {
                product: pasar_core::ProductRef::Query("IDM".into()),
                qty: d("2"),
                unit: Some("dus".into()),
                unit_cost: Some(d("110000")),
                total: None,
            }],
            supplier: Some("CV Sumber Rejeki".into()),
            payment: Payment::Kasbon,
            note: Some("faktur 77".into()),
        })
        .unwrap();
    let pdf = write(
        dir.path(),
        "beli.pdf",
        &invoice_pdf(&shop, InvoiceOf::Purchase(p.purchase_id), None).unwrap(),
    );
    let text = text_of(&pdf);
    for want in [
        "NOTA PEMBELIAN",
        "Pemasok",
        "CV Sumber Rejeki",
        "2 dus",
        "Rp 220.000",
        "faktur 77",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    // A long sale continues on a second page with the table header repeated.
    let many: Vec<_> = (0..70)
        .map(|i| {
            let mut l = line("IDM", "1", None);
            l.price = Some(d(&format!("{}", 3000 + i)));
            l
        })
        .collect();
    let id = shop
        .record_sale(&sale(many, Payment::Cash, None))
        .unwrap()
        .sale_id;
    let pdf = write(
        dir.path(),
        "long.pdf",
        &invoice_pdf(&shop, InvoiceOf::Sale(id), None).unwrap(),
    );
    assert!(pages(&pdf) >= 2);
    let text = text_of(&pdf);
    assert!(text.contains("Halaman 2/"), "{text}");
    assert_eq!(
        text.matches("Jumlah").count(),
        pages(&pdf),
        "header on every page"
    );
    assert_eq!(
        invoice_pdf(&shop, InvoiceOf::Purchase(999), None)
            .unwrap_err()
            .code(),
        "purchase_not_found"
    );
    assert_eq!(
        invoice_pdf(&shop, InvoiceOf::Sale(999), None)
            .unwrap_err()
            .code(),
        "sale_not_found"
    );
}

#[test]
fn a4_report_has_the_figures_and_a_drawn_chart() {
    let (mut shop, clock) = shop();
    let dir = tempfile::tempdir().unwrap();
    for day in 0..5 {
        for _ in 0..=day {
            full_sale(&mut shop);
        }
        clock.advance(chrono::Duration::days(1));
    }
    shop.record_expense(&pasar_core::NewExpense {
        amount: d("150000"),
        category: None,
        note: Some("bayar listrik".into()),
        payment: None,
        date: None,
    })
    .unwrap();
    let r = shop.report("last_7_days").unwrap();
    let pdf = write(
        dir.path(),
        "lap.pdf",
        &report_pdf(&shop, "last_7_days", None).unwrap(),
    );
    let text = text_of(&pdf);
    for want in [
        "LAPORAN USAHA".to_string(),
        format!("Rp {}", pasar_core::money::format_id(r.revenue)),
        format!("Rp {}", pasar_core::money::format_id(r.net_profit)),
        "Penjualan harian".into(),
        "Pengeluaran per kategori".into(),
        "Listrik, air, pulsa".into(),
        "Produk terlaris".into(),
        "Indomie Goreng".into(),
    ] {
        assert!(text.contains(&want), "{want:?} missing:\n{text}");
    }
    // The chart is vectors: bars are dark areas, not text.
    let (w, h, px) = raster(&pdf, 60);
    let band = (h * 30 / 100)..(h * 60 / 100);
    let grey = band
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|(x, y)| px[y * w + x] < 200)
        .count();
    assert!(grey > 500, "bars drawn: {grey}");
    assert_eq!(
        report_pdf(&shop, "kapan-kapan", None).unwrap_err().code(),
        "unknown_choice"
    );
}

#[test]
fn reversal_notas_long_names_and_very_long_receipts() {
    let (mut shop, _) = shop();
    let dir = tempfile::tempdir().unwrap();
    let long_shop =
        "Toko Sembako dan Kelontong Serba Ada Makmur Jaya Abadi Sentosa Sejahtera Bersama Keluarga";
    shop.set_setting("shop_name", long_shop).unwrap();
    shop.set_actor("Kasir Pagi Bernama Sangat Panjang Sekali Dari Desa Sebelah Kulon Progo")
        .unwrap();
    let customer =
        "Ibu Hj. Siti Nurhaliza binti Abdullah (Warung Nasi Padang Sederhana Cabang Pasar Baru)";
    let mut s = sale(
        vec![line("BRS", "2", None), line("IDM", "3", None)],
        Payment::Kasbon,
        None,
    );
    s.customer = Some(customer.into());
    let id = shop.record_sale(&s).unwrap().sale_id;
    let nota = write(
        dir.path(),
        "nota.pdf",
        &invoice_pdf(&shop, InvoiceOf::Sale(id), None).unwrap(),
    );
    assert_eq!(
        ink_at_edges(&nota, 10.0),
        0,
        "long names stay inside the margins"
    );
    let text = text_of(&nota);
    assert!(
        contains_words(&text, customer) || text.contains("Nurhaliza"),
        "{text}"
    );
    // A void of a kasbon sale: a void note that owes nothing.
    let void = shop.void_sale(id, "salah catat").unwrap().sale_id;
    let vn = write(
        dir.path(),
        "void.pdf",
        &invoice_pdf(&shop, InvoiceOf::Sale(void), None).unwrap(),
    );
    let text = text_of(&vn);
    for want in [
        "NOTA PEMBATALAN",
        &format!("PEMBATALAN untuk #{id}"),
        "salah catat",
        "TOTAL KEMBALI",
        "Mengurangi kasbon",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    assert!(
        !text.contains("Sisa tagihan") && !text.contains("Dibayar"),
        "{text}"
    );
    assert_eq!(ink_at_edges(&vn, 10.0), 0);
    // The original's reprint says it was voided, on the receipt and on the nota.
    let receipt =
        String::from_utf8(render_receipt(&shop, id, Format::Text, Some(58), None).unwrap())
            .unwrap();
    assert!(
        receipt.contains(&format!("DIBATALKAN dengan #{void}")),
        "{receipt}"
    );
    let text = text_of(&write(
        dir.path(),
        "orig.pdf",
        &invoice_pdf(&shop, InvoiceOf::Sale(id), None).unwrap(),
    ));
    assert!(text.contains("DIBATALKAN"), "{text}");
    assert!(
        !text.contains("Sisa tagihan"),
        "a voided kasbon sale owes nothing now:\n{text}"
    );
    // A cash return: refunded in cash.
    let cash = shop
        .record_sale(&sale(
            vec![line("IDM", "5", None)],
            Payment::Cash,
            Some("20000"),
        ))
        .unwrap()
        .sale_id;
    let ret = shop
        .return_sale(
            cash,
            &[pasar_core::ReturnLine {
                product: "IDM".into(),
                qty: d("2"),
                unit: None,
                price: None,
            }],
            "rusak",
        )
        .unwrap()
        .sale_id;
    let text = text_of(&write(
        dir.path(),
        "ret.pdf",
        &invoice_pdf(&shop, InvoiceOf::Sale(ret), None).unwrap(),
    ));
    assert!(
        text.contains("NOTA RETUR")
            && text.contains("Dikembalikan (Tunai)")
            && text.contains("Rp 7.000"),
        "{text}"
    );
    // English on request.
    let en = String::from_utf8(
        render_receipt(
            &shop,
            ret,
            Format::Text,
            Some(58),
            Some(pasar_core::Lang::En),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(
        en.contains("RETURN of") && en.contains("1 item") && !en.contains("1 items"),
        "{en}"
    );
    // A receipt longer than a PDF page may be continues on more strips of the same width.
    let many: Vec<_> = (0..1100)
        .map(|i| {
            let mut l = line("IDM", "1", None);
            l.price = Some(d(&format!("{}", 1000 + i)));
            l
        })
        .collect();
    let big = shop
        .record_sale(&sale(many, Payment::Qris, None))
        .unwrap()
        .sale_id;
    let pdf = write(
        dir.path(),
        "big.pdf",
        &render_receipt(&shop, big, Format::Pdf, Some(58), None).unwrap(),
    );
    assert!(pages(&pdf) >= 2, "split into strips");
    let out = tool("pdfinfo")
        .args(["-f", "1", "-l", "99"])
        .arg(&pdf)
        .output()
        .unwrap();
    for l in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
    {
        let nums: Vec<f64> = l
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(
            (nums[nums.len() - 2] - 164.409).abs() < 0.01 && nums[nums.len() - 1] <= 14400.0,
            "{l}"
        );
    }
    let text = text_of(&pdf);
    let total = format!(
        "Rp {}",
        pasar_core::money::format_id(shop.sale(big).unwrap().total)
    );
    assert!(text.contains(&total), "the total on the last strip");
}
