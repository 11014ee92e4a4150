//! Backups: a consistent copy of the shop taken once a day (kept for two weeks), any time by
//! hand, listed newest first, and restored without ever losing the current file: the backup
//! is copied beside the shop, opened and checked there (a PasarSuara database, whole, brought
//! up to this version's schema), and only then swapped in — the current file is renamed
//! aside ("toko.sebelum-pulih-20261122-165100.db"), never overwritten. A shop that no longer
//! opens is restored the same way from the window's first screen.

use crate::db::{OpenMode, Shop};
use crate::error::{CoreError, Result};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One backup file.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupFile {
    pub path: String,
    pub name: String,
    /// When it was taken, shop time, "2026-11-22 16:51:00" (from its name).
    pub taken_at: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// Taken by the daily backup (kept for two weeks), not by hand.
    pub daily: bool,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RestoreReport {
    pub restored_from: String,
    /// Where the file that was in use went (none when there was no file).
    pub kept_aside: Option<String>,
}

const PREFIX: &str = "pasarsuara-";
const DAILY: &str = "-harian";

/// The shop a backup belongs to: its file's name without the extension ("toko" for
/// toko.db), so two shops in one folder never mix their backups.
fn shop_tag(db_path: &Path) -> String {
    db_path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "toko".into())
}

/// "pasarsuara-toko-20261122-165100.db" (by hand) or "…-harian.db" (the daily one).
pub(crate) fn backup_name(
    db_path: &Path,
    now: DateTime<Utc>,
    offset: FixedOffset,
    daily: bool,
) -> String {
    format!(
        "{PREFIX}{}-{}{}.db",
        shop_tag(db_path),
        now.with_timezone(&offset).format("%Y%m%d-%H%M%S"),
        if daily { DAILY } else { "" }
    )
}

/// Reads a backup's name: (shop, "2026-11-22 16:51:00", daily). Older backups carry no shop.
fn parse_name(name: &str) -> Option<(Option<String>, String, bool)> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(".db")?;
    let (rest, daily) = match rest.strip_suffix(DAILY) {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (rest, t) = rest.rsplit_once('-')?;
    let (shop, d) = match rest.rsplit_once('-') {
        Some((shop, d)) => (Some(shop.to_string()), d),
        None => (None, rest),
    };
    let ok = d.len() == 8 && t.len() == 6 && d.chars().chain(t.chars()).all(|c| c.is_ascii_digit());
    ok.then(|| {
        (
            shop,
            format!(
                "{}-{}-{} {}:{}:{}",
                &d[..4],
                &d[4..6],
                &d[6..],
                &t[..2],
                &t[2..4],
                &t[4..]
            ),
            daily,
        )
    })
}

/// `VACUUM INTO` a new file `name` in `dir`: a consistent copy, safe while the shop is used.
pub(crate) fn vacuum_into(conn: &rusqlite::Connection, dir: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    if target.exists() {
        return Err(CoreError::Duplicate {
            field: crate::error::Field::BackupFile,
            value: target.display().to_string(),
        });
    }
    conn.execute("VACUUM INTO ?1", [target.display().to_string()])?;
    Ok(target)
}

/// The backups in `dirs` (missing folders are skipped), newest first, each once; only the
/// shop `db_path`'s (and older backups that name no shop) when it is given.
pub fn list_backups(dirs: &[PathBuf], db_path: Option<&Path>) -> Result<Vec<BackupFile>> {
    let want = db_path.map(shop_tag);
    let mut out: Vec<BackupFile> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some((shop, at, daily)) = parse_name(&name) else {
                continue;
            };
            if want.is_some() && shop.is_some() && shop != want {
                continue;
            }
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let path = e.path();
            let canon = std::fs::canonicalize(&path).unwrap_or(path);
            let path = canon.display().to_string();
            if out.iter().any(|b| b.path == path) {
                continue;
            }
            out.push(BackupFile {
                path,
                name,
                taken_at: at,
                bytes: meta.len(),
                daily,
            });
        }
    }
    out.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then(b.name.cmp(&a.name)));
    Ok(out)
}

