//! What the shell holds: the database path, the open shop (none until the first-start choice
//! is made), a log file in the data folder, and the start instant for the start-up figure.

use pasar_core::{ErrorBody, Lang, OpenMode, Shop};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

pub struct AppState {
    pub db_path: PathBuf,
    pub shop: Mutex<Option<Shop>>,
    pub started: Instant,
    log: Mutex<Option<std::fs::File>>,
    /// Set once the print worker runs.
    pub print_wake: Mutex<Option<crate::printing::Wake>>,
}

pub type Res<T> = Result<T, ErrorBody>;

impl AppState {
    pub fn new(db_path: PathBuf) -> AppState {
        let log_dir = db_path
            .parent()
            .map(|d| d.join("logs"))
            .unwrap_or_else(|| PathBuf::from("logs"));
        let log = std::fs::create_dir_all(&log_dir)
            .and_then(|_| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log_dir.join("pasarsuara.log"))
            })
            .ok();
        // A shop with staff starts locked: the window asks who is at the counter.
        let shop = if db_path.exists() {
            Shop::open(&db_path, OpenMode::Existing).and_then(|mut s| {
                s.lock_for_sign_in()?;
                Ok(Some(s))
            })
        } else {
            Ok(None)
        };
        let state = AppState {
            db_path,
            shop: Mutex::new(None),
            started: Instant::now(),
            log: Mutex::new(log),
            print_wake: Mutex::new(None),
        };
        match shop {
            Ok(s) => *state.lock() = s,
            Err(e) => state.log(&format!("cannot open database: {}", e.message(Lang::En))),
        }
        state
    }

    /// Tells the print worker there is something to send.
    pub fn wake_printer(&self) {
        if let Some(w) = self
            .print_wake
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            w.now();
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Option<Shop>> {
        self.shop.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a timestamped line to `<data folder>/logs/pasarsuara.log`; never fails the caller.
    pub fn log(&self, line: &str) {
        let mut guard = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = guard.as_mut() {
            let _ = writeln!(
                f,
                "{} {line}",
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            );
        }
    }

    /// Runs one core call on the open shop and turns its error into `{code, message}` in the
    /// shop's language. While nobody is signed in (a shop with staff), only the sign-in
    /// commands (`with_shop_any`) answer; everything else says "sign in first".
    pub fn with_shop<T>(&self, f: impl FnOnce(&mut Shop) -> pasar_core::Result<T>) -> Res<T> {
        self.with_shop_any(|shop| {
            if shop.is_locked() {
                return Err(pasar_core::CoreError::NeedsSignIn);
            }
            f(shop)
        })
    }

    /// `with_shop` without the sign-in check: the session, the staff to choose from, signing
    /// in, and the window's language and theme.
    pub fn with_shop_any<T>(&self, f: impl FnOnce(&mut Shop) -> pasar_core::Result<T>) -> Res<T> {
        let mut guard = self.lock();
        let Some(shop) = guard.as_mut() else {
            return Err(ErrorBody {
                code: "no_shop",
                message: "Belum ada toko yang dibuka.".into(),
                field: None,
                action: None,
            });
        };
        f(shop).map_err(|e| {
            let lang = shop
                .setting("language")
                .ok()
                .flatten()
                .and_then(|l| Lang::parse(&l))
                .unwrap_or_default();
            self.log(&format!("error {}: {}", e.code(), e.message(Lang::En)));
            e.body(lang)
        })
    }
}

/// Shows a desktop notification without blocking the caller; a missing notification daemon
/// is logged, never fatal.
pub fn notify(state: &AppState, summary: String, body: String) {
    state.log(&format!("notify: {summary}: {body}"));
    std::thread::spawn(move || {
        let _ = notify_rust::Notification::new()
            .appname("PasarSuara")
            .summary(&summary)
            .body(&body)
            .show();
    });
}
