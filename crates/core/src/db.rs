//! Opening the shop database: file checks, pragmas, embedded forward-only migrations,
//! settings and the audit log. The only module that decides how SQLite is configured.
//!
//! Opening never writes to a file it will refuse: header, application id and schema
//! version are checked over a read-only connection first.

use crate::error::{CoreError, Field, OVERFLOW_MARK, Problem, Result};
use crate::money::{MAX_NOTE, canon, check_text, parse_canon};
use crate::time::{Clock, ShopTz, SystemClock, stamp};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Migrations, in order. Entry N brings the schema to version N+1. Never edit a shipped one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../../migrations/0001_init.sql"),
    ),
    (
        "0002_movement_chain.sql",
        include_str!("../../../migrations/0002_movement_chain.sql"),
    ),
    (
        "0003_print_queue.sql",
        include_str!("../../../migrations/0003_print_queue.sql"),
    ),
    (
        "0004_imports.sql",
        include_str!("../../../migrations/0004_imports.sql"),
    ),
    (
        "0005_unit_codes.sql",
        include_str!("../../../migrations/0005_unit_codes.sql"),
    ),
    (
        "0006_corrections_and_chat.sql",
        include_str!("../../../migrations/0006_corrections_and_chat.sql"),
    ),
    (
        "0007_secret_settings_unlogged.sql",
        include_str!("../../../migrations/0007_secret_settings_unlogged.sql"),
    ),
    (
        "0008_search_category_popularity.sql",
        include_str!("../../../migrations/0008_search_category_popularity.sql"),
    ),
    (
        "0009_contact_merge.sql",
        include_str!("../../../migrations/0009_contact_merge.sql"),
    ),
    (
        "0010_staff_and_shifts.sql",
        include_str!("../../../migrations/0010_staff_and_shifts.sql"),
    ),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Page size of new shop files (see `configure`).
pub const PAGE_SIZE: i64 = 1024;

/// 'PASR': marks a SQLite file as a PasarSuara database.
const APPLICATION_ID: i64 = 0x5041_5352;

/// How long a statement waits for another process that holds the file.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Directory name under the per-user data dir; equals the desktop app's identifier.
pub const APP_ID: &str = "id.pasarsuara.app";

/// `$XDG_DATA_HOME/id.pasarsuara.app/pasarsuara.db` (or the platform equivalent),
/// overridable with `PASAR_DB`. The desktop app uses the same file.
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os("PASAR_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("pasarsuara.db")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// The file must already exist.
    Existing,
    /// Create the file (and its folder) when missing.
    Create,
}

/// Settings the core reads on every write; cached on the handle.
#[derive(Clone, Debug)]
pub struct ShopSettings {
    pub tz: ShopTz,
    pub allow_negative_stock: bool,
    pub lead_time_days: i64,
}

/// An open shop: one SQLite connection plus the clock and the acting user.
pub struct Shop {
    pub(crate) conn: Connection,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) actor: String,
    pub(crate) settings: ShopSettings,
    /// Who is at the counter, in which role (see `staff`).
    pub(crate) session: crate::staff::Session,
    pub(crate) path: PathBuf,
    read_only: bool,
}

impl Shop {
    pub fn open(path: &Path, mode: OpenMode) -> Result<Shop> {
        Shop::open_with_clock(path, mode, Arc::new(SystemClock))
    }

