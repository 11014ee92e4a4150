//! One-line adapters from the UI to pasar-core: convert arguments, call one core function,
//! convert the error (in `AppState::with_shop`). Writes also emit `books-changed` so every
//! screen (the dashboard especially) refreshes, wherever the change was made.

use crate::state::{AppState, Res, notify};
use pasar_core::backups::{BackupFile, RestoreReport};
use pasar_core::books::{ExpenseRow, ListQuery, Page, PurchaseDetail};
use pasar_core::contacts::{Contact, ContactPatch, DebtEntry};
use pasar_core::dashboard::{Dashboard, DayFigures};
use pasar_core::db::SettingsView;
use pasar_core::import::{ImportOptions, ImportReport};
use pasar_core::money::{canon, format_qty, parse_qty_unit};
use pasar_core::print_queue::{FoundPrinter, PrintJob};
use pasar_core::purchases::PurchaseSummary;
use pasar_core::report::LowStockItem;
use pasar_core::sales::{ReturnLine, SaleSummary};
use pasar_core::shifts::ShiftView;
use pasar_core::staff::{Role, SessionView, StaffMember};
use pasar_core::stock::Movement;
use pasar_core::{
    ChatMessage, ChatReply, ChatStatus, CoreError, CountLine, ErrorBody, Expense, NewExpense,
    NewProduct, NewPurchase, NewSale, OpenMode, Product, ProductPatch, Purchase, Quote, Report,
    Sale, SalePick, Shop, StockCount,
};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

fn changed(app: &AppHandle) {
    let _ = app.emit("books-changed", ());
}

/// A desktop notice for each product a sale pushed to or below its reorder point.
/// A worker thread that died (panicked) instead of answering, as an error for the window.
fn worker_failed(e: tauri::Error) -> ErrorBody {
    pasar_core::CoreError::Io {
        detail: e.to_string(),
    }
    .body(pasar_core::Lang::Id)
}

fn notify_low_stock(s: &AppState, alerts: &[pasar_core::sales::LowStockAlert]) {
    for l in alerts {
        notify(
            s,
            format!("Stok menipis: {}", l.product),
            format!(
                "Sisa {} (batas {})",
                format_qty(l.stock, &l.unit),
                format_qty(l.reorder_point, &l.unit)
            ),
        );
    }
}

#[derive(Serialize)]
pub struct AppStatus {
    db_path: String,
    open: bool,
    error: Option<ErrorBody>,
}

#[tauri::command]
pub fn app_status(s: State<AppState>) -> AppStatus {
    let open = s.lock().is_some();
    let error = (!open && s.db_path.exists())
        .then(|| {
            Shop::open(&s.db_path, OpenMode::Existing)
                .err()
                .map(|e| e.body(Default::default()))
        })
        .flatten();
    AppStatus {
        db_path: s.db_path.display().to_string(),
        open,
        error,
    }
}

/// Called by the UI once its first screen is interactive; logs and returns milliseconds
/// since the process started (the cold-start figure of the desktop bench).
#[tauri::command]
pub fn app_ready(s: State<AppState>) -> u64 {
    let ms = s.started.elapsed().as_millis() as u64;
    s.log(&format!("ready: interactive after {ms} ms"));
    ms
}

/// First start: `demo` builds the demo warung, `empty` an empty shop.
#[tauri::command]
pub fn open_shop(s: State<AppState>, app: AppHandle, choice: String) -> Res<()> {
    let fail = |e: pasar_core::CoreError| e.body(Default::default());
    if choice == "demo" {
        pasar_core::demo::build_file(&s.db_path, 30, 20261121, "owner", false).map_err(fail)?;
    }
    let mut shop = Shop::open(&s.db_path, OpenMode::Create).map_err(fail)?;
    // A file that already held a shop with staff still asks who is at the counter.
    shop.lock_for_sign_in().map_err(fail)?;
    *s.lock() = Some(shop);
    changed(&app);
    Ok(())
}

#[tauri::command]
pub fn dashboard(s: State<AppState>) -> Res<Dashboard> {
    s.with_shop(|shop| shop.dashboard())
}

