//! The print queue against fake printers on loopback: one that prints, one that is off, one
//! out of paper, one that resets the connection, one that hangs. The sale is committed before
//! any of this and is never touched by it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pasar_core::{JobStatus, PrinterTarget};
use pasar_print::{Timeouts, print_due, queue_receipt, queue_test_page, send};

use crate::common::{Ev, decode, full_sale, lines, shop};

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        write: Duration::from_millis(800),
        status: Duration::from_millis(150),
        confirm: true,
    }
}

/// How the fake printer behaves.
#[derive(Clone, Copy)]
enum Mode {
    /// Answers the paper status with "paper present" (or not at all), then reads everything.
    Prints {
        answers_status: bool,
    },
    PaperOut,
    Resets,
    /// Accepts and never reads.
    Hangs,
}

/// A printer on 127.0.0.1: each connection's bytes are sent to the channel.
fn fake_printer(listener: TcpListener, mode: Mode) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { break };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                match mode {
                    Mode::Hangs => {
                        std::thread::sleep(Duration::from_secs(30));
                        return;
                    }
                    Mode::Resets => {
                        // SO_LINGER 0: closing sends a reset, as a printer rebooting does.
                        use std::os::fd::AsRawFd;
                        let lg = libc::linger {
                            l_onoff: 1,
                            l_linger: 0,
                        };
                        // SAFETY: a valid socket and a correctly sized option value.
                        unsafe {
                            libc::setsockopt(
                                s.as_raw_fd(),
                                libc::SOL_SOCKET,
                                libc::SO_LINGER,
                                (&lg as *const libc::linger).cast(),
                                std::mem::size_of::<libc::linger>() as libc::socklen_t,
                            );
                        }
                        drop(s);
                        return;
                    }
                    _ => {}
                }
                // The status query comes first.
                let mut q = [0u8; 3];
                if s.read_exact(&mut q).is_err() {
                    return;
                }
                got.extend_from_slice(&q);
                if q == [0x10, 0x04, 0x04] {
                    match mode {
                        Mode::PaperOut => {
                            let _ = s.write_all(&[0x72]);
                            return;
                        }
                        Mode::Prints {
                            answers_status: true,
                        } => {
                            let _ = s.write_all(&[0x12]);
                        }
                        _ => {}
                    }
                }
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            got.extend_from_slice(&buf[..n]);
                            // The status asked again after the job: answer it like a printer.
                            if matches!(
                                mode,
                                Mode::Prints {
                                    answers_status: true
                                }
                            ) && got.len() > 3
                                && got.ends_with(&[0x10, 0x04, 0x04])
                            {
                                let _ = s.write_all(&[0x12]);
                            }
                        }
                    }
                }
                let _ = tx.send(got);
            });
        }
    });
    rx
}

fn target(port: u16) -> String {
    format!("tcp://127.0.0.1:{port}")
}

/// A port with nothing listening (bound, then released).
fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let p = l.local_addr().unwrap().port();
    drop(l);
    p
}

#[test]
fn a_receipt_reaches_a_network_printer_whole() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    for answers_status in [true, false] {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let rx = fake_printer(l, Mode::Prints { answers_status });
        let job = queue_receipt(&mut shop, id, Some(&target(port))).unwrap();
        // A printer that cannot answer status queries is trusted only with the check off.
        let t = Timeouts {
            confirm: answers_status,
            ..quick()
        };
        let done = print_due(&mut shop, &t, None).unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(
            (done[0].0, done[0].1),
            (job, JobStatus::Printed),
            "{:?}",
            done[0].2
        );
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let ev = decode(&got);
        assert_eq!(ev[0], Ev::StatusQuery(4), "paper status asked first");
        assert_eq!(ev[1], Ev::Init);
        let job_end = ev.iter().rev().find(|e| !matches!(e, Ev::StatusQuery(_)));
        assert!(matches!(job_end, Some(Ev::Cut(_))), "{job_end:?}");
        // A printer that answers is asked again after the job: it has read every byte.
        assert_eq!(ev.last() == Some(&Ev::StatusQuery(4)), answers_status);
        let text = lines(&ev).join("\n");
        assert!(
            text.contains("Beras Pulen") && text.contains("TOTAL"),
            "{text}"
        );
        let j = shop.print_job(job).unwrap();
        assert_eq!(j.status, JobStatus::Printed);
        assert!(j.printed_at.is_some() && j.last_error.is_none());
    }
}