    pub fn open_with_clock(path: &Path, mode: OpenMode, clock: Arc<dyn Clock>) -> Result<Shop> {
        let shown = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(path_error(e, path)),
        };
        let mut read_only = false;
        let mut fresh = false;
        match &meta {
            None if mode == OpenMode::Existing => {
                return Err(CoreError::DatabaseMissing { path: shown });
            }
            None => {
                fresh = true;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| path_error(e, path))?;
                }
            }
            Some(m) if m.is_dir() => return Err(CoreError::DatabaseIsFolder { path: shown }),
            Some(m) if !m.is_file() => return Err(CoreError::DatabaseCorrupt { path: shown }),
            // An empty file is not a shop: only `init` (Create) may make it one.
            Some(m) if m.len() == 0 && mode == OpenMode::Existing => {
                return Err(CoreError::DatabaseEmpty { path: shown });
            }
            Some(m) => {
                // Honour the file's read-only attribute even when the OS would let us write
                // (root): a file the owner locked is a backup to read, not to change.
                read_only = m.permissions().readonly();
                if m.len() == 0 {
                    if read_only {
                        return Err(CoreError::DatabaseReadOnly { path: shown });
                    }
                    fresh = true;
                } else {
                    check_header(path)?;
                }
            }
        }
        let conn = if read_only {
            open_read_only(path)?
        } else {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            Connection::open_with_flags(path, flags).map_err(|e| open_error(e.into(), path))?
        };
        let mut shop = Shop {
            conn,
            clock,
            actor: "owner".into(),
            session: crate::staff::Session::default(),
            settings: ShopSettings {
                tz: ShopTz::jakarta(),
                allow_negative_stock: true,
                lead_time_days: 2,
            },
            path: path.to_path_buf(),
            read_only,
        };
        let setup = (|| {
            shop.configure()?;
            if !fresh {
                // The header may lag a WAL that was never checkpointed: look again, now
                // through SQLite, before migrating anything.
                check_identity(&shop.conn)?;
            }
            shop.migrate()?;
            shop.load_settings()
        })();
        setup.map_err(|e| open_error(e, path))?;
        Ok(shop)
    }

    /// A private in-memory shop (tests).
    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Shop> {
        let conn = Connection::open_in_memory()?;
        let mut shop = Shop {
            conn,
            clock,
            actor: "owner".into(),
            session: crate::staff::Session::default(),
            settings: ShopSettings {
                tz: ShopTz::jakarta(),
                allow_negative_stock: true,
                lead_time_days: 2,
            },
            path: PathBuf::from(":memory:"),
            read_only: false,
        };
        shop.configure()?;
        shop.migrate()?;
        shop.load_settings()?;
        Ok(shop)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Who is acting (for the audit log): a name, checked like any other name.
    pub fn set_actor(&mut self, actor: &str) -> Result<()> {
        let actor = check_text(Field::User, actor, crate::money::MAX_NAME)?;
        if actor.is_empty() {
            return Err(CoreError::invalid(Field::User, Problem::Required));
        }
        self.actor = actor;
        Ok(())
    }

    pub fn settings(&self) -> &ShopSettings {
        &self.settings
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// `synchronous=FULL` (the default) makes every committed sale survive power loss.
    /// Bulk generators (demo, benchmarks) may turn it off and must call this again after.
    pub fn set_durable(&mut self, durable: bool) -> Result<()> {
        let level = if durable { "FULL" } else { "OFF" };
        self.conn.pragma_update(None, "synchronous", level)?;
        Ok(())
    }

    /// Raw connection for read-only diagnostics in tests and benches.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn configure(&mut self) -> Result<()> {
        let c = &self.conn;
        register_functions(c)?;
        // The sale path alone uses ~10 cached statements; the default cache of 16 would thrash
        // as soon as reports and catalog edits interleave with sales.
        c.set_prepared_statement_cache_capacity(128);
        c.busy_timeout(BUSY_TIMEOUT)?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        // 32 MiB of page cache (SQLite's default is 2 MiB, 2,000 of our 1 KiB pages): an
        // import of a big stock list or a year's report stays in memory instead of spilling
        // half-written pages to the WAL. Memory is taken only as pages are read.
        c.pragma_update(None, "cache_size", -32768)?;
        if !self.read_only {
            // A new file gets small pages: a sale touches ~20 pages (its rows, five products,
            // five stock-index leaves, the day's aggregates), and every commit writes each
            // touched page whole to the WAL. 1 KiB pages write a quarter of the bytes of
            // SQLite's default 4 KiB. Must be set before the first write; existing files keep
            // theirs.
            let pages: i64 = c.pragma_query_value(None, "page_count", |r| r.get(0))?;
            if pages == 0 {
                c.pragma_update(None, "page_size", PAGE_SIZE)?;
            }
            let mode = switch_to_wal(c)?;
            if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
                return Err(CoreError::Database {
                    detail: format!("journal_mode {mode}"),
                });
            }
            c.pragma_update(None, "synchronous", "FULL")?;
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(CoreError::DatabaseTooNew {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if self.read_only {
            return Err(CoreError::DatabaseReadOnly {
                path: String::new(),
            });
        }
        apply_migrations(&mut self.conn, MIGRATIONS)
    }

    fn load_settings(&mut self) -> Result<()> {
        if let Some(tz) = self.setting("timezone")? {
            self.settings.tz = ShopTz::parse(&tz)?;
        }
        if let Some(v) = self.setting("allow_negative_stock")? {
            self.settings.allow_negative_stock = v != "false";
        }
        if let Some(v) = self.setting("lead_time_days")? {
            self.settings.lead_time_days = v.parse().unwrap_or(2);
        }
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Known settings: shop_name, shop_address, shop_phone, receipt_footer, timezone,
    /// allow_negative_stock (true/false), lead_time_days, language; the agents' optional
    /// online assistant: assistant_url, assistant_model, assistant_key (no key: none).
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        // The window's language and theme are each person's own; the rest is the owner's.
        if !matches!(key, "language" | "theme") {
            self.require_owner("settings.change")?;
        }
        let value = check_text(Field::Setting, value, MAX_NOTE)?;
        let value = value.as_str();
        let choice = |field: Field, choices: &str| {
            CoreError::invalid(
                field,
                Problem::UnknownChoice {
                    value: value.to_string(),
                    choices: choices.into(),
                },
            )
        };
        match key {
            "timezone" => {
                ShopTz::parse(value)?;
            }
            "allow_negative_stock" => {
                if value != "true" && value != "false" {
                    return Err(choice(Field::AllowNegativeStock, "true, false"));
                }
            }
            "lead_time_days" => {
                if !value.parse::<i64>().is_ok_and(|d| (0..=365).contains(&d)) {
                    return Err(CoreError::invalid(
                        Field::LeadTime,
                        Problem::OutOfRange {
                            value: value.to_string(),
                            min: "0".into(),
                            max: "365".into(),
                        },
                    ));
                }
            }
            "cashier_price_limit" => {
                if !value
                    .parse::<Decimal>()
                    .is_ok_and(|p| (Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&p))
                {
                    return Err(CoreError::invalid(
                        Field::Setting,
                        Problem::OutOfRange {
                            value: value.to_string(),
                            min: "0".into(),
                            max: "100".into(),
                        },
                    ));
                }
            }
            "receipt_paper_mm" => {
                if value != "58" && value != "80" {
                    return Err(choice(Field::PaperWidth, "58, 80"));
                }
            }
            "language" => {
                if crate::error::Lang::parse(value).is_none() {
                    return Err(choice(Field::Language, "id, en"));
                }
            }
            "theme" => {
                if !matches!(value, "light" | "dark" | "system") {
                    return Err(choice(Field::Theme, "light, dark, system"));
                }
            }
            "printer" => {
                if !value.is_empty() {
                    let target = crate::print_queue::PrinterTarget::parse(value)?;
                    target.check_not_a_file()?;
                    let spec = target.spec();
                    // Stored in one spelling, so jobs and the settings screen agree.
                    return self.store_setting(key, &spec);
                }
            }
            "receipt_drawer" | "receipt_auto_print" | "printer_status" => {
                if value != "true" && value != "false" {
                    return Err(choice(Field::Setting, "true, false"));
                }
            }
            "receipt_cut" => {
                if !matches!(value, "partial" | "full" | "none") {
                    return Err(choice(Field::Setting, "partial, full, none"));
                }
            }
            "printer_codepage" => {
                if !matches!(value, "cp1252" | "ascii") {
                    return Err(choice(Field::Setting, "cp1252, ascii"));
                }
            }
            "receipt_qr" => {
                if value.chars().count() > 300 {
                    return Err(CoreError::invalid(
                        Field::ReceiptQr,
                        Problem::TooLong { max: 300 },
                    ));
                }
            }
            "assistant_url" => {
                let ok = value.is_empty()
                    || ((value.starts_with("https://") || value.starts_with("http://"))
                        && value.len() <= 300
                        && !value.chars().any(char::is_whitespace));
                if !ok {
                    return Err(CoreError::invalid(
                        Field::Setting,
                        Problem::BadFormat {
                            value: value.chars().take(60).collect(),
                            example: "https://generativelanguage.googleapis.com".into(),
                        },
                    ));
                }
            }
            "assistant_model" => {
                let ok = value.len() <= 80
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
                if !ok {
                    return Err(CoreError::invalid(
                        Field::Setting,
                        Problem::BadFormat {
                            value: value.chars().take(60).collect(),
                            example: "gemini-2.5-flash".into(),
                        },
                    ));
                }
            }
            "assistant_key" => {
                // The key itself is never echoed in an error.
                if value.len() > 300 {
                    return Err(CoreError::invalid(
                        Field::Setting,
                        Problem::TooLong { max: 300 },
                    ));
                }
                if value.chars().any(char::is_whitespace) {
                    return Err(CoreError::invalid(
                        Field::Setting,
                        Problem::BadFormat {
                            value: "…".into(),
                            example: "AIzaSy…".into(),
                        },
                    ));
                }
            }
            "shop_name" | "shop_address" | "shop_phone" | "receipt_footer" | "receipt_header"
            | "invoice_terms" | "backup_dir" | "demo_shop" | "demo_mark" => {}
            _ => {
                return Err(CoreError::invalid(
                    Field::Setting,
                    Problem::UnknownChoice {
                        value: key.to_string(),
                        choices: SETTING_KEYS.into(),
                    },
                ));
            }
        }
        self.store_setting(key, value)
    }

    fn store_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "setting.set",
            "settings",
            None,
            // A secret is recorded as changed, never as its value.
            &serde_json::json!({key: if SECRET_SETTINGS.contains(&key) { "(diubah)" } else { value }}),
        )?;
        if key == "timezone" {
            crate::report::rebuild_daily_sales(&tx, &ShopTz::parse(value)?)?;
        }
        tx.commit()?;
        self.load_settings()
    }

    /// Begins a write transaction. IMMEDIATE takes the write lock up front so two windows
    /// never deadlock upgrading a read lock.
    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        if self.session.locked {
            return Err(CoreError::NeedsSignIn);
        }
        self.system_tx()
    }

    /// A write the machine makes on its own — the print worker recording what the printer
    /// said — which does not wait for someone to sign in (a person's writes use `write_tx`).
    pub(crate) fn system_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        if self.read_only {
            return Err(CoreError::DatabaseReadOnly {
                path: self.path.display().to_string(),
            });
        }
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| open_error(e.into(), &self.path))
    }

    /// Runs `f` inside one read transaction, so every statement it runs sees the same
    /// snapshot of the books (a writer that commits meanwhile is seen wholly or not at all).
    /// Inside an open transaction it simply runs `f`.
    pub(crate) fn snapshot<T>(&self, f: impl FnOnce(&Shop) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.execute_batch("BEGIN DEFERRED")?;
        let out = f(self);
        let end = self
            .conn
            .execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let out = out?;
        end?;
        Ok(out)
    }
}