#[tauri::command]
pub fn search_products(s: State<AppState>, query: String, limit: usize) -> Res<Vec<Product>> {
    s.with_shop(|shop| shop.search_products(&query, limit))
}

/// What Enter in the cashier's search box means: one product, choices, or nothing.
#[tauri::command]
pub fn pick_for_sale(s: State<AppState>, query: String) -> Res<SalePick> {
    s.with_shop(|shop| shop.pick_for_sale(&query))
}

#[tauri::command]
pub fn popular_products(
    s: State<AppState>,
    category: Option<String>,
    limit: usize,
) -> Res<Vec<Product>> {
    s.with_shop(|shop| shop.popular_products(category.as_deref(), limit))
}

#[tauri::command]
pub fn categories(s: State<AppState>) -> Res<Vec<String>> {
    s.with_shop(|shop| shop.categories())
}

/// A cart line's quantity plus `by` (the + and − buttons, a repeated scan), checked as a
/// line quantity.
#[tauri::command]
pub fn step_qty(s: State<AppState>, qty: String, by: i64) -> Res<String> {
    s.with_shop(|_| pasar_core::sales::step_qty(&qty, by).map(canon))
}

#[derive(Serialize)]
pub struct CashChange {
    tendered: String,
    change: String,
}

/// The change for cash typed so far (negative: still missing), shown while typing.
#[tauri::command]
pub fn cash_change(s: State<AppState>, total: String, tendered: String) -> Res<CashChange> {
    s.with_shop(|_| {
        let total = total
            .parse()
            .map_err(|_| CoreError::InvalidNumber { text: total })?;
        pasar_core::sales::cash_change(total, &tendered).map(|(t, c)| CashChange {
            tendered: canon(t),
            change: canon(c),
        })
    })
}

#[tauri::command]
pub fn products(s: State<AppState>, include_inactive: bool) -> Res<Vec<Product>> {
    s.with_shop(|shop| shop.products(include_inactive))
}

#[tauri::command]
pub fn product(s: State<AppState>, id: i64) -> Res<Product> {
    s.with_shop(|shop| shop.product(id))
}

#[tauri::command]
pub fn add_product(s: State<AppState>, app: AppHandle, product: NewProduct) -> Res<Product> {
    let p = s.with_shop(|shop| shop.add_product(product))?;
    changed(&app);
    Ok(p)
}

#[tauri::command]
pub fn update_product(
    s: State<AppState>,
    app: AppHandle,
    id: i64,
    patch: ProductPatch,
) -> Res<Product> {
    let p = s.with_shop(|shop| shop.update_product(id, patch))?;
    changed(&app);
    Ok(p)
}

/// Reads a number the Indonesian way ("12rb", "1,5 jt") into its canonical form.
#[tauri::command]
pub fn parse_number(s: State<AppState>, text: String) -> Res<String> {
    s.with_shop(|_| pasar_core::money::parse_number(&text).map(canon))
}

#[derive(Serialize)]
pub struct QtyUnit {
    qty: String,
    unit: Option<String>,
}

/// Splits "2 dus" / "1,25kg" into quantity and unit.
#[tauri::command]
pub fn parse_qty(s: State<AppState>, text: String) -> Res<QtyUnit> {
    s.with_shop(|_| {
        parse_qty_unit(&text).map(|(q, u)| QtyUnit {
            qty: canon(q),
            unit: u,
        })
    })
}

#[tauri::command]
pub fn quote_sale(s: State<AppState>, sale: NewSale) -> Res<Quote> {
    s.with_shop(|shop| shop.quote_sale(&sale))
}

/// Records the sale (committed before anything is printed), then tells every screen and
/// raises a notification for each product this sale pushed below its reorder point.
#[tauri::command]
pub fn record_sale(s: State<AppState>, app: AppHandle, sale: NewSale) -> Res<Sale> {
    let saved = s.with_shop(|shop| shop.record_sale(&sale))?;
    changed(&app);
    notify_low_stock(&s, &saved.low_stock);
    Ok(saved)
}

