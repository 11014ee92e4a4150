//! pasar-print: the shop's documents on paper. Receipts (text, PDF, ESC/POS) are rendered
//! from the one layout in `pasar_core::receipt`; the A4 nota and the period report are PDF.
//! Jobs go through the durable queue in the shop's database (`pasar_core::print_queue`) and
//! reach printers through `transport`. This crate knows no SQL and never writes the books:
//! a document is built only from a committed entry.
//!
//! Never imports: tauri, an HTTP server, or rusqlite.

pub mod a4;
pub mod escpos;
pub mod logo;
pub mod pdf;
pub mod text;
pub mod transport;

use std::path::Path;

use pasar_core::document::Receipt;
use pasar_core::error::{CoreError, Field, Problem, Result};
use pasar_core::print_queue::{JobStatus, PrinterTarget};
use pasar_core::receipt::{blocks, columns_for, render_text};
use pasar_core::{Lang, Payment, Shop};

pub use escpos::Cut;
pub use text::Codepage;
pub use transport::{Timeouts, discover, send};

/// What a receipt is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Pdf,
    EscPos,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "pdf" => Ok(Format::Pdf),
            "escpos" | "esc/pos" | "esc-pos" | "raw" => Ok(Format::EscPos),
            other => Err(CoreError::invalid(
                Field::Format,
                Problem::UnknownChoice {
                    value: other.to_string(),
                    choices: "text, pdf, escpos".into(),
                },
            )),
        }
    }
}

/// How this shop prints, from its settings.
#[derive(Debug, Clone)]
pub struct PrintSetup {
    pub paper_mm: u32,
    pub codepage: Codepage,
    pub cut: Cut,
    pub drawer: bool,
    pub auto_print: bool,
    /// Network printers must confirm the job through the paper-status query.
    pub status_check: bool,
    pub printer: Option<PrinterTarget>,
}

impl PrintSetup {
    pub fn of(shop: &Shop) -> Result<PrintSetup> {
        let get = |k: &str| -> Result<String> { Ok(shop.setting(k)?.unwrap_or_default()) };
        let printer = get("printer")?;
        Ok(PrintSetup {
            paper_mm: shop.receipt_paper()?,
            codepage: Codepage::parse(&get("printer_codepage")?),
            cut: Cut::parse(&get("receipt_cut")?),
            drawer: get("receipt_drawer")? == "true",
            auto_print: get("receipt_auto_print")? != "false",
            status_check: get("printer_status")? != "false",
            printer: if printer.trim().is_empty() {
                None
            } else {
                Some(PrinterTarget::parse(&printer)?)
            },
        })
    }
}

impl PrintSetup {
    /// How long to wait for printers, and whether they must confirm.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            confirm: self.status_check,
            ..Timeouts::default()
        }
    }
}

/// Checks a paper width given on a command line or by the window.
pub fn check_paper(mm: u32) -> Result<u32> {
    if mm == 58 || mm == 80 {
        Ok(mm)
    } else {
        Err(CoreError::invalid(
            Field::PaperWidth,
            Problem::UnknownChoice {
                value: mm.to_string(),
                choices: "58, 80".into(),
            },
        ))
    }
}

fn decoded_logo(r: &Receipt) -> Option<logo::Logo> {
    r.shop.logo.as_deref().and_then(logo::decode)
}

/// A receipt's ESC/POS bytes.
pub fn receipt_escpos(r: &Receipt, setup: &PrintSetup, paper_mm: u32) -> Vec<u8> {
    let logo = decoded_logo(r);
    let b = blocks(r);
    escpos::render(
        &b,
        &escpos::EscPosOptions {
            columns: columns_for(paper_mm),
            codepage: setup.codepage,
            cut: setup.cut,
            // The drawer opens for money in or out of it.
            drawer: setup.drawer && r.payment == Payment::Cash,
            logo: logo.as_ref(),
        },
    )
}

/// A receipt's PDF, `paper_mm` wide.
pub fn receipt_pdf(r: &Receipt, paper_mm: u32) -> Vec<u8> {
    let logo = decoded_logo(r);
    pdf::receipt(r, &blocks(r), paper_mm, logo.as_ref())
}

/// A receipt's text, as many columns as the paper takes.
pub fn receipt_text(r: &Receipt, paper_mm: u32) -> String {
    render_text(&blocks(r), columns_for(paper_mm))
}