/// Applies `migrations[user_version..]` and bumps the version, all in one transaction:
/// a failing migration leaves the database exactly as it was.
/// `PRAGMA journal_mode=WAL` on a new file needs the file to itself and, unlike ordinary
/// statements, answers SQLITE_BUSY at once instead of waiting in the busy handler (seen with
/// four `pasar init` started together). Wait for it as the busy timeout would.
fn switch_to_wal(c: &Connection) -> Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = std::time::Duration::from_millis(2);
    loop {
        match c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(50));
            }
            other => return Ok(other?),
        }
    }
}

pub fn apply_migrations(conn: &mut Connection, migrations: &[(&str, &str)]) -> Result<()> {
    let target = migrations.len() as i64;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    // Read under the lock: another process may have migrated the file while this one waited
    // (two `pasar init` at once on a new file).
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= target {
        return Ok(());
    }
    for (name, sql) in &migrations[version as usize..] {
        tx.execute_batch(sql).map_err(|e| CoreError::Database {
            detail: format!("migration {name}: {e}"),
        })?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}

/// `dec_add(a, b)`: exact sum of two canonical decimal strings (NULL counts as 0), so that
/// aggregates can be bumped in one UPSERT without SQLite's floating-point arithmetic.
/// Used only in statements, never in the schema, so other tools can still read the file.
fn register_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "dec_add",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let mut sum = Decimal::ZERO;
            for i in 0..2 {
                if let Some(s) = ctx.get::<Option<String>>(i)? {
                    let v = parse_canon(&s)
                        .map_err(|e| rusqlite::Error::UserFunctionError(e.to_string().into()))?;
                    sum = sum
                        .checked_add(v)
                        .ok_or_else(|| rusqlite::Error::UserFunctionError(OVERFLOW_MARK.into()))?;
                }
            }
            Ok(canon(sum))
        },
    )?;
    Ok(())
}

