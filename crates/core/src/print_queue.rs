//! The durable print queue. A job is written only after its sale has committed, holding the
//! exact bytes to send; a worker (in the desktop shell, or `pasar print`) claims due jobs,
//! sends them outside any transaction, and reports back. A printer that is off or out of
//! paper moves a job back to `queued` with a growing delay; after `GIVE_UP_AFTER` since it
//! was (re)queued it becomes `failed` until someone presses "coba lagi". Nothing here
//! touches the books, and nothing here talks to a printer.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::db::Shop;
use crate::error::{CoreError, Field, Problem, Result};
use crate::time::{parse_stamp, stamp};

/// Where print jobs go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PrinterTarget {
    /// A network printer speaking raw ESC/POS (port 9100).
    Tcp { host: String, port: u16 },
    /// A device file: /dev/usb/lp0, /dev/rfcomm0 (Bluetooth serial), /dev/ttyUSB0.
    Device { path: String },
    /// A CUPS queue, sent raw (`lp -d NAME -o raw`).
    Cups { queue: String },
}

impl PrinterTarget {
    /// `tcp://HOST[:PORT]` (or `HOST:PORT`), `/dev/...`, `cups:NAME` or a bare queue name.
    pub fn parse(spec: &str) -> Result<PrinterTarget> {
        let s = spec.trim();
        let bad = || {
            CoreError::invalid(
                Field::Printer,
                Problem::BadFormat {
                    value: s.to_string(),
                    example: "tcp://192.168.1.50:9100, /dev/usb/lp0, cups:XP-58".into(),
                },
            )
        };
        if s.is_empty() || s.chars().any(|c| c.is_control()) || s.len() > 200 {
            return Err(bad());
        }
        let host_port = |hp: &str| -> Result<PrinterTarget> {
            let hp = hp.trim_end_matches('/');
            let (host, port) = match hp.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') || h.starts_with('[') => {
                    (h, p.parse::<u16>().map_err(|_| bad())?)
                }
                _ => (hp, 9100),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            // An IPv6 address must be one; a name of digits and dots must be an IPv4 address.
            let looks_v4 = host.chars().all(|c| c.is_ascii_digit() || c == '.');
            if (host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err())
                || (looks_v4 && host.parse::<std::net::Ipv4Addr>().is_err())
            {
                return Err(bad());
            }
            if host.is_empty()
                || port == 0
                || !host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
            {
                return Err(bad());
            }
            Ok(PrinterTarget::Tcp {
                host: host.to_string(),
                port,
            })
        };
        if let Some(rest) = s.strip_prefix("tcp://") {
            return host_port(rest);
        }
        // A device: /dev/usb/lp0, /dev/rfcomm0 (Linux); COM3, LPT1, \\.\\COM3 or a shared
        // printer \\PC\\Printer (Windows takes raw bytes written to these).
        let upper = s.to_ascii_uppercase();
        let windows_port = (upper.starts_with("COM") || upper.starts_with("LPT"))
            && (4..=6).contains(&upper.len())
            && upper[3..].chars().all(|c| c.is_ascii_digit());
        if s.starts_with('/') || s.starts_with("\\\\") || windows_port {
            if s.contains("..") {
                return Err(bad());
            }
            return Ok(PrinterTarget::Device {
                path: s.to_string(),
            });
        }
        // A bare IP address is a network printer on the raw port.
        if s.parse::<std::net::IpAddr>().is_ok() {
            return host_port(s);
        }
        let queue = s.strip_prefix("cups:").unwrap_or(s);
        if queue.contains(':')
            && queue
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            return host_port(queue);
        }
        if queue.is_empty()
            || !queue
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        {
            return Err(bad());
        }
        Ok(PrinterTarget::Cups {
            queue: queue.to_string(),
        })
    }

    /// A device path that names an existing regular file or folder is refused: printing into
    /// it would overwrite it. (A device that is unplugged now may not exist yet; that is fine.)
    pub fn check_not_a_file(&self) -> Result<()> {
        if let PrinterTarget::Device { path } = self
            && let Ok(m) = std::fs::metadata(path)
            && (m.is_file() || m.is_dir())
        {
            return Err(CoreError::PrinterNotADevice {
                printer: path.clone(),
            });
        }
        Ok(())
    }

    /// The canonical spelling, as stored and shown.
    pub fn spec(&self) -> String {
        match self {
            PrinterTarget::Tcp { host, port } if host.contains(':') => {
                format!("tcp://[{host}]:{port}")
            }
            PrinterTarget::Tcp { host, port } => format!("tcp://{host}:{port}"),
            PrinterTarget::Device { path } => path.clone(),
            PrinterTarget::Cups { queue } => format!("cups:{queue}"),
        }
    }
}