#[tauri::command]
pub fn void_sale(s: State<AppState>, app: AppHandle, id: i64, reason: String) -> Res<Sale> {
    let r = s.with_shop(|shop| shop.void_sale(id, &reason))?;
    changed(&app);
    Ok(r)
}

#[tauri::command]
pub fn return_sale(
    s: State<AppState>,
    app: AppHandle,
    id: i64,
    lines: Vec<ReturnLine>,
    reason: String,
) -> Res<Sale> {
    let r = s.with_shop(|shop| shop.return_sale(id, &lines, &reason))?;
    changed(&app);
    Ok(r)
}

#[tauri::command]
pub fn sale(s: State<AppState>, id: i64) -> Res<Sale> {
    s.with_shop(|shop| shop.sale(id))
}

#[tauri::command]
pub fn sales_page(s: State<AppState>, query: ListQuery) -> Res<Page<SaleSummary>> {
    s.with_shop(|shop| shop.sales_page(&query))
}

#[tauri::command]
pub fn purchases_page(s: State<AppState>, query: ListQuery) -> Res<Page<PurchaseSummary>> {
    s.with_shop(|shop| shop.purchases_page(&query))
}

#[tauri::command]
pub fn purchase_detail(s: State<AppState>, id: i64) -> Res<PurchaseDetail> {
    s.with_shop(|shop| shop.purchase_detail(id))
}

#[tauri::command]
pub fn expenses_page(s: State<AppState>, query: ListQuery) -> Res<Page<ExpenseRow>> {
    s.with_shop(|shop| shop.expenses_page(&query))
}

#[tauri::command]
pub fn actors(s: State<AppState>) -> Res<Vec<String>> {
    s.with_shop(|shop| shop.actors())
}

/// Voids a purchase typed by mistake (a reversing row); returns the reversal's id.
#[tauri::command]
pub fn void_purchase(s: State<AppState>, app: AppHandle, id: i64, reason: String) -> Res<i64> {
    let r = s.with_shop(|shop| shop.void_purchase(id, &reason))?;
    changed(&app);
    Ok(r)
}

/// Voids an expense typed by mistake (a reversing row); returns the reversal's id.
#[tauri::command]
pub fn void_expense(s: State<AppState>, app: AppHandle, id: i64, reason: String) -> Res<i64> {
    let r = s.with_shop(|shop| shop.void_expense(id, &reason))?;
    changed(&app);
    Ok(r)
}

#[tauri::command]
pub fn receipt_text(s: State<AppState>, id: i64) -> Res<String> {
    s.with_shop(|shop| shop.receipt_text(id))
}

/// Queues a saved sale's receipt for the printer (the shop's unless given) and wakes the
/// print worker. The sale was committed before; a printer problem never touches it.
#[tauri::command]
pub fn print_receipt(s: State<AppState>, id: i64, printer: Option<String>) -> Res<PrintJob> {
    let job = s.with_shop(|shop| {
        let job = pasar_print::queue_receipt(shop, id, printer.as_deref())?;
        shop.print_job(job)
    })?;
    s.wake_printer();
    Ok(job)
}

#[tauri::command]
pub fn print_test(s: State<AppState>, printer: Option<String>) -> Res<PrintJob> {
    let job = s.with_shop(|shop| {
        let job = pasar_print::queue_test_page(shop, printer.as_deref())?;
        shop.print_job(job)
    })?;
    s.wake_printer();
    Ok(job)
}

#[tauri::command]
pub fn print_job_for_sale(s: State<AppState>, id: i64) -> Res<Option<PrintJob>> {
    s.with_shop(|shop| shop.print_job_for_sale(id))
}

#[tauri::command]
pub fn print_jobs(s: State<AppState>, open_only: bool) -> Res<Vec<PrintJob>> {
    s.with_shop(|shop| shop.print_jobs(open_only, 50))
}

#[tauri::command]
pub fn retry_print_job(s: State<AppState>, id: i64) -> Res<PrintJob> {
    let job = s.with_shop(|shop| {
        shop.retry_print_job(id)?;
        shop.print_job(id)
    })?;
    s.wake_printer();
    Ok(job)
}