/// Refuses a key that is not a setting (`pasar setting get colour`).
pub fn check_setting_key(key: &str) -> Result<()> {
    if SETTING_KEYS.split(", ").any(|k| k == key) {
        return Ok(());
    }
    Err(CoreError::invalid(
        Field::Setting,
        Problem::UnknownChoice {
            value: key.to_string(),
            choices: SETTING_KEYS.into(),
        },
    ))
}

/// Settings `set_setting` knows.
/// Settings whose values never reach the audit log, the window or an error.
const SECRET_SETTINGS: &[&str] = &["assistant_key"];

const SETTING_KEYS: &str = "shop_name, shop_address, shop_phone, receipt_header, receipt_footer, receipt_paper_mm, receipt_qr, receipt_drawer, receipt_cut, receipt_auto_print, printer, printer_codepage, printer_status, invoice_terms, language, theme, timezone, allow_negative_stock, lead_time_days, backup_dir, assistant_url, assistant_model, assistant_key, cashier_price_limit";

/// Whether another process has this database open (it holds SQLite's shared-memory
/// "dead man switch" lock, byte 128 of the -shm file, for as long as its connection lives).
/// Must not be called while this process itself has the database open: closing the probe's
/// handle would drop this process's own SQLite locks on the file.
#[cfg(unix)]
pub fn in_use(path: &Path) -> Result<bool> {
    use std::os::fd::AsRawFd;
    let shm = match std::fs::File::open(sibling(path, "-shm")) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(path_error(e, path)),
    };
    // SAFETY: a zeroed flock is a valid value; fcntl(F_GETLK) only reads and writes it.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = 128;
    lock.l_len = 1;
    // SAFETY: valid open descriptor and a pointer to a live flock.
    let rc = unsafe { libc::fcntl(shm.as_raw_fd(), libc::F_GETLK, &mut lock) };
    Ok(rc == 0 && i32::from(lock.l_type) != libc::F_UNLCK)
}