/// Today's daily backup of the shop file `db_path` into `dir`, unless there is one; then
/// only the newest `keep` daily backups of this shop stay (backups taken by hand are never
/// removed). It reads through its own read-only connection, so the shop stays usable while
/// the copy is made.
pub fn daily_backup(
    db_path: &Path,
    dir: &Path,
    keep: usize,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> Result<Option<PathBuf>> {
    let today = now.with_timezone(&offset).format("%Y-%m-%d").to_string();
    let mine = |b: &BackupFile| b.daily;
    if list_backups(&[dir.to_path_buf()], Some(db_path))?
        .iter()
        .any(|b| mine(b) && b.taken_at.starts_with(&today))
    {
        return Ok(None);
    }
    let conn = rusqlite::Connection::open_with_flags(
        db_path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let made = vacuum_into(&conn, dir, &backup_name(db_path, now, offset, true))?;
    drop(conn);
    for old in list_backups(&[dir.to_path_buf()], Some(db_path))?
        .into_iter()
        .filter(|b| mine(b) && parse_name(&b.name).is_some_and(|(shop, ..)| shop.is_some()))
        .skip(keep.max(1))
    {
        let _ = std::fs::remove_file(&old.path);
    }
    Ok(Some(made))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Restores `backup` as the shop at `db_path` (the shop must not be open). The backup is
/// checked on a copy first; the current file (with its WAL) is renamed aside, never
/// overwritten. `now` names the file kept aside, in the shop's zone `offset`.
pub fn restore_backup(
    db_path: &Path,
    backup: &Path,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> Result<RestoreReport> {
    // Another program (the `pasar` CLI) still writing to the shop would write into the file
    // that goes aside: wait for it to close.
    if crate::db::in_use(db_path)? {
        return Err(CoreError::DatabaseInUse {
            path: db_path.display().to_string(),
        });
    }
    let meta = std::fs::metadata(backup).map_err(|_| CoreError::FileNotFound {
        path: backup.display().to_string(),
    })?;
    if !meta.is_file() {
        return Err(CoreError::FileNotFound {
            path: backup.display().to_string(),
        });
    }
    let dir = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let stamp = now
        .with_timezone(&offset)
        .format("%Y%m%d-%H%M%S")
        .to_string();
    let trial = dir.join(format!(".pulih-{stamp}.db"));
    let cleanup = |p: &Path| {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(p, s));
        }
    };
    cleanup(&trial);
    std::fs::copy(backup, &trial)?;
    // Opened where it will live: a PasarSuara database, of this version or older (migrated
    // now), every page readable.
    let checked = (|| -> Result<()> {
        let shop = Shop::open(&trial, OpenMode::Existing)?;
        let verdict: String = shop
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(CoreError::DatabaseCorrupt {
                path: backup.display().to_string(),
            });
        }
        shop.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Ok(())
    })();
    if let Err(e) = checked {
        cleanup(&trial);
        return Err(match e {
            CoreError::DatabaseCorrupt { .. } | CoreError::DatabaseEmpty { .. } => {
                CoreError::DatabaseCorrupt {
                    path: backup.display().to_string(),
                }
            }
            CoreError::DatabaseForeign { .. } => CoreError::DatabaseForeign {
                path: backup.display().to_string(),
            },
            e => e,
        });
    }
    // The file in use goes aside with its WAL, under a name that says what it is.
    let stem = db_path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "toko".into());
    let aside = dir.join(format!("{stem}.sebelum-pulih-{stamp}.db"));
    let kept_aside = if db_path.exists() {
        std::fs::rename(db_path, &aside)?;
        Some(aside.display().to_string())
    } else {
        None
    };
    // Its WAL goes with it (even without the file: a stray WAL must never be replayed into
    // the restored shop).
    for s in ["-wal", "-shm"] {
        let from = with_suffix(db_path, s);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&aside, s))?;
        }
    }
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&trial, s));
    }
    if let Err(e) = std::fs::rename(&trial, db_path) {
        // Put the old file back rather than leave no shop at all.
        if let Some(a) = &kept_aside {
            let _ = std::fs::rename(a, db_path);
        }
        return Err(e.into());
    }
    Ok(RestoreReport {
        restored_from: backup.display().to_string(),
        kept_aside,
    })
}

impl Shop {
    /// Today's daily backup into `dir` (see `daily_backup`).
    pub fn auto_backup(&self, dir: &Path, keep: usize) -> Result<Option<PathBuf>> {
        daily_backup(
            &self.path,
            dir,
            keep,
            self.clock.now(),
            self.settings.tz.offset,
        )
    }

    /// Where backups go: the `backup_dir` setting, else the shop's own folder.
    pub fn backup_dir(&self) -> Result<PathBuf> {
        Ok(PathBuf::from(self.settings_view()?.backup_dir))
    }
}