/// The language of documents: the one asked for, else the shop's.
fn doc_lang(shop: &Shop, lang: Option<Lang>) -> Result<Lang> {
    match lang {
        Some(l) => Ok(l),
        None => shop.document_lang(),
    }
}

/// A saved sale's receipt in `format` (paper: the shop's setting unless given; language: the
/// shop's unless given).
pub fn render_receipt(
    shop: &Shop,
    sale_id: i64,
    format: Format,
    paper: Option<u32>,
    lang: Option<Lang>,
) -> Result<Vec<u8>> {
    let setup = PrintSetup::of(shop)?;
    let paper = match paper {
        Some(p) => check_paper(p)?,
        None => setup.paper_mm,
    };
    let r = shop.receipt_in(sale_id, doc_lang(shop, lang)?)?;
    Ok(match format {
        Format::Text => {
            let mut t = receipt_text(&r, paper);
            t.push('\n');
            t.into_bytes()
        }
        Format::Pdf => receipt_pdf(&r, paper),
        Format::EscPos => receipt_escpos(&r, &setup, paper),
    })
}

/// Which document an A4 nota is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceOf {
    Sale(i64),
    Purchase(i64),
}

pub fn invoice_pdf(shop: &Shop, of: InvoiceOf, lang: Option<Lang>) -> Result<Vec<u8>> {
    let lang = doc_lang(shop, lang)?;
    let inv = match of {
        InvoiceOf::Sale(id) => shop.sale_invoice(id, lang)?,
        InvoiceOf::Purchase(id) => shop.purchase_invoice(id, lang)?,
    };
    Ok(a4::invoice(&inv))
}

pub fn report_pdf(shop: &Shop, period: &str, lang: Option<Lang>) -> Result<Vec<u8>> {
    let doc = shop.report_document(period, doc_lang(shop, lang)?)?;
    Ok(a4::report(&doc))
}

/// The printer to use: the one given, else the shop's.
pub fn choose_printer(setup: &PrintSetup, given: Option<&str>) -> Result<PrinterTarget> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(spec) => {
            let t = PrinterTarget::parse(spec)?;
            t.check_not_a_file()?;
            Ok(t)
        }
        None => setup.printer.clone().ok_or(CoreError::PrinterNotSet),
    }
}

/// Queues a committed sale's receipt for a printer (the shop's unless given). The sale is
/// already saved; this only adds a job.
pub fn queue_receipt(shop: &mut Shop, sale_id: i64, printer: Option<&str>) -> Result<i64> {
    let setup = PrintSetup::of(shop)?;
    let target = choose_printer(&setup, printer)?;
    let r = shop.receipt(sale_id)?;
    let bytes = receipt_escpos(&r, &setup, setup.paper_mm);
    shop.enqueue_print("receipt", Some(sale_id), &target, &bytes)
}

/// A test page: the shop's header, the character set in use, the QR code set for receipts
/// (if any), and a cut — laid out for the paper like a receipt.
pub fn test_page(shop: &Shop) -> Result<Vec<u8>> {
    let setup = PrintSetup::of(shop)?;
    let lang = shop.document_lang()?;
    let w = pasar_core::document::Words::of(lang);
    let head = shop.shop_header()?;
    let cols = columns_for(setup.paper_mm);
    let cp = setup.codepage;
    let mut out = escpos::Writer::default();
    out.init(cp);
    out.align(pasar_core::receipt::Align::Center);
    out.bold(true);
    out.size(true, true);
    out.line(w.test_title);
    out.size(false, false);
    for l in pasar_core::receipt::wrap(&text::printable(&head.name, cp), cols, 0) {
        out.line(&l);
    }
    out.bold(false);
    out.align(pasar_core::receipt::Align::Left);
    out.line(&"-".repeat(cols));
    for l in pasar_core::receipt::wrap(w.test_body, cols, 0) {
        out.line(&l);
    }
    out.line(&format!("{} mm / {cols}", setup.paper_mm));
    out.line("Rp 12.500  1,25 kg  @12rb");
    out.line("ABCDEFGHIJKLM 0123456789");
    out.line(&text::printable("Café Müller — José Ñ", cp));
    out.line(&"=".repeat(cols));
    if let Some(q) = shop.setting("receipt_qr")?.filter(|q| !q.trim().is_empty())
        && let Some(module) = escpos::qr_module(&q, if cols >= 48 { 576 } else { 384 }, cols)
    {
        out.align(pasar_core::receipt::Align::Center);
        out.qr(&q, module);
        out.buf.push(escpos::LF);
        out.align(pasar_core::receipt::Align::Left);
    }
    out.feed(4);
    out.cut(setup.cut);
    Ok(out.buf)
}