/// A printer found on this computer, for the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FoundPrinter {
    /// What to store as the `printer` setting.
    pub spec: String,
    pub label: String,
    /// cups, device or network.
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Sending,
    Printed,
    Failed,
    Cancelled,
}

impl JobStatus {
    fn parse(s: &str) -> JobStatus {
        match s {
            "sending" => JobStatus::Sending,
            "printed" => JobStatus::Printed,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            _ => JobStatus::Queued,
        }
    }
}

/// A job as the window and the CLI show it (without its bytes).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PrintJob {
    pub id: i64,
    pub created_at: String,
    pub document: String,
    pub sale_id: Option<i64>,
    pub printer: String,
    pub status: JobStatus,
    pub attempts: i64,
    pub next_attempt_at: String,
    /// The code of the last failure (printer_unreachable, printer_paper_out, ...).
    pub last_error: Option<String>,
    /// The last failure worded in the shop's language.
    pub last_message: Option<String>,
    pub printed_at: Option<String>,
}

/// A claimed job: what to send where.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub printer: String,
    pub payload: Vec<u8>,
    pub attempt: i64,
}

/// Delay before retry `attempt` (1-based): 2 s, 4 s, 8 s, 16 s, 30 s, then every 60 s.
pub fn backoff(attempt: i64) -> Duration {
    let secs = match attempt {
        i64::MIN..=1 => 2,
        2 => 4,
        3 => 8,
        4 => 16,
        5 => 30,
        _ => 60,
    };
    Duration::seconds(secs)
}

/// A job that has not printed this long after it was (re)queued stops retrying by itself.
pub const GIVE_UP_AFTER_MINUTES: i64 = 15;

/// The largest payload accepted (a receipt is a few KB; a logo adds some).
pub const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// A job is due when it is queued and its retry time has come (?1 = now), or when it was left
/// `sending` by a worker that died a minute ago (?2 = a minute ago).
const DUE: &str = "((status = 'queued' AND next_attempt_at <= ?1)
                    OR (status = 'sending' AND next_attempt_at <= ?2))";

/// Job ?3 when it is waiting for a person to send it: queued, failed, or left `sending`.
const WAITING_ID: &str = "id = ?3 AND (status IN ('queued', 'failed')
                                       OR (status = 'sending' AND next_attempt_at <= ?2))";

const JOB_COLUMNS: &str = "id, created_at, document, sale_id, printer, status, attempts,
     next_attempt_at, last_error, printed_at";

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PrintJob> {
    let status: String = r.get(5)?;
    Ok(PrintJob {
        id: r.get(0)?,
        created_at: r.get(1)?,
        document: r.get(2)?,
        sale_id: r.get(3)?,
        printer: r.get(4)?,
        status: JobStatus::parse(&status),
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        last_error: r.get(8)?,
        last_message: None,
        printed_at: r.get(9)?,
    })
}

