//! Getting bytes to a printer: raw TCP (port 9100), a device file (USB, Bluetooth serial) or
//! a CUPS queue in raw mode. Every send runs on its own thread under one deadline, so a
//! printer that never answers (or a name that never resolves, or a device write that
//! blocks) costs a bounded wait and an error, never a frozen window.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pasar_core::error::CoreError;
use pasar_core::print_queue::{FoundPrinter, PrinterTarget};

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To open a connection (TCP) or the device.
    pub connect: Duration,
    /// For the whole job to be accepted once connected.
    pub write: Duration,
    /// To wait for the printer's answer to a paper-status query (DLE EOT 4).
    pub status: Duration,
    /// A network printer must answer the status query before and after the job (on by
    /// default; off for printers that cannot answer, which are then only trusted to have
    /// received the bytes).
    pub confirm: bool,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(10),
            status: Duration::from_millis(1500),
            confirm: true,
        }
    }
}

/// Sends one job. Errors: `PrinterUnreachable` (nothing answers), `PrinterTimeout` (it
/// stopped accepting), `PrinterPaperOut`, `PermissionDenied` (a device the user may not
/// write), `PrinterFailed` (refused, reset, `lp` failed).
pub fn send(target: &PrinterTarget, bytes: &[u8], t: &Timeouts) -> Result<(), CoreError> {
    let deadline = t.connect + t.write + t.status + Duration::from_secs(1);
    let (tx, rx) = mpsc::channel();
    let target2 = target.clone();
    let bytes = bytes.to_vec();
    let t2 = *t;
    std::thread::Builder::new()
        .name("print-send".into())
        .spawn(move || {
            let _ = tx.send(send_now(&target2, &bytes, &t2));
        })
        .map_err(|e| CoreError::PrinterFailed {
            printer: target.spec(),
            detail: e.to_string(),
        })?;
    match rx.recv_timeout(deadline) {
        Ok(r) => r,
        // The thread is left to finish (or not) on its own; its result is no longer wanted.
        Err(_) => Err(CoreError::PrinterTimeout {
            printer: target.spec(),
        }),
    }
}

fn send_now(target: &PrinterTarget, bytes: &[u8], t: &Timeouts) -> Result<(), CoreError> {
    let spec = target.spec();
    match target {
        PrinterTarget::Tcp { host, port } => send_tcp(&spec, host, *port, bytes, t),
        PrinterTarget::Device { path } => send_device(&spec, path, bytes),
        PrinterTarget::Cups { queue } => send_cups(&spec, queue, bytes, t),
    }
}

fn io_error(spec: &str, e: &std::io::Error) -> CoreError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused
        | K::NotFound
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::AddrNotAvailable
        | K::NotConnected => CoreError::PrinterUnreachable {
            printer: spec.to_string(),
        },
        K::TimedOut | K::WouldBlock => CoreError::PrinterTimeout {
            printer: spec.to_string(),
        },
        K::PermissionDenied => CoreError::PermissionDenied {
            path: spec.to_string(),
        },
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            CoreError::PrinterReset {
                printer: spec.to_string(),
            }
        }
        _ => CoreError::PrinterFailed {
            printer: spec.to_string(),
            detail: e.to_string(),
        },
    }
}

fn send_tcp(
    spec: &str,
    host: &str,
    port: u16,
    bytes: &[u8],
    t: &Timeouts,
) -> Result<(), CoreError> {
    let unreachable = || CoreError::PrinterUnreachable {
        printer: spec.to_string(),
    };
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|_| unreachable())?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, t.connect) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let Some(mut s) = stream else {
        return Err(last.map_or_else(unreachable, |e| match io_error(spec, &e) {
            CoreError::PrinterTimeout { .. } => unreachable(),
            other => other,
        }));
    };
    let _ = s.set_nodelay(true);
    s.set_write_timeout(Some(t.write))
        .map_err(|e| io_error(spec, &e))?;
    // Real-time paper status (DLE EOT 4): bits 5 and 6 set = roll end. Printers that do not
    // answer are not held against.
    let mut answers = false;
    if !t.status.is_zero() {
        s.set_read_timeout(Some(t.status))
            .map_err(|e| io_error(spec, &e))?;
        s.write_all(&STATUS_QUERY).map_err(|e| io_error(spec, &e))?;
        answers = paper_status(spec, &mut s)?;
        if !answers && t.confirm {
            return Err(CoreError::PrinterNoStatus {
                printer: spec.to_string(),
            });
        }
    }
    let started = Instant::now();
    for chunk in bytes.chunks(4096) {
        s.write_all(chunk).map_err(|e| io_error(spec, &e))?;
        if started.elapsed() > t.write {
            return Err(CoreError::PrinterTimeout {
                printer: spec.to_string(),
            });
        }
    }
    s.flush().map_err(|e| io_error(spec, &e))?;
    // A printer that answered before must answer again after the job: it has then read every
    // byte (TCP keeps order), and its paper did not run out on the way.
    if answers {
        // Bytes the printer sent meanwhile (a repeated answer) are not the answer to this query.
        drain(&mut s);
        s.set_read_timeout(Some(t.write))
            .map_err(|e| io_error(spec, &e))?;
        s.write_all(&STATUS_QUERY).map_err(|e| io_error(spec, &e))?;
        if !paper_status(spec, &mut s)? {
            return Err(CoreError::PrinterTimeout {
                printer: spec.to_string(),
            });
        }
    }
    // Closing our side tells the printer the job is complete.
    let _ = s.shutdown(std::net::Shutdown::Write);
    Ok(())
}