#[tauri::command]
pub fn cancel_print_job(s: State<AppState>, id: i64) -> Res<PrintJob> {
    s.with_shop(|shop| {
        shop.cancel_print_job(id)?;
        shop.print_job(id)
    })
}

/// CUPS queues and printer devices; `lpstat` may take a moment, so off the main thread.
#[tauri::command]
pub async fn find_printers() -> Vec<FoundPrinter> {
    tauri::async_runtime::spawn_blocking(pasar_print::discover)
        .await
        .unwrap_or_default()
}

/// Where saved documents go: the user's Downloads folder, else the data folder.
fn documents_dir(app: &AppHandle, s: &AppState) -> std::path::PathBuf {
    app.path()
        .download_dir()
        .ok()
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| {
            s.db_path
                .parent()
                .map(|p| p.join("dokumen"))
                .unwrap_or_default()
        })
}

fn save_doc(
    app: &AppHandle,
    s: &AppState,
    name: &str,
    bytes: Vec<u8>,
) -> pasar_core::Result<String> {
    let dir = documents_dir(app, s);
    std::fs::create_dir_all(&dir).map_err(|_| pasar_core::CoreError::CannotWrite {
        path: dir.display().to_string(),
    })?;
    let path = dir.join(name);
    pasar_print::write_file(&path, &bytes)?;
    Ok(path.display().to_string())
}

/// Saves a sale's receipt as a PDF in the set paper width; returns the file's path.
#[tauri::command]
pub fn save_receipt_pdf(s: State<AppState>, app: AppHandle, id: i64) -> Res<String> {
    s.with_shop(|shop| {
        let pdf = pasar_print::render_receipt(shop, id, pasar_print::Format::Pdf, None, None)?;
        save_doc(&app, &s, &format!("struk-{id:06}.pdf"), pdf)
    })
}

#[tauri::command]
pub fn save_invoice_pdf(s: State<AppState>, app: AppHandle, id: i64) -> Res<String> {
    s.with_shop(|shop| {
        let pdf = pasar_print::invoice_pdf(shop, pasar_print::InvoiceOf::Sale(id), None)?;
        save_doc(&app, &s, &format!("nota-PJ-{id:06}.pdf"), pdf)
    })
}

#[tauri::command]
pub fn save_report_pdf(s: State<AppState>, app: AppHandle, period: String) -> Res<String> {
    s.with_shop(|shop| {
        let pdf = pasar_print::report_pdf(shop, &period, None)?;
        let safe: String = period
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        save_doc(&app, &s, &format!("laporan-{safe}.pdf"), pdf)
    })
}

/// Opens WhatsApp (web or app) with the receipt as the message; needs no account here.
#[tauri::command]
pub fn whatsapp_receipt(s: State<AppState>, id: i64) -> Res<String> {
    let link = s.with_shop(|shop| pasar_print::whatsapp_link(shop, id))?;
    if let Err(e) = crate::printing::open_external(&link) {
        s.log(&format!("cannot open a browser for wa.me: {e}"));
    }
    Ok(link)
}

/// Opens a document this app saved (only files in its documents folder).
#[tauri::command]
pub fn open_saved(s: State<AppState>, app: AppHandle, path: String) -> Res<()> {
    let p = std::path::PathBuf::from(&path);
    let inside = p.parent() == Some(documents_dir(&app, &s).as_path());
    if !inside || !p.is_file() {
        return Err(pasar_core::CoreError::CannotWrite { path }.body(pasar_core::Lang::Id));
    }
    crate::printing::open_external(&path)
        .map_err(|e| pasar_core::CoreError::from(e).body(pasar_core::Lang::Id))
}

/// Sets the receipt logo from a PNG's bytes (None removes it).
#[tauri::command]
pub fn set_logo(s: State<AppState>, app: AppHandle, png: Option<Vec<u8>>) -> Res<()> {
    s.with_shop(|shop| {
        if let Some(b) = &png {
            pasar_print::logo::check(b)?;
        }
        shop.set_logo(png.as_deref())
    })?;
    changed(&app);
    Ok(())
}

