//! The print worker: a background thread that sends queued print jobs, one at a time, outside
//! the shop's lock. It sleeps until it is woken (a job was queued) or the next retry is due,
//! and tells the window what became of each job (`print-status`). A printer that is off or
//! hanging costs this thread a bounded wait, never the window.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use pasar_core::{CoreError, PrinterTarget};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// Wakes the worker (after a job is queued or retried).
#[derive(Clone)]
pub struct Wake(Sender<()>);

impl Wake {
    pub fn now(&self) {
        let _ = self.0.send(());
    }
}

/// Starts the worker; None (logged) if the system refuses a thread: the app still runs,
/// and receipts wait in the queue for the next start.
pub fn start(app: AppHandle) -> Option<Wake> {
    let (tx, rx) = channel();
    let log = app.clone();
    match std::thread::Builder::new()
        .name("print-worker".into())
        .spawn(move || run(app, rx))
    {
        Ok(_) => Some(Wake(tx)),
        Err(e) => {
            log.state::<AppState>()
                .log(&format!("cannot start the print worker: {e}"));
            None
        }
    }
}

fn run(app: AppHandle, wake: Receiver<()>) {
    let state = app.state::<AppState>();
    loop {
        let claimed = state
            .with_shop_any(|shop| shop.claim_print_job())
            .ok()
            .flatten();
        let Some(job) = claimed else {
            // Sleep until woken, the next retry, or 5 s (a shop opened later, a clock change).
            let wait = state
                .with_shop_any(|shop| shop.next_print_due())
                .ok()
                .flatten()
                .map(|due| {
                    (due - chrono::Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .clamp(Duration::from_millis(100), Duration::from_secs(5))
                })
                .unwrap_or(Duration::from_secs(5));
            match wake.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        let _ = app.emit(
            "print-status",
            state.with_shop_any(|s| s.print_job(job.id)).ok(),
        );
        let timeouts = state
            .with_shop_any(|s| pasar_print::PrintSetup::of(s))
            .map(|s| s.timeouts())
            .unwrap_or_default();
        let outcome: Result<(), CoreError> = PrinterTarget::parse(&job.printer)
            .and_then(|t| pasar_print::send(&t, &job.payload, &timeouts));
        if let Err(e) = &outcome {
            state.log(&format!(
                "print job {} to {} failed (attempt {}): {}",
                job.id,
                job.printer,
                job.attempt,
                e.message(pasar_core::Lang::En)
            ));
        }
        let _ = state.with_shop_any(|s| s.finish_print_job(job.id, outcome.as_ref().map(|_| ())));
        let _ = app.emit(
            "print-status",
            state.with_shop_any(|s| s.print_job(job.id)).ok(),
        );
    }
}

/// Opens a link or a saved file with the desktop's own handler (browser, WhatsApp, PDF viewer).
pub fn open_external(target: &str) -> std::io::Result<()> {
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    };
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    let mut cmd = std::process::Command::new("xdg-open");
    cmd.arg(target)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}