/// On other systems the rename that replaces the file fails while it is open.
#[cfg(not(unix))]
pub fn in_use(_path: &Path) -> Result<bool> {
    Ok(false)
}

/// Names the real cause of a file-system error about `path`: a parent that is a file, a
/// missing permission, or (failing those) the OS's own words.
fn path_error(e: std::io::Error, path: &Path) -> CoreError {
    use std::io::ErrorKind as K;
    let shown = path.display().to_string();
    match e.kind() {
        K::NotADirectory | K::AlreadyExists => {
            let parent = path
                .ancestors()
                .skip(1)
                .find(|a| a.is_file())
                .map(|a| a.display().to_string());
            match parent {
                Some(parent) => CoreError::ParentNotFolder {
                    path: shown,
                    parent,
                },
                None => CoreError::Io {
                    detail: format!("{shown}: {e}"),
                },
            }
        }
        K::PermissionDenied => CoreError::PermissionDenied { path: shown },
        K::ReadOnlyFilesystem => CoreError::DatabaseReadOnly { path: shown },
        _ => CoreError::Io {
            detail: format!("{shown}: {e}"),
        },
    }
}

/// Adds the file path to errors that are about the file, and names the folder when SQLite
/// could not create its journal files beside the database.
fn open_error(e: CoreError, path: &Path) -> CoreError {
    let shown = path.display().to_string();
    match e {
        CoreError::DatabaseCorrupt { path: p } if p.is_empty() => {
            CoreError::DatabaseCorrupt { path: shown }
        }
        CoreError::DatabaseForeign { path: p } if p.is_empty() => {
            CoreError::DatabaseForeign { path: shown }
        }
        CoreError::DatabaseReadOnly { path: p } if p.is_empty() => {
            CoreError::DatabaseReadOnly { path: shown }
        }
        CoreError::PermissionDenied { path: p } if p.is_empty() => {
            CoreError::PermissionDenied { path: shown }
        }
        CoreError::Io { .. } => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if dir_read_only(dir) {
                CoreError::PermissionDenied {
                    path: dir.display().to_string(),
                }
            } else {
                e
            }
        }
        other => other,
    }
}