#[tauri::command]
pub fn record_purchase(s: State<AppState>, app: AppHandle, purchase: NewPurchase) -> Res<Purchase> {
    let p = s.with_shop(|shop| shop.record_purchase(&purchase))?;
    changed(&app);
    Ok(p)
}

#[tauri::command]
pub fn record_expense(s: State<AppState>, app: AppHandle, expense: NewExpense) -> Res<Expense> {
    let e = s.with_shop(|shop| shop.record_expense(&expense))?;
    changed(&app);
    Ok(e)
}

#[tauri::command]
pub fn expenses(s: State<AppState>, period: String) -> Res<Vec<Expense>> {
    s.with_shop(|shop| {
        let p = shop.period(&period)?;
        shop.expenses(&p.from.to_string(), &p.to.to_string())
    })
}

#[tauri::command]
pub fn movements(s: State<AppState>, product_id: i64, limit: i64) -> Res<Vec<Movement>> {
    s.with_shop(|shop| shop.movements(product_id, limit))
}

#[tauri::command]
pub fn low_stock(s: State<AppState>) -> Res<Vec<LowStockItem>> {
    s.with_shop(|shop| shop.low_stock())
}

/// The opname's review: differences in quantity and rupiah, nothing written.
#[tauri::command]
pub fn preview_stock_count(s: State<AppState>, lines: Vec<CountLine>) -> Res<Vec<StockCount>> {
    s.with_shop(|shop| shop.preview_stock_count(&lines))
}

#[tauri::command]
pub fn post_stock_count(
    s: State<AppState>,
    app: AppHandle,
    lines: Vec<CountLine>,
    note: Option<String>,
) -> Res<Vec<StockCount>> {
    let r = s.with_shop(|shop| shop.post_stock_count(&lines, note.as_deref()))?;
    changed(&app);
    Ok(r)
}

#[tauri::command]
pub fn contacts(s: State<AppState>) -> Res<Vec<Contact>> {
    s.with_shop(|shop| shop.contacts())
}

#[tauri::command]
pub fn add_contact(
    s: State<AppState>,
    app: AppHandle,
    name: String,
    supplier: bool,
    phone: Option<String>,
) -> Res<Contact> {
    let c = s.with_shop(|shop| {
        shop.add_contact(
            &name,
            supplier,
            phone.as_deref().filter(|p| !p.trim().is_empty()),
        )
    })?;
    changed(&app);
    Ok(c)
}

#[tauri::command]
pub fn update_contact(
    s: State<AppState>,
    app: AppHandle,
    id: i64,
    patch: ContactPatch,
) -> Res<Contact> {
    let c = s.with_shop(|shop| shop.update_contact(id, &patch))?;
    changed(&app);
    Ok(c)
}

#[tauri::command]
pub fn merge_contacts(
    s: State<AppState>,
    app: AppHandle,
    keep: i64,
    duplicate: i64,
) -> Res<Contact> {
    let c = s.with_shop(|shop| shop.merge_contacts(keep, duplicate))?;
    changed(&app);
    Ok(c)
}

#[tauri::command]
pub fn search_contacts(s: State<AppState>, query: String, limit: usize) -> Res<Vec<Contact>> {
    s.with_shop(|shop| shop.search_contacts(&query, limit))
}

#[tauri::command]
pub fn similar_contacts(s: State<AppState>, name: String) -> Res<Vec<Contact>> {
    s.with_shop(|shop| shop.similar_contacts(&name))
}

#[tauri::command]
pub fn near_duplicates(s: State<AppState>, id: i64) -> Res<Vec<Contact>> {
    s.with_shop(|shop| shop.near_duplicates(id))
}

#[tauri::command]
pub fn debt_history(s: State<AppState>, contact: String) -> Res<Vec<DebtEntry>> {
    s.with_shop(|shop| shop.debt_history(&contact))
}

#[tauri::command]
pub fn pay_debt(
    s: State<AppState>,
    app: AppHandle,
    contact: String,
    amount: String,
    note: Option<String>,
) -> Res<DebtEntry> {
    let e = s.with_shop(|shop| {
        shop.pay_debt(
            &contact,
            pasar_core::money::parse_number(&amount)?,
            note.as_deref(),
        )
    })?;
    changed(&app);
    Ok(e)
}