/// Words for a stored failure code, in a language (the queue stores codes, not sentences).
pub fn failure_message(code: &str, printer: &str, lang: crate::error::Lang) -> String {
    let p = printer.to_string();
    let e = match code {
        "printer_unreachable" => CoreError::PrinterUnreachable { printer: p },
        "printer_timeout" => CoreError::PrinterTimeout { printer: p },
        "printer_paper_out" => CoreError::PrinterPaperOut { printer: p },
        "permission_denied" => CoreError::PermissionDenied { path: p },
        "printer_reset" => CoreError::PrinterReset { printer: p },
        "printer_not_a_device" => CoreError::PrinterNotADevice { printer: p },
        "printer_no_cups" => CoreError::PrinterNoCups { printer: p },
        "printer_no_status" => CoreError::PrinterNoStatus { printer: p },
        other => CoreError::PrinterFailed {
            printer: p,
            detail: other.to_string(),
        },
    };
    e.message(lang)
}

impl Shop {
    /// Queues `payload` for `printer` (a committed sale's receipt, or a test page).
    pub fn enqueue_print(
        &mut self,
        document: &str,
        sale_id: Option<i64>,
        printer: &PrinterTarget,
        payload: &[u8],
    ) -> Result<i64> {
        if payload.is_empty() || payload.len() > MAX_PAYLOAD {
            return Err(CoreError::invalid(
                Field::PrintJob,
                Problem::OutOfRange {
                    value: payload.len().to_string(),
                    min: "1".into(),
                    max: MAX_PAYLOAD.to_string(),
                },
            ));
        }
        if let Some(id) = sale_id {
            self.sale(id)?;
        }
        let now = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO print_jobs(created_at, queued_at, document, sale_id, printer, payload,
                                    status, next_attempt_at, actor)
             VALUES (?1, ?1, ?2, ?3, ?4, ?5, 'queued', ?1, ?6)",
            params![now, document, sale_id, printer.spec(), payload, actor],
        )?;
        let id = tx.last_insert_rowid();
        // A new receipt of a sale replaces its copies still waiting: one sale, one print.
        if let Some(sale) = sale_id {
            tx.execute(
                "UPDATE print_jobs SET status = 'cancelled'
                 WHERE sale_id = ?1 AND document = ?2 AND id != ?3 AND status IN ('queued', 'failed')",
                params![sale, document, id],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Claims the oldest due job (status → sending, attempts + 1). Jobs left `sending` by a
    /// worker that died are due again after a minute.
    pub fn claim_print_job(&mut self) -> Result<Option<ClaimedJob>> {
        self.claim(None)
    }

    /// Claims one given job if it is waiting (queued, or failed), whatever its backoff: a
    /// person asked for this one now.
    pub fn claim_print_job_id(&mut self, id: i64) -> Result<Option<ClaimedJob>> {
        self.claim(Some(id))
    }

    fn claim(&mut self, only: Option<i64>) -> Result<Option<ClaimedJob>> {
        let now = self.clock.now();
        let now_s = stamp(now);
        let stale = stamp(now - Duration::seconds(60));
        let tx = self.system_tx()?;
        let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
        let select = |filter: &str| {
            format!(
                "SELECT id, printer, payload, attempts FROM print_jobs WHERE {filter} ORDER BY id LIMIT 1"
            )
        };
        let job: Option<(i64, String, Vec<u8>, i64)> = match only {
            None => tx.query_row(&select(DUE), params![now_s, stale], row),
            Some(id) => tx.query_row(&select(WAITING_ID), params![now_s, stale, id], row),
        }
        .optional()?;
        let Some((id, printer, payload, attempts)) = job else {
            return Ok(None);
        };
        // A job given up on gets a fresh give-up window when someone sends it again.
        tx.execute(
            "UPDATE print_jobs SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?2,
                                   queued_at = CASE WHEN status = 'failed' THEN ?2 ELSE queued_at END
             WHERE id = ?1",
            params![id, now_s],
        )?;
        tx.commit()?;
        Ok(Some(ClaimedJob {
            id,
            printer,
            payload,
            attempt: attempts + 1,
        }))
    }

    /// The jobs due now, oldest first.
    pub fn due_print_jobs(&self) -> Result<Vec<i64>> {
        let now = self.clock.now();
        let mut st = self.conn.prepare(&format!(
            "SELECT id FROM print_jobs WHERE {DUE} ORDER BY id"
        ))?;
        Ok(st
            .query_map(
                params![stamp(now), stamp(now - Duration::seconds(60))],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Makes every waiting job (queued or given up) due now, for "print what is waiting".
    pub fn retry_all_print_jobs(&mut self) -> Result<usize> {
        let now = stamp(self.clock.now());
        let tx = self.write_tx()?;
        let n = tx.execute(
            "UPDATE print_jobs SET status = 'queued', next_attempt_at = ?1,
                                   queued_at = CASE WHEN status = 'failed' THEN ?1 ELSE queued_at END
             WHERE status IN ('queued', 'failed')",
            [now],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Records the outcome of a claimed job: printed, or back in the queue with a delay (or
    /// failed for good when it has been trying for too long).
    pub fn finish_print_job(
        &mut self,
        id: i64,
        outcome: std::result::Result<(), &CoreError>,
    ) -> Result<JobStatus> {
        let now = self.clock.now();
        let tx = self.system_tx()?;
        let (attempts, queued_at, document): (i64, String, String) = tx
            .query_row(
                "SELECT attempts, queued_at, document FROM print_jobs WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(CoreError::PrintJobNotFound { id })?;
        let status = match outcome {
            Ok(()) => {
                tx.execute(
                    "UPDATE print_jobs SET status = 'printed', printed_at = ?2, last_error = NULL
                     WHERE id = ?1",
                    params![id, stamp(now)],
                )?;
                // Other copies of the same receipt still waiting are no longer wanted.
                tx.execute(
                    "UPDATE print_jobs SET status = 'cancelled'
                     WHERE id != ?1 AND status IN ('queued', 'failed') AND sale_id IS NOT NULL
                       AND (sale_id, document) =
                           (SELECT sale_id, document FROM print_jobs WHERE id = ?1)",
                    [id],
                )?;
                JobStatus::Printed
            }
            Err(e) => {
                let queued: DateTime<Utc> = parse_stamp(&queued_at).unwrap_or(now);
                // Retrying cannot fix a file that is not a printer or a missing CUPS.
                // A test page is wanted now or not at all.
                let permanent = matches!(e.code(), "printer_not_a_device" | "printer_no_cups")
                    || document == "test";
                let give_up = permanent || now - queued >= Duration::minutes(GIVE_UP_AFTER_MINUTES);
                let status = if give_up {
                    JobStatus::Failed
                } else {
                    JobStatus::Queued
                };
                tx.execute(
                    "UPDATE print_jobs SET status = ?2, last_error = ?3, next_attempt_at = ?4
                     WHERE id = ?1 AND status = 'sending'",
                    params![
                        id,
                        if give_up { "failed" } else { "queued" },
                        e.code(),
                        stamp(now + backoff(attempts))
                    ],
                )?;
                status
            }
        };
        tx.commit()?;
        Ok(status)
    }

    /// "Coba lagi": a failed or waiting job is due now, with a fresh give-up window.
    pub fn retry_print_job(&mut self, id: i64) -> Result<()> {
        let now = stamp(self.clock.now());
        let tx = self.write_tx()?;
        let n = tx.execute(
            "UPDATE print_jobs SET status = 'queued', queued_at = ?2, next_attempt_at = ?2
             WHERE id = ?1 AND status IN ('queued', 'failed', 'cancelled')",
            params![id, now],
        )?;
        found_unless_none_changed(&tx, id, n)?;
        tx.commit()?;
        Ok(())
    }

    /// Stops a job that has not printed yet.
    pub fn cancel_print_job(&mut self, id: i64) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx.execute(
            "UPDATE print_jobs SET status = 'cancelled' WHERE id = ?1 AND status IN ('queued', 'failed')",
            [id],
        )?;
        found_unless_none_changed(&tx, id, n)?;
        tx.commit()?;
        Ok(())
    }

    pub fn print_job(&self, id: i64) -> Result<PrintJob> {
        let lang = self.document_lang()?;
        self.conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM print_jobs WHERE id = ?1"),
                [id],
                job_row,
            )
            .optional()?
            .map(|j| word(j, lang))
            .ok_or(CoreError::PrintJobNotFound { id })
    }

    /// Recent jobs, newest first; `open_only` keeps those not printed nor cancelled.
    pub fn print_jobs(&self, open_only: bool, limit: i64) -> Result<Vec<PrintJob>> {
        let lang = self.document_lang()?;
        let filter = if open_only {
            "WHERE status IN ('queued', 'sending', 'failed')"
        } else {
            ""
        };
        let mut st = self.conn.prepare(&format!(
            "SELECT {JOB_COLUMNS} FROM print_jobs {filter} ORDER BY id DESC LIMIT ?1"
        ))?;
        let jobs = st
            .query_map([limit], job_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(jobs.into_iter().map(|j| word(j, lang)).collect())
    }

    /// The newest job of a sale's receipt, if it was ever sent to a printer.
    pub fn print_job_for_sale(&self, sale_id: i64) -> Result<Option<PrintJob>> {
        let lang = self.document_lang()?;
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM print_jobs WHERE sale_id = ?1 ORDER BY id DESC LIMIT 1"
                ),
                [sale_id],
                job_row,
            )
            .optional()?
            .map(|j| word(j, lang)))
    }

    /// When the next queued job is due (for a worker to sleep until then).
    pub fn next_print_due(&self) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self.conn.query_row(
            "SELECT min(next_attempt_at) FROM print_jobs WHERE status IN ('queued', 'sending')",
            [],
            |r| r.get(0),
        )?;
        Ok(s.and_then(|s| parse_stamp(&s).ok()))
    }
}

/// After an update that changed `changed` rows of job `id`: none changed is fine for a job
/// in another state, and an error for a job that does not exist.
fn found_unless_none_changed(conn: &rusqlite::Connection, id: i64, changed: usize) -> Result<()> {
    if changed > 0 {
        return Ok(());
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM print_jobs WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if exists {
        Ok(())
    } else {
        Err(CoreError::PrintJobNotFound { id })
    }
}

fn word(mut j: PrintJob, lang: crate::error::Lang) -> PrintJob {
    j.last_message = j
        .last_error
        .as_deref()
        .map(|c| failure_message(c, &j.printer, lang));
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_specs_parse_to_one_spelling() {
        let t = |s: &str| PrinterTarget::parse(s).map(|t| t.spec());
        assert_eq!(t("tcp://192.168.1.50").unwrap(), "tcp://192.168.1.50:9100");
        assert_eq!(t("192.168.1.50:9100").unwrap(), "tcp://192.168.1.50:9100");
        assert_eq!(
            t("tcp://printer.local:9101/").unwrap(),
            "tcp://printer.local:9101"
        );
        assert_eq!(t("tcp://[::1]:9100").unwrap(), "tcp://[::1]:9100");
        assert_eq!(t("/dev/usb/lp0").unwrap(), "/dev/usb/lp0");
        assert_eq!(t("COM3").unwrap(), "COM3");
        assert_eq!(t(r"\\KASIR\XP58").unwrap(), r"\\KASIR\XP58");
        assert_eq!(
            t("COM").unwrap(),
            "cups:COM",
            "a queue called COM, not a port"
        );
        assert_eq!(t("XP-58").unwrap(), "cups:XP-58");
        assert_eq!(t("cups:EPSON_TM_T82").unwrap(), "cups:EPSON_TM_T82");
        for bad in [
            "",
            "tcp://",
            "tcp://host:0",
            "tcp://host:99999",
            "a b",
            "/dev/../etc/passwd",
            "x\u{7}",
        ] {
            assert!(t(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let s: Vec<i64> = (1..=8).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(s, vec![2, 4, 8, 16, 30, 60, 60, 60]);
    }
}
