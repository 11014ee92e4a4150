//! The built `pasar-relay` binary: administered from the command line, serving real HTTP,
//! and killed with SIGKILL in the middle of a webhook flood — every delivery it answered 200
//! is there after a restart, once.

use pasar_link::client::Client;
use pasar_link::{EventBody, PairRequest};
use pasar_relay::whatsapp;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

const SECRET: &str = "bin-test-secret-77";

/// The binary on the store at `db` (a SQLite file, or its PostgreSQL database; `common::db`).
fn relay(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pasar-relay"));
    c.arg("--db").arg(common::db(db));
    c
}

/// Starts the server and returns it with its base URL (read from its first stdout line).
fn serve(db: &Path) -> (Child, String) {
    let mut child = relay(db)
        .args(["--listen", "127.0.0.1:0"])
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_VERIFY_TOKEN", "vt")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    (child, base)
}

fn message(pnid: &str, n: usize) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "880011223344", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100002222", "phone_number_id": pnid},
            "contacts": [{"profile": {"name": "Pelanggan"}, "wa_id": "6281200000000"}],
            "messages": [{"from": "6281200000000", "id": format!("wamid.FLOOD.{n:06}"),
                          "timestamp": "1795300000", "type": "text",
                          "text": {"body": format!("pesan ke-{n}")}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

#[test]
fn the_command_line_administers_shops_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let out = relay(&db)
        .args([
            "shop",
            "create",
            "--name",
            "Warung Bu Sri",
            "--whatsapp-number-id",
            "777",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("shop 1 created: Warung Bu Sri"), "{text}");
    assert!(text.contains("pairing code"), "{text}");
    // Another shop cannot take the same WhatsApp number.
    let out = relay(&db)
        .args([
            "shop",
            "create",
            "--name",
            "Warung Lain",
            "--whatsapp-number-id",
            "777",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already belongs to shop 1"));
    let out = relay(&db).args(["shop", "list"]).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        1,
        "no shop made for a number it could not have"
    );
    let out = relay(&db).args(["shop", "list"]).output().unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(list.contains("Warung Bu Sri\twhatsapp=777"), "{list}");

    // A shop's own Midtrans key is kept only sealed: refused without RELAY_SECRET_KEY (and
    // with a malformed one), stored encrypted with it, never printed.
    let set_key = |key: Option<&str>| {
        let mut c = relay(&db);
        c.args([
            "shop",
            "set",
            "--shop",
            "1",
            "--midtrans-server-key",
            "SB-Mid-server-Rahasia",
        ]);
        c.env_remove("RELAY_SECRET_KEY");
        if let Some(k) = key {
            c.env("RELAY_SECRET_KEY", k);
        }
        c.output().unwrap()
    };
    let out = set_key(None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("RELAY_SECRET_KEY is not set"),
        "{out:?}"
    );
    let out = set_key(Some("1234"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 hex digits"));
    let made = relay(&db).arg("secret-key").output().unwrap();
    let key = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert_eq!(key.len(), 64, "{key}");
    let out = set_key(Some(&key));
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("stored encrypted") && !text.contains("Rahasia"),
        "{text}"
    );
    // What the store keeps for shop 1: sealed, and what it opens to with the key.
    let sealer = pasar_relay::secrets::Sealer::from_hex(&key).unwrap();
    let kept = || {
        let stored = pasar_relay::store::open(&common::db(&db))
            .unwrap()
            .midtrans_key(1)
            .unwrap()
            .unwrap();
        assert!(stored.starts_with("sealed:v1:"), "{stored}");
        let ctx = pasar_relay::secrets::midtrans_context(1);
        (
            pasar_relay::secrets::read(Some(&sealer), &ctx, &stored).unwrap(),
            stored,
        )
    };
    let (plain, stored) = kept();
    assert!(!stored.contains("Rahasia"), "{stored}");
    assert_eq!(plain, "SB-Mid-server-Rahasia");
    // The key given on standard input (kept out of `ps`): the same.
    let mut c = relay(&db)
        .args(["shop", "set", "--shop", "1", "--midtrans-server-key", "-"])
        .env("RELAY_SECRET_KEY", &key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        c.stdin
            .take()
            .unwrap()
            .write_all(b"SB-Mid-server-Rahasia\n")
            .unwrap();
    }
    assert!(c.wait_with_output().unwrap().status.success());
    assert_eq!(kept().0, "SB-Mid-server-Rahasia");

    // The server will not start with a key that does not open what is sealed.
    let start = |k: &str| {
        relay(&db)
            .args(["--listen", "127.0.0.1:0"])
            .env("RELAY_SECRET_KEY", k)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let out = start(&pasar_relay::secrets::Sealer::new_key_hex())
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not open"),
        "{out:?}"
    );
    // A key an older relay kept as written is sealed when the relay starts with a key.
    let store = pasar_relay::store::open(&common::db(&db)).unwrap();
    store.set_midtrans_key(1, "SB-Mid-server-Lama").unwrap();
    drop(store);
    let mut child = start(&key);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(kept().0, "SB-Mid-server-Lama");
    // Without a store, or with a PostgreSQL server that does not answer: one clear line,
    // exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_pasar-relay"))
        .args(["shop", "list"])
        .env_remove("PASAR_RELAY_DB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db"));
    let out = Command::new(env!("CARGO_BIN_EXE_pasar-relay"))
        .args(["--db", "postgres://relay@127.0.0.1:1/relay", "shop", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to PostgreSQL") && err.lines().count() == 1,
        "{err}"
    );
    // A shop's own books are not a relay store.
    let books = dir.path().join("shop.db");
    rusqlite_free_db(&books);
    let out = relay(&books).args(["shop", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a relay store"));
}

/// A database with a table of its own (another program's): a SQLite file, or the
/// PostgreSQL database named after the path.
fn rusqlite_free_db(path: &Path) {
    let db = common::db(path);
    std::thread::spawn(move || {
        if common::postgres_server().is_some() {
            let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
            c.batch_execute("CREATE TABLE IF NOT EXISTS sales(id BIGINT PRIMARY KEY)")
                .unwrap();
        } else {
            // The relay crate links rusqlite already; a plain table is enough.
            let c = rusqlite::Connection::open(&db).unwrap();
            c.execute_batch("CREATE TABLE sales(id INTEGER PRIMARY KEY);")
                .unwrap();
        }
    })
    .join()
    .unwrap();
}

#[test]
fn a_relay_killed_mid_flood_loses_nothing_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let out = relay(&db)
        .args([
            "shop",
            "create",
            "--name",
            "Toko Banjir",
            "--whatsapp-number-id",
            "5001",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let code = text
        .lines()
        .find_map(|l| l.rsplit_once(": ").filter(|_| l.contains("pairing code")))
        .map(|(_, c)| c.trim().to_string())
        .unwrap();
    let (mut child, base) = serve(&db);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token = rt.block_on(async {
        Client::new(&base)
            .unwrap()
            .pair(&PairRequest {
                code,
                device_name: "Laptop".into(),
            })
            .await
            .unwrap()
            .token
    });

    // Four senders deliver distinct messages as fast as they can; the relay is killed
    // (SIGKILL: no shutdown, no flush) while they are at it.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let (base, acked) = (base.clone(), acked.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                for i in 0..100_000 {
                    let n = t * 1_000_000 + i;
                    let body = message("5001", n);
                    let res = http
                        .post(format!("{base}/webhooks/whatsapp"))
                        .header(
                            "x-hub-signature-256",
                            whatsapp::signature(SECRET.as_bytes(), &body),
                        )
                        .body(body)
                        .send();
                    match res {
                        Ok(r) if r.status().as_u16() == 200 => acked.lock().unwrap().push(n),
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    for s in senders {
        s.join().unwrap();
    }
    let acked: HashSet<usize> = acked.lock().unwrap().iter().copied().collect();
    assert!(
        acked.len() > 10,
        "the flood got going ({} acknowledged)",
        acked.len()
    );
    eprintln!("{} deliveries acknowledged before SIGKILL", acked.len());

    let (mut child, base) = serve(&db);
    let stored = rt.block_on(async {
        let c = Client::new(&base).unwrap().with_token(&token);
        let mut ids = Vec::new();
        let mut after = 0;
        loop {
            let page = c.events(after, Duration::ZERO).await.unwrap();
            if page.events.is_empty() {
                break;
            }
            for e in &page.events {
                assert_eq!(e.seq, after + 1, "no gap in the numbering");
                after = e.seq;
                if let EventBody::WhatsappMessage(m) = &e.body {
                    ids.push(m.id.clone());
                }
            }
        }
        ids
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "no event twice");
    for n in &acked {
        assert!(
            unique.contains(&format!("wamid.FLOOD.{n:06}")),
            "message {n} was acknowledged and lost"
        );
    }
}