#[tauri::command]
pub fn report(s: State<AppState>, period: String) -> Res<Report> {
    s.with_shop(|shop| shop.report(&period))
}

#[tauri::command]
pub fn daily_series(s: State<AppState>, period: String) -> Res<Vec<DayFigures>> {
    s.with_shop(|shop| shop.daily_series(shop.period(&period)?))
}

#[tauri::command]
pub fn settings_view(s: State<AppState>) -> Res<SettingsView> {
    // The window's language and theme are needed on the sign-in screen too.
    s.with_shop_any(|shop| shop.settings_view())
}

/// Who is at the counter (answers while nobody is signed in).
#[tauri::command]
pub fn session(s: State<AppState>) -> Res<SessionView> {
    s.with_shop_any(|shop| shop.session_view())
}

/// The active staff to choose from on the sign-in screen (names and roles only).
#[tauri::command]
pub fn staff_names(s: State<AppState>) -> Res<Vec<StaffMember>> {
    s.with_shop_any(|shop| Ok(shop.staff()?.into_iter().filter(|m| m.active).collect()))
}

#[tauri::command]
pub fn sign_in(s: State<AppState>, app: AppHandle, name: String, pin: String) -> Res<SessionView> {
    let v = s.with_shop_any(|shop| shop.sign_in(&name, &pin))?;
    changed(&app);
    Ok(v)
}

/// "Ganti petugas": locks the shop until the next person signs in.
#[tauri::command]
pub fn lock_session(s: State<AppState>) -> Res<SessionView> {
    s.with_shop_any(|shop| {
        shop.lock_for_sign_in()?;
        shop.session_view()
    })
}

/// An owner's PIN approves one action a cashier asked for; returns the owner's name.
#[tauri::command]
pub fn approve(s: State<AppState>, pin: String, action: String) -> Res<String> {
    s.with_shop(|shop| shop.approve(&pin, &action))
}

#[tauri::command]
pub fn staff_list(s: State<AppState>) -> Res<Vec<StaffMember>> {
    s.with_shop(|shop| shop.staff())
}

#[tauri::command]
pub fn add_staff(s: State<AppState>, name: String, role: Role, pin: String) -> Res<StaffMember> {
    s.with_shop(|shop| shop.add_staff(&name, role, &pin))
}

#[tauri::command]
pub fn set_pin(s: State<AppState>, id: i64, current: Option<String>, pin: String) -> Res<()> {
    s.with_shop(|shop| shop.set_pin(id, current.as_deref(), &pin))
}

#[tauri::command]
pub fn set_staff_active(s: State<AppState>, id: i64, active: bool) -> Res<()> {
    s.with_shop(|shop| shop.set_staff_active(id, active))
}

#[tauri::command]
pub fn current_shift(s: State<AppState>) -> Res<Option<ShiftView>> {
    s.with_shop(|shop| shop.current_shift())
}

/// Opens a shift with the cash typed ("200rb") put in the drawer.
#[tauri::command]
pub fn open_shift(s: State<AppState>, app: AppHandle, float: String) -> Res<ShiftView> {
    let v = s.with_shop(|shop| shop.open_shift(pasar_core::money::parse_number(&float)?))?;
    changed(&app);
    Ok(v)
}

/// Cash put into (`out` false) or taken out of the drawer, with what it was for.
#[tauri::command]
pub fn cash_move(
    s: State<AppState>,
    app: AppHandle,
    amount: String,
    out: bool,
    note: String,
) -> Res<ShiftView> {
    let v = s.with_shop(|shop| {
        let a = pasar_core::money::parse_number(&amount)?;
        shop.cash_move(if out { -a } else { a }, &note)
    })?;
    changed(&app);
    Ok(v)
}