fn dir_read_only(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Opens a read-only file without leaving anything behind. Without a pending WAL the file
/// is opened `immutable` (no -shm is created, so it works in a read-only folder too). With a
/// pending WAL SQLite needs its -shm; if it has to create one, the -shm is made writable by
/// the owner afterwards, so unlocking the database later is enough to write again.
fn open_read_only(path: &Path) -> Result<Connection> {
    let wal = sibling(path, "-wal");
    let shm = sibling(path, "-shm");
    let pending_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !pending_wal {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        return Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
            .map_err(|e| open_error(e.into(), path));
    }
    let had_shm = shm.exists();
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(e.into(), path))?;
    // The -shm appears on first read.
    let _ = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    #[cfg(unix)]
    if !had_shm && shm.exists() {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&shm, std::fs::Permissions::from_mode(0o644));
    }
    #[cfg(not(unix))]
    let _ = had_shm;
    Ok(conn)
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let raw = path.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Checks the 100-byte SQLite header without opening the file through SQLite (nothing is
/// created beside it): the magic string, our application id and the schema version.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let shown = path.display().to_string();
    let mut head = [0u8; 100];
    let mut f = std::fs::File::open(path).map_err(|e| path_error(e, path))?;
    if f.read_exact(&mut head).is_err() || &head[..16] != b"SQLite format 3\0" {
        return Err(CoreError::DatabaseCorrupt { path: shown });
    }
    let be = |at: usize| {
        i64::from(u32::from_be_bytes([
            head[at],
            head[at + 1],
            head[at + 2],
            head[at + 3],
        ]))
    };
    let (schema_cookie, version, app_id) = (be(40), be(60), be(68));
    // A file SQLite made but nobody ever gave a schema is as good as new.
    let blank = app_id == 0 && version == 0 && schema_cookie == 0;
    check_identity_of(app_id, version, blank, shown)
}

/// Ours (or blank), and not from a newer version: the rule both checks apply.
fn check_identity_of(app_id: i64, version: i64, blank: bool, path: String) -> Result<()> {
    if app_id != APPLICATION_ID && !blank {
        return Err(CoreError::DatabaseForeign { path });
    }
    if version > SCHEMA_VERSION {
        return Err(CoreError::DatabaseTooNew {
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The same checks through an open connection (which sees a pending WAL).
fn check_identity(conn: &Connection) -> Result<()> {
    let corrupt = |_| CoreError::DatabaseCorrupt {
        path: String::new(),
    };
    let app_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(corrupt)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(corrupt)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(corrupt)?;
    let blank = app_id == 0 && version == 0 && tables == 0;
    // The path is filled in by `open_error`.
    check_identity_of(app_id, version, blank, String::new())
}

/// Reads a canonical decimal column.
pub(crate) fn dec(row: &Row<'_>, idx: usize) -> rusqlite::Result<Decimal> {
    let s: String = row.get(idx)?;
    parse_canon(&s).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("bad decimal {s:?}").into(),
        )
    })
}

/// Appends one audit row: who did what to which entity, and when.
pub(crate) fn audit(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: &serde_json::Value,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log(at, actor, action, entity, entity_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        at,
        actor,
        action,
        entity,
        entity_id,
        detail.to_string()
    ])?;
    Ok(())
}

/// Decimal as a SQL parameter (canonical text).
pub(crate) fn d(v: Decimal) -> String {
    canon(v)
}