#[test]
fn a_printer_that_is_off_keeps_the_job_queued_until_it_is_back() {
    let (mut shop, clock) = shop();
    let id = full_sale(&mut shop);
    let before = shop.sale(id).unwrap();
    let port = dead_port();
    let job = queue_receipt(&mut shop, id, Some(&target(port))).unwrap();
    let done = print_due(&mut shop, &quick(), None).unwrap();
    assert_eq!(done[0].1, JobStatus::Queued);
    assert_eq!(done[0].2.as_ref().unwrap().code(), "printer_unreachable");
    let j = shop.print_job(job).unwrap();
    assert_eq!((j.status, j.attempts), (JobStatus::Queued, 1));
    assert_eq!(j.last_error.as_deref(), Some("printer_unreachable"));
    assert!(j.last_message.unwrap().contains("tidak menjawab"));
    // Not due again before its backoff.
    assert!(print_due(&mut shop, &quick(), None).unwrap().is_empty());
    clock.advance(chrono::Duration::seconds(2));
    assert_eq!(
        print_due(&mut shop, &quick(), None).unwrap()[0].1,
        JobStatus::Queued
    );
    assert_eq!(shop.print_job(job).unwrap().attempts, 2);
    // The printer comes back on the same address.
    let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let rx = fake_printer(
        l,
        Mode::Prints {
            answers_status: true,
        },
    );
    assert!(
        print_due(&mut shop, &quick(), None).unwrap().is_empty(),
        "waits 4 s now"
    );
    clock.advance(chrono::Duration::seconds(4));
    let done = print_due(&mut shop, &quick(), None).unwrap();
    assert_eq!(done[0].1, JobStatus::Printed, "{:?}", done[0].2);
    assert!(!rx.recv_timeout(Duration::from_secs(5)).unwrap().is_empty());
    // The sale and the books never moved.
    assert_eq!(shop.sale(id).unwrap(), before);
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn paper_out_reset_and_hang_are_errors_with_their_own_codes() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    let bytes =
        pasar_print::render_receipt(&shop, id, pasar_print::Format::EscPos, None, None).unwrap();
    let cases = [
        (Mode::PaperOut, "printer_paper_out"),
        (Mode::Resets, "printer_reset"),
    ];
    for (mode, code) in cases {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let _rx = fake_printer(l, mode);
        let t = PrinterTarget::parse(&target(port)).unwrap();
        let err = send(&t, &bytes, &quick()).unwrap_err();
        assert_eq!(err.code(), code, "{err:?}");
    }
    // A printer that accepts and never reads is not "printed": it never confirms.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let _rx = fake_printer(l, Mode::Hangs);
    let t = PrinterTarget::parse(&target(port)).unwrap();
    assert_eq!(
        send(&t, &bytes, &quick()).unwrap_err().code(),
        "printer_no_status"
    );
    // With the check off, a job bigger than the socket buffers stalls the write; the send
    // gives up within its bound.
    let unchecked = Timeouts {
        confirm: false,
        ..quick()
    };
    let big = vec![b'x'; 48 * 1024 * 1024];
    let started = Instant::now();
    let err = send(&t, &big, &unchecked).unwrap_err();
    assert_eq!(err.code(), "printer_timeout", "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        started.elapsed()
    );
    // A connection that is accepted but never answered at all: still bounded.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let held = l; // never accepts: the kernel completes the handshake, nobody reads
    let t = PrinterTarget::parse(&target(port)).unwrap();
    let started = Instant::now();
    let r = send(&t, &big, &unchecked);
    assert!(r.is_err() && started.elapsed() < Duration::from_secs(5));
    drop(held);
}

