//! The desktop shell: a Tauri 2 window over pasar-core. This crate only wires things together —
//! it parses `--db`, holds the open shop, turns UI calls into one core call each
//! (`commands.rs`), emits `books-changed` after writes, and shows low-stock notifications.
//! No shop rule and no SQL lives here.

mod commands;
mod printing;
mod state;

use state::AppState;
use std::path::PathBuf;
use tauri::Manager;

/// `--db PATH` (like the CLI), else `PASAR_DB`, else the per-user data folder.
fn db_path_from_args() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--db" {
            if let Some(p) = args.next() {
                return PathBuf::from(p);
            }
        } else if let Some(p) = a.strip_prefix("--db=") {
            return PathBuf::from(p);
        }
    }
    pasar_core::default_db_path()
}

/// Today's automatic backup, checked a minute after start and then every hour (one per
/// day, the newest 14 kept); a failure is logged and tried again the next hour.
fn start_daily_backups(app: tauri::AppHandle) {
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        loop {
            let state = app.state::<AppState>();
            // Where and when, read under the lock; the copy itself runs without it (through
            // its own read-only connection), so the window never waits for it.
            let plan = state.lock().as_ref().map(|shop| {
                shop.backup_dir()
                    .map(|d| (d, shop.now(), shop.settings().tz.offset))
            });
            let outcome = plan.map(|p| {
                p.and_then(|(dir, now, offset)| {
                    pasar_core::backups::daily_backup(&state.db_path, &dir, 14, now, offset)
                })
            });
            match outcome {
                Some(Ok(Some(path))) => state.log(&format!("backup: {}", path.display())),
                Some(Err(e)) => state.log(&format!(
                    "backup failed: {}",
                    e.message(pasar_core::Lang::En)
                )),
                _ => {}
            }
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    });
}

pub fn run() {
    let state = AppState::new(db_path_from_args());
    state.log(&format!("start: database {}", state.db_path.display()));
    tauri::Builder::default()
        // One window per machine: a second launch focuses the first instead.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        // The system's file dialog (Produk → Impor), used from Rust only: no JS permission.
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(|app| {
            let wake = printing::start(app.handle().clone());
            *app.state::<AppState>()
                .print_wake
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = wake;
            start_daily_backups(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::app_ready,
            commands::open_shop,
            commands::dashboard,
            commands::search_products,
            commands::pick_for_sale,
            commands::step_qty,
            commands::popular_products,
            commands::categories,
            commands::cash_change,
            commands::products,
            commands::product,
            commands::add_product,
            commands::update_product,
            commands::parse_number,
            commands::parse_qty,
            commands::quote_sale,
            commands::record_sale,
            commands::void_sale,
            commands::return_sale,
            commands::sale,
            commands::sales_page,
            commands::purchases_page,
            commands::purchase_detail,
            commands::expenses_page,
            commands::actors,
            commands::void_purchase,
            commands::void_expense,
            commands::receipt_text,
            commands::print_receipt,
            commands::print_test,
            commands::print_job_for_sale,
            commands::print_jobs,
            commands::retry_print_job,
            commands::cancel_print_job,
            commands::find_printers,
            commands::save_receipt_pdf,
            commands::save_invoice_pdf,
            commands::save_report_pdf,
            commands::whatsapp_receipt,
            commands::open_saved,
            commands::set_logo,
            commands::pick_import_file,
            commands::import_file,
            commands::record_purchase,
            commands::record_expense,
            commands::expenses,
            commands::movements,
            commands::low_stock,
            commands::post_stock_count,
            commands::preview_stock_count,
            commands::contacts,
            commands::add_contact,
            commands::search_contacts,
            commands::update_contact,
            commands::merge_contacts,
            commands::similar_contacts,
            commands::near_duplicates,
            commands::debt_history,
            commands::pay_debt,
            commands::report,
            commands::daily_series,
            commands::settings_view,
            commands::session,
            commands::staff_names,
            commands::sign_in,
            commands::lock_session,
            commands::approve,
            commands::staff_list,
            commands::add_staff,
            commands::set_pin,
            commands::set_staff_active,
            commands::current_shift,
            commands::open_shift,
            commands::cash_move,
            commands::close_shift,
            commands::shifts,
            commands::set_setting,
            commands::backup_now,
            commands::backups,
            commands::restore_backup,
            commands::chat_send,
            commands::chat_history,
            commands::whatsapp_text,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("PasarSuara tidak bisa dibuka: {e}");
            std::process::exit(1);
        });
}