#[tauri::command]
pub fn close_shift(
    s: State<AppState>,
    app: AppHandle,
    counted: String,
    note: Option<String>,
) -> Res<ShiftView> {
    let v = s.with_shop(|shop| {
        shop.close_shift(pasar_core::money::parse_number(&counted)?, note.as_deref())
    })?;
    changed(&app);
    Ok(v)
}

#[tauri::command]
pub fn shifts(s: State<AppState>, period: String) -> Res<Vec<ShiftView>> {
    s.with_shop(|shop| {
        let p = shop.period(&period)?;
        shop.shifts(&p.from.to_string(), &p.to.to_string())
    })
}

#[tauri::command]
pub fn set_setting(s: State<AppState>, app: AppHandle, key: String, value: String) -> Res<()> {
    s.with_shop(|shop| shop.set_setting(&key, &value))?;
    changed(&app);
    Ok(())
}

/// The backups the window offers: the backup folder, and the shop's own folder (and its
/// `backups`), so a shop that no longer opens still finds them.
#[tauri::command]
pub fn backups(s: State<AppState>) -> Res<Vec<BackupFile>> {
    let mut dirs = Vec::new();
    if let Some(shop) = s.lock().as_ref()
        && let Ok(d) = shop.backup_dir()
    {
        dirs.push(d);
    }
    if let Some(p) = s.db_path.parent() {
        dirs.push(p.to_path_buf());
        dirs.push(p.join("backups"));
    }
    pasar_core::backups::list_backups(&dirs, Some(&s.db_path))
        .map_err(|e| e.body(Default::default()))
}

/// Restores a backup as the shop: the shop is closed, the backup checked on a copy and
/// swapped in, the file that was in use kept aside; then the shop opens again (asking who is
/// at the counter when it has staff). An owner's, when a shop is open; from the first screen
/// when the shop no longer opens.
#[tauri::command]
pub fn restore_backup(s: State<AppState>, app: AppHandle, path: String) -> Res<RestoreReport> {
    let mut guard = s.lock();
    let lang = Default::default();
    let (now, offset) = match guard.as_mut() {
        Some(shop) => {
            if shop.is_locked() {
                return Err(CoreError::NeedsSignIn.body(lang));
            }
            shop.require_owner("backup.restore")
                .map_err(|e| e.body(lang))?;
            (shop.now(), shop.settings().tz.offset)
        }
        None => {
            // Only a shop that does not open is restored from the first screen; one that
            // opens asks who is at the counter first.
            if let Ok(mut shop) = Shop::open(&s.db_path, OpenMode::Existing) {
                shop.lock_for_sign_in().map_err(|e| e.body(lang))?;
                *guard = Some(shop);
                return Err(CoreError::NeedsSignIn.body(lang));
            }
            // The shop's own zone is in the file that does not open: the default one names
            // the file kept aside.
            (chrono::Utc::now(), pasar_core::ShopTz::jakarta().offset)
        }
    };
    // Close the shop: its file is about to be renamed.
    drop(guard.take());
    let result =
        pasar_core::backups::restore_backup(&s.db_path, std::path::Path::new(&path), now, offset);
    match Shop::open(&s.db_path, OpenMode::Existing).and_then(|mut shop| {
        shop.lock_for_sign_in()?;
        Ok(shop)
    }) {
        Ok(shop) => *guard = Some(shop),
        Err(e) => s.log(&format!(
            "reopen after restore: {}",
            e.message(pasar_core::Lang::En)
        )),
    }
    drop(guard);
    match &result {
        Ok(r) => s.log(&format!(
            "restored {} (kept aside: {:?})",
            r.restored_from, r.kept_aside
        )),
        Err(e) => s.log(&format!(
            "restore refused: {}",
            e.message(pasar_core::Lang::En)
        )),
    }
    changed(&app);
    result.map_err(|e| e.body(lang))
}

/// Copies the whole shop into the backup folder; returns the new file's path.
#[tauri::command]
pub fn backup_now(s: State<AppState>) -> Res<String> {
    s.with_shop(|shop| {
        let dir = shop.settings_view()?.backup_dir;
        shop.backup_to(std::path::Path::new(&dir))
            .map(|p| p.display().to_string())
    })
}