#[test]
fn a_job_gives_up_after_fifteen_minutes_and_retry_brings_it_back() {
    let (mut shop, clock) = shop();
    let id = full_sale(&mut shop);
    let port = dead_port();
    let job = queue_receipt(&mut shop, id, Some(&target(port))).unwrap();
    for _ in 0..40 {
        print_due(&mut shop, &quick(), None).unwrap();
        clock.advance(chrono::Duration::seconds(60));
    }
    let j = shop.print_job(job).unwrap();
    assert_eq!(j.status, JobStatus::Failed);
    assert!(j.attempts >= 15 && j.attempts < 40, "{}", j.attempts);
    assert!(
        print_due(&mut shop, &quick(), None).unwrap().is_empty(),
        "failed jobs wait for a person"
    );
    assert_eq!(
        shop.print_jobs(true, 10).unwrap().len(),
        1,
        "still listed as open"
    );
    shop.retry_print_job(job).unwrap();
    assert_eq!(shop.print_job(job).unwrap().status, JobStatus::Queued);
    let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let _rx = fake_printer(
        l,
        Mode::Prints {
            answers_status: true,
        },
    );
    assert_eq!(
        print_due(&mut shop, &quick(), None).unwrap()[0].1,
        JobStatus::Printed
    );
    assert!(shop.print_jobs(true, 10).unwrap().is_empty());
    assert_eq!(shop.print_job_for_sale(id).unwrap().unwrap().id, job);
    assert_eq!(
        shop.retry_print_job(9999).unwrap_err().code(),
        "print_job_not_found"
    );
}

#[test]
fn a_worker_that_dies_mid_send_leaves_the_job_to_be_sent_again() {
    let (mut shop, clock) = shop();
    let id = full_sale(&mut shop);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let rx = fake_printer(
        l,
        Mode::Prints {
            answers_status: true,
        },
    );
    let job = queue_receipt(&mut shop, id, Some(&target(port))).unwrap();
    let claimed = shop.claim_print_job().unwrap().unwrap();
    assert_eq!(claimed.id, job);
    // ... and the worker is gone. Nobody else takes it at once,
    assert!(shop.claim_print_job().unwrap().is_none());
    // but a minute later it is due again.
    clock.advance(chrono::Duration::seconds(61));
    let done = print_due(&mut shop, &quick(), None).unwrap();
    assert_eq!(done[0], (job, JobStatus::Printed, None));
    assert!(rx.recv_timeout(Duration::from_secs(5)).is_ok());
}

#[test]
fn device_files_and_cups_queues() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    let dir = tempfile::tempdir().unwrap();
    // A device: a named pipe stands in for /dev/usb/lp0, with a reader as the printer.
    let dev = dir.path().join("lp0");
    let c = std::ffi::CString::new(dev.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let dev = dev.clone();
        std::thread::spawn(move || std::fs::read(dev).unwrap())
    };
    let job = queue_receipt(&mut shop, id, Some(dev.to_str().unwrap())).unwrap();
    assert_eq!(
        print_due(&mut shop, &quick(), None).unwrap()[0],
        (job, JobStatus::Printed, None)
    );
    let ev = decode(&reader.join().unwrap());
    assert_eq!(ev[0], Ev::Init);
    // A regular file is not a printer: writing a receipt into it would destroy it.
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"keep me").unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(
        queue_receipt(&mut shop, id, Some(f)).unwrap_err().code(),
        "printer_not_a_device"
    );
    assert_eq!(
        shop.set_setting("printer", f).unwrap_err().code(),
        "printer_not_a_device"
    );
    let t = PrinterTarget::parse(f).unwrap();
    assert_eq!(
        send(&t, b"x", &quick()).unwrap_err().code(),
        "printer_not_a_device"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    // An unplugged device.
    let gone = dir.path().join("lp9");
    let t = PrinterTarget::parse(gone.to_str().unwrap()).unwrap();
    assert_eq!(
        send(&t, b"x", &quick()).unwrap_err().code(),
        "printer_unreachable"
    );
    // A CUPS queue that does not exist (or no CUPS at all): an error, not a hang.
    let t = PrinterTarget::parse("cups:No_Such_Printer_Here").unwrap();
    let e = send(&t, b"x", &quick()).unwrap_err();
    assert!(
        matches!(
            e.code(),
            "printer_unreachable" | "printer_failed" | "printer_no_cups"
        ),
        "{e:?}"
    );
    // Test pages go through the same queue.
    let reader = {
        let dev = dev.clone();
        std::thread::spawn(move || std::fs::read(dev).unwrap())
    };
    let t = queue_test_page(&mut shop, Some(dev.to_str().unwrap())).unwrap();
    print_due(&mut shop, &quick(), None).unwrap();
    assert_eq!(shop.print_job(t).unwrap().status, JobStatus::Printed);
    let text = lines(&decode(&reader.join().unwrap())).join("\n");
    assert!(
        text.contains("TES PRINTER") && text.contains("Rp 12.500"),
        "{text}"
    );
}