/// Everything the Pengaturan screen shows, with defaults filled in.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SettingsView {
    pub shop_name: String,
    pub shop_address: String,
    pub shop_phone: String,
    pub receipt_header: String,
    pub receipt_footer: String,
    pub receipt_paper_mm: String,
    /// Text printed as a QR code under the footer (a QRIS string, a wa.me link); "" for none.
    pub receipt_qr: String,
    /// Open the cash drawer after a cash sale's receipt.
    pub receipt_drawer: bool,
    /// partial, full or none.
    pub receipt_cut: String,
    /// Print the receipt by itself when a sale is saved (when a printer is chosen).
    pub receipt_auto_print: bool,
    pub printer: String,
    /// cp1252 (accents printed) or ascii (spelled without them, for printers without it).
    pub printer_codepage: String,
    pub invoice_terms: String,
    /// Network printers must confirm each job through the paper-status query.
    pub printer_status: bool,
    pub has_logo: bool,
    pub language: String,
    pub theme: String,
    pub timezone: String,
    /// The shop's offset from UTC, for showing times in shop time whatever the laptop's zone.
    pub utc_offset_minutes: i32,
    pub allow_negative_stock: bool,
    pub lead_time_days: i64,
    pub backup_dir: String,
    pub data_path: String,
    pub demo_shop: bool,
    /// The agents' optional online assistant ("" = the default service / model).
    pub assistant_url: String,
    pub assistant_model: String,
    /// Whether a key is stored (the key itself never leaves the core for the window).
    pub assistant_key_set: bool,
    /// How far (percent) a cashier may move a price or give a discount without the owner.
    pub cashier_price_limit: String,
}

impl Shop {
    pub fn settings_view(&self) -> Result<SettingsView> {
        let get = |k: &str, default: &str| -> Result<String> {
            Ok(self.setting(k)?.unwrap_or_else(|| default.to_string()))
        };
        let data_dir = self
            .path
            .parent()
            .map(|p| p.join("backups"))
            .unwrap_or_default();
        Ok(SettingsView {
            shop_name: get("shop_name", "Toko Saya")?,
            shop_address: get("shop_address", "")?,
            shop_phone: get("shop_phone", "")?,
            receipt_header: get("receipt_header", "")?,
            receipt_footer: get("receipt_footer", "Terima kasih")?,
            receipt_paper_mm: get("receipt_paper_mm", "58")?,
            receipt_qr: get("receipt_qr", "")?,
            receipt_drawer: get("receipt_drawer", "false")? == "true",
            receipt_cut: get("receipt_cut", "partial")?,
            receipt_auto_print: get("receipt_auto_print", "true")? == "true",
            printer: get("printer", "")?,
            printer_codepage: get("printer_codepage", "cp1252")?,
            invoice_terms: get("invoice_terms", "")?,
            printer_status: get("printer_status", "true")? != "false",
            has_logo: self.logo()?.is_some(),
            language: get("language", "id")?,
            theme: get("theme", "light")?,
            timezone: self.settings.tz.name.clone(),
            utc_offset_minutes: self.settings.tz.offset.local_minus_utc() / 60,
            allow_negative_stock: self.settings.allow_negative_stock,
            lead_time_days: self.settings.lead_time_days,
            backup_dir: get("backup_dir", &data_dir.display().to_string())?,
            data_path: self.path.display().to_string(),
            demo_shop: self.setting("demo_shop")?.as_deref() == Some("true"),
            assistant_url: get("assistant_url", "")?,
            assistant_model: get("assistant_model", "")?,
            assistant_key_set: self
                .setting("assistant_key")?
                .is_some_and(|k| !k.trim().is_empty()),
            cashier_price_limit: crate::money::canon(self.price_limit()?),
        })
    }

    /// A consistent copy of the whole shop (`VACUUM INTO`), safe while the shop is in use.
    /// Returns the new file's path.
    pub fn backup_to(&self, dir: &Path) -> Result<PathBuf> {
        let name = crate::backups::backup_name(
            &self.path,
            self.clock.now(),
            self.settings.tz.offset,
            false,
        );
        crate::backups::vacuum_into(&self.conn, dir, &name)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub detail: serde_json::Value,
}

impl Shop {
    /// Most recent audit entries first.
    pub fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let mut st = self.conn.prepare(
            "SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            let detail: String = r.get(6)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