/// The system's "open file" dialog for a stock list (tauri-plugin-dialog), off the main thread.
/// `PASAR_E2E_PICK_FILE` answers in its place in the end-to-end test: WebDriver cannot drive a
/// GTK dialog.
#[tauri::command]
pub async fn pick_import_file(app: AppHandle) -> Option<String> {
    if let Ok(p) = std::env::var("PASAR_E2E_PICK_FILE") {
        return Some(p);
    }
    use tauri_plugin_dialog::DialogExt;
    tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .add_filter(
                "Excel / LibreOffice / CSV",
                &["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"],
            )
            .blocking_pick_file()
            .and_then(|f| f.into_path().ok())
            .map(|p| p.display().to_string())
    })
    .await
    .ok()
    .flatten()
}

/// Reads a stock list and checks it (`mode: dry_run`: the preview) or imports it, in one
/// transaction, off the main thread; `import-progress` events carry `[done, total]`.
#[tauri::command]
pub async fn import_file(
    app: AppHandle,
    path: String,
    options: ImportOptions,
) -> Res<ImportReport> {
    let worker = app.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        let s = worker.state::<AppState>();
        s.with_shop(|shop| {
            let path = std::path::Path::new(&path);
            let bytes = pasar_core::import::read_file(path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let lang = shop.document_lang()?;
            let mut report =
                shop.import_products_with_progress(&bytes, &name, &options, &mut |done, total| {
                    let _ = worker.emit("import-progress", (done, total));
                })?;
            report.localize(lang);
            Ok(report)
        })
    })
    .await
    .map_err(worker_failed)??;
    if report.committed {
        changed(&app);
    }
    Ok(report)
}

/// One chat message to the shop's agents, off the main thread. A reply that wrote to the
/// books tells every screen, and low stock after a chat sale raises the same notice as one
/// from the Kasir. When the owner configured an online assistant and the offline rules
/// cannot read a fresh message, the assistant is asked first — without holding the shop, so
/// the Kasir never waits on the network — and its proposal goes through `chat_with`'s
/// confirmation rules.
#[tauri::command]
pub async fn chat_send(app: AppHandle, conversation: String, text: String) -> Res<ChatReply> {
    let worker = app.clone();
    let r = tauri::async_runtime::spawn_blocking(move || {
        let s = worker.state::<AppState>();
        let ask = s.with_shop(|shop| {
            let cfg = pasar_assist::Config::from_settings(|k| shop.setting(k).ok().flatten());
            Ok(match cfg {
                Some(cfg) if shop.wants_assistant(&conversation, &text)? => {
                    Some((cfg, shop.today()))
                }
                _ => None,
            })
        })?;
        let proposal = ask.and_then(|(cfg, today)| {
            pasar_assist::propose(&cfg, &text, today)
                .map_err(|e| s.log(&format!("chat without the online assistant: {e}")))
                .ok()
        });
        let r = s.with_shop(|shop| shop.chat_with(&conversation, &text, proposal.as_deref()))?;
        if let Some(e) = &r.assistant_error {
            s.log(&format!("assistant proposal ignored: {e}"));
        }
        notify_low_stock(&s, &r.low_stock);
        Ok::<_, ErrorBody>(r)
    })
    .await
    .map_err(worker_failed)??;
    if matches!(r.status, ChatStatus::Applied | ChatStatus::Undone) {
        changed(&app);
    }
    Ok(r)
}

#[tauri::command]
pub fn chat_history(s: State<AppState>, conversation: String) -> Res<Vec<ChatMessage>> {
    s.with_shop(|shop| shop.chat_history(&conversation, 200))
}

/// Opens WhatsApp (wa.me) with a drafted message, e.g. a kasbon reminder from the chat.
#[tauri::command]
pub fn whatsapp_text(s: State<AppState>, phone: Option<String>, text: String) -> Res<String> {
    let link = pasar_print::whatsapp_text_link(phone.as_deref(), &text);
    if let Err(e) = crate::printing::open_external(&link) {
        s.log(&format!("cannot open a browser for wa.me: {e}"));
    }
    Ok(link)
}