#[test]
fn printing_needs_a_printer_and_a_committed_sale() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    assert_eq!(
        queue_receipt(&mut shop, id, None).unwrap_err().code(),
        "printer_not_set"
    );
    assert_eq!(
        queue_receipt(&mut shop, 999, Some("tcp://127.0.0.1:9"))
            .unwrap_err()
            .code(),
        "sale_not_found"
    );
    for bad in ["tcp://", "a b c", "tcp://host:99999"] {
        assert_eq!(
            queue_receipt(&mut shop, id, Some(bad)).unwrap_err().code(),
            "bad_format",
            "{bad}"
        );
        assert!(shop.set_setting("printer", bad).is_err());
    }
    shop.set_setting("printer", "192.168.1.50").unwrap();
    assert_eq!(
        shop.setting("printer").unwrap().as_deref(),
        Some("tcp://192.168.1.50:9100")
    );
    assert!(
        shop.print_jobs(false, 10).unwrap().is_empty(),
        "nothing queued by refusals"
    );
}

#[test]
fn one_sale_one_print_and_one_try_per_job_per_run() {
    let (mut shop, _) = shop();
    let id = full_sale(&mut shop);
    let other = full_sale(&mut shop);
    let port = dead_port();
    // Three presses of "print" while the printer is off leave one job for the sale.
    let a = queue_receipt(&mut shop, id, Some(&target(port))).unwrap();
    let b = queue_receipt(&mut shop, id, Some(&target(port))).unwrap();
    let c = queue_receipt(&mut shop, other, Some(&target(port))).unwrap();
    assert_eq!(shop.print_job(a).unwrap().status, JobStatus::Cancelled);
    assert_eq!(shop.print_job(b).unwrap().status, JobStatus::Queued);
    // One run tries the dead printer once and leaves its other jobs for later.
    let done = print_due(&mut shop, &quick(), None).unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(shop.print_job(c).unwrap().attempts, 0);
    // `--pending` twice in a row: each job at most once per run.
    shop.retry_all_print_jobs().unwrap();
    let done = print_due(&mut shop, &quick(), None).unwrap();
    assert_eq!(done.len(), 1);
    // A copy printed elsewhere (another printer) ends the waiting ones for that sale.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let good = l.local_addr().unwrap().port();
    let _rx = fake_printer(
        l,
        Mode::Prints {
            answers_status: true,
        },
    );
    let d = queue_receipt(&mut shop, other, Some(&target(good))).unwrap();
    assert_eq!(shop.print_job(c).unwrap().status, JobStatus::Cancelled);
    assert_eq!(
        print_due(&mut shop, &quick(), Some(d)).unwrap()[0].1,
        JobStatus::Printed
    );
    // A test page that fails is not printed later by itself.
    let t = queue_test_page(&mut shop, Some(&target(port))).unwrap();
    print_due(&mut shop, &quick(), Some(t)).unwrap();
    assert_eq!(shop.print_job(t).unwrap().status, JobStatus::Failed);
    let _ = TcpStream::connect(("127.0.0.1", good));
}