pub fn queue_test_page(shop: &mut Shop, printer: Option<&str>) -> Result<i64> {
    let setup = PrintSetup::of(shop)?;
    let target = choose_printer(&setup, printer)?;
    let bytes = test_page(shop)?;
    shop.enqueue_print("test", None, &target, &bytes)
}

/// Sends jobs now, one after the other (the CLI's worker; the window runs its own loop with
/// the same three steps): only job `only` when given, else every job due when it starts —
/// each at most once, and none more to a printer that has just failed.
pub fn print_due(
    shop: &mut Shop,
    t: &Timeouts,
    only: Option<i64>,
) -> Result<Vec<(i64, JobStatus, Option<CoreError>)>> {
    let ids = match only {
        Some(id) => vec![id],
        None => shop.due_print_jobs()?,
    };
    let mut done = Vec::new();
    let mut dead: Vec<String> = Vec::new();
    for id in ids {
        let printer = shop.print_job(id)?.printer;
        if dead.contains(&printer) {
            continue;
        }
        let Some(job) = shop.claim_print_job_id(id)? else {
            continue;
        };
        let outcome = PrinterTarget::parse(&job.printer).and_then(|p| send(&p, &job.payload, t));
        let status = shop.finish_print_job(job.id, outcome.as_ref().map(|_| ()))?;
        if outcome.is_err() {
            dead.push(printer);
        }
        done.push((job.id, status, outcome.err()));
    }
    Ok(done)
}

/// A `wa.me` link that opens WhatsApp with the receipt as the message, to the customer's
/// number when the sale has one (else WhatsApp asks whom to send it to).
pub fn whatsapp_link(shop: &Shop, sale_id: i64) -> Result<String> {
    let r = shop.receipt(sale_id)?;
    let text = format!("```\n{}\n```", receipt_text(&r, 58));
    let to = r.customer_phone.as_deref().unwrap_or("");
    Ok(format!("https://wa.me/{to}?text={}", percent_encode(&text)))
}

/// A wa.me link that opens WhatsApp with `text` written for `phone` (digits, 62...), or for
/// a contact chosen in WhatsApp when there is no phone.
pub fn whatsapp_text_link(phone: Option<&str>, text: &str) -> String {
    let to: String = phone
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("https://wa.me/{to}?text={}", percent_encode(text))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes `bytes` to `path` whole or not at all (a temporary file beside it, then renamed).
/// Only a new file or an existing regular, writable file that is not a database is replaced:
/// a device, a pipe, a folder, a read-only file or any SQLite file (the shop itself) is refused.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let shown = path.display().to_string();
    let cannot = || CoreError::CannotWrite {
        path: shown.clone(),
    };
    if path.file_name().is_none() {
        return Err(cannot());
    }
    // Follow a symlink to what it names; that is what gets replaced.
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|_| cannot())?,
        _ => path.to_path_buf(),
    };
    match std::fs::metadata(&target) {
        Ok(m) => {
            if !m.is_file() || m.permissions().readonly() {
                return Err(cannot());
            }
            let mut head = [0u8; 16];
            let n = std::fs::File::open(&target)
                .and_then(|mut f| {
                    use std::io::Read;
                    f.read(&mut head)
                })
                .map_err(|_| cannot())?;
            // A database or its write-ahead log (the shop itself, or another one).
            let wal = n >= 4
                && matches!(
                    head[..4],
                    [0x37, 0x7f, 0x06, 0x82] | [0x37, 0x7f, 0x06, 0x83]
                );
            if (n == 16 && &head == b"SQLite format 3\0") || wal {
                return Err(CoreError::CannotReplaceDatabase { path: shown });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) => return Err(cannot()),
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(cannot());
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        target
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(match e.kind() {
            std::io::ErrorKind::StorageFull => CoreError::DiskFull,
            _ => cannot(),
        });
    }
    Ok(())
}

/// Reads a file the user named (a logo): a regular file of at most `max` bytes.
pub fn read_small_file(path: &Path, max: usize) -> Result<Vec<u8>> {
    pasar_core::files::read_user_file(path, max as u64, |_| {
        CoreError::invalid(Field::Logo, Problem::NotAnImage)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_percent_encoded() {
        assert_eq!(percent_encode("a b\nRp 12.500"), "a%20b%0ARp%2012.500");
    }
}