/// DLE EOT 4: transmit the paper roll sensor status.
const STATUS_QUERY: [u8; 3] = [0x10, 0x04, 0x04];

/// Reads the answer to a paper-status query: Ok(true) = paper present, Ok(false) = no
/// answer in time, Err = paper out or the connection went away.
fn paper_status(spec: &str, s: &mut TcpStream) -> Result<bool, CoreError> {
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        // Fixed bits 0x12 (bits 1 and 4 set, 0 and 7 clear); bits 5-6 = roll end.
        Ok(1) if b[0] & 0x93 == 0x12 && b[0] & 0x60 == 0x60 => Err(CoreError::PrinterPaperOut {
            printer: spec.to_string(),
        }),
        Ok(1) if b[0] & 0x93 == 0x12 => Ok(true),
        // Not a paper-status byte: no valid answer.
        Ok(1) => Ok(false),
        Ok(_) => Err(CoreError::PrinterReset {
            printer: spec.to_string(),
        }),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(io_error(spec, &e)),
    }
}

/// Discards whatever the printer has sent that was not asked for.
fn drain(s: &mut TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_millis(30)));
    let mut buf = [0u8; 64];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

fn send_device(spec: &str, path: &str, bytes: &[u8]) -> Result<(), CoreError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(spec, &e))?;
    if !is_device(&meta) {
        return Err(CoreError::PrinterNotADevice {
            printer: spec.to_string(),
        });
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| io_error(spec, &e))?;
    f.write_all(bytes).map_err(|e| io_error(spec, &e))?;
    f.flush().map_err(|e| io_error(spec, &e))?;
    Ok(())
}

fn send_cups(spec: &str, queue: &str, bytes: &[u8], t: &Timeouts) -> Result<(), CoreError> {
    let mut child = Command::new("lp")
        .args(["-d", queue, "-o", "raw", "-t", "PasarSuara"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CoreError::PrinterNoCups {
                    printer: spec.to_string(),
                }
            } else {
                io_error(spec, &e)
            }
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(bytes).map_err(|e| io_error(spec, &e))?;
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let first = err.lines().next().unwrap_or("").trim().to_string();
                let unknown = first.contains("does not exist") || first.contains("tidak ada");
                if unknown {
                    return Err(CoreError::PrinterUnreachable {
                        printer: spec.to_string(),
                    });
                }
                return Err(CoreError::PrinterFailed {
                    printer: spec.to_string(),
                    detail: if first.is_empty() {
                        format!("lp {status}")
                    } else {
                        first.chars().take(120).collect()
                    },
                });
            }
            Ok(None) if started.elapsed() > t.connect + t.write => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CoreError::PrinterTimeout {
                    printer: spec.to_string(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(io_error(spec, &e)),
        }
    }
}

/// A printer device: a character device (USB, serial, Bluetooth), a pipe or a socket — never a
/// regular file or a folder (writing a receipt into a file would destroy it).
pub fn is_device(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let ft = meta.file_type();
        ft.is_char_device() || ft.is_fifo() || ft.is_socket()
    }
    #[cfg(not(unix))]
    {
        !meta.is_file() && !meta.is_dir()
    }
}

/// Printers this computer can see: CUPS queues (`lpstat -e`) and printer-like device files.
/// Network printers are not scanned for: their address is typed (and tried with a test page).
pub fn discover() -> Vec<FoundPrinter> {
    let mut found = Vec::new();
    if let Some(out) = run_with_timeout("lpstat", &["-e"], Duration::from_secs(2)) {
        for name in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Ok(t) = PrinterTarget::parse(&format!("cups:{name}")) {
                found.push(FoundPrinter {
                    spec: t.spec(),
                    label: format!("{name} (CUPS)"),
                    kind: "cups".into(),
                });
            }
        }
    }
    for (dir, prefixes) in [
        ("/dev/usb", &["lp"][..]),
        ("/dev", &["rfcomm", "ttyUSB", "ttyACM"][..]),
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| prefixes.iter().any(|p| n.starts_with(p)))
            .collect();
        names.sort();
        for n in names {
            let path = format!("{dir}/{n}");
            let label = if n.starts_with("rfcomm") {
                format!("{path} (Bluetooth)")
            } else {
                format!("{path} (USB)")
            };
            found.push(FoundPrinter {
                spec: path,
                label,
                kind: "device".into(),
            });
        }
    }
    found
}

fn run_with_timeout(cmd: &str, args: &[&str], limit: Duration) -> Option<String> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(s)) if s.success() => {
                let mut out = String::new();
                child.stdout.take()?.read_to_string(&mut out).ok()?;
                return Some(out);
            }
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
