//! `pasar-relay`: runs the relay, or administers its shops and devices on the store directly.

use clap::{Parser, Subcommand};
use pasar_relay::secrets::{self, SealError, Sealer};
use pasar_relay::store::Store;
use pasar_relay::{AppState, Config, auth};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "pasar-relay",
    version,
    about = "The PasarSuara relay: receives WhatsApp and Midtrans webhooks for many shops and keeps them until each shop's desktop collects them; creates QRIS and link payments for them. Configuration: WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, MIDTRANS_SERVER_KEY, MIDTRANS_BASE_URL (default the production API), MIDTRANS_SNAP_URL."
)]
struct Cli {
    /// The store: a SQLite file (created when absent), or a PostgreSQL URL
    /// (postgres://user:password@host:port/database) shared by several relay instances.
    /// Also $PASAR_RELAY_DB.
    #[arg(long, global = true)]
    db: Option<String>,
    /// Address to serve on (without a command).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Shops: create (prints a one-time pairing code), list, new pairing code, WhatsApp number
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Devices of a shop: list, revoke
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Prints a new RELAY_SECRET_KEY (32 random bytes in hex): the key that seals shops'
    /// secrets in the store. Give every instance the same one and keep it outside the database.
    SecretKey,
}

#[derive(Subcommand)]
enum ShopCommand {
    /// A new shop; prints its one-time pairing code (valid 24 hours)
    Create {
        #[arg(long)]
        name: String,
        /// The WhatsApp Cloud API phone-number id whose messages belong to this shop
        #[arg(long)]
        whatsapp_number_id: Option<String>,
    },
    List,
    /// A new one-time pairing code for a shop (another laptop)
    Code {
        #[arg(long)]
        shop: i64,
    },
    /// Routes a WhatsApp Cloud API phone-number id to a shop, or sets its own Midtrans key
    Set {
        #[arg(long)]
        shop: i64,
        #[arg(long)]
        whatsapp_number_id: Option<String>,
        /// The shop's own Midtrans server key (else the relay's MIDTRANS_SERVER_KEY is used;
        /// an empty value removes it; "-" reads it from standard input)
        #[arg(long)]
        midtrans_server_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    List {
        #[arg(long)]
        shop: i64,
    },
    /// Revokes a device's token (a lost or sold laptop)
    Revoke {
        #[arg(long)]
        device: i64,
    },
}

fn open(db: Option<&str>) -> Result<Arc<dyn Store>, String> {
    let db = db.ok_or("--db FILE or postgres://… URL (or $PASAR_RELAY_DB) is needed")?;
    pasar_relay::store::open(db).map_err(|e| e.to_string())
}

fn expiry() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(24))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The sealing key from RELAY_SECRET_KEY, when set (malformed: an error).
fn sealer() -> Result<Option<Sealer>, String> {
    match std::env::var("RELAY_SECRET_KEY") {
        Ok(k) if !k.trim().is_empty() => Sealer::from_hex(&k).map(Some),
        _ => Ok(None),
    }
}

fn admin(store: &dyn Store, sealer: Option<&Sealer>, cmd: Command) -> Result<(), String> {
    let e = |e: pasar_relay::store::StoreError| e.to_string();
    match cmd {
        Command::Shop(ShopCommand::Create {
            name,
            whatsapp_number_id,
        }) => {
            let name = name.trim();
            if name.is_empty() {
                return Err("--name is empty".into());
            }
            // The number is checked first: a shop is not created for a number it cannot have.
            if let Some(n) = whatsapp_number_id.as_deref().map(str::trim)
                && let Some(owner) = store
                    .shops()
                    .map_err(e)?
                    .into_iter()
                    .find(|s| s.whatsapp_number_id.as_deref() == Some(n))
            {
                return Err(format!(
                    "phone-number id {n} already belongs to shop {}",
                    owner.id
                ));
            }
            let code = auth::new_code();
            let id = store
                .create_shop(name, &auth::hash(&code), &expiry(), &now())
                .map_err(e)?;
            if let Some(n) = whatsapp_number_id {
                store.set_whatsapp_number(id, n.trim()).map_err(e)?;
            }
            println!("shop {id} created: {name}");
            println!("pairing code (once, valid 24 hours): {code}");
        }
        Command::Shop(ShopCommand::List) => {
            for s in store.shops().map_err(e)? {
                println!(
                    "{}\t{}\twhatsapp={}\tevents={}\tdevices={}",
                    s.id,
                    s.name,
                    if s.channel == "linked" {
                        "linked-device"
                    } else {
                        s.whatsapp_number_id.as_deref().unwrap_or("-")
                    },
                    s.last_seq,
                    s.devices
                );
            }
        }
        Command::Shop(ShopCommand::Code { shop }) => {
            let code = auth::new_code();
            store
                .add_pairing_code(shop, &auth::hash(&code), &expiry())
                .map_err(e)?;
            println!("pairing code for shop {shop} (once, valid 24 hours): {code}");
        }
        Command::Shop(ShopCommand::Set {
            shop,
            whatsapp_number_id,
            midtrans_server_key,
        }) => {
            if whatsapp_number_id.is_none() && midtrans_server_key.is_none() {
                return Err("nothing to set: --whatsapp-number-id or --midtrans-server-key".into());
            }
            if let Some(n) = whatsapp_number_id {
                store.set_whatsapp_number(shop, n.trim()).map_err(e)?;
                println!("shop {shop}: WhatsApp phone-number id {n}");
            }
            if let Some(k) = midtrans_server_key {
                // "-": read from standard input (kept out of `ps` and the shell's history).
                let k = if k == "-" {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| format!("reading the key from standard input: {e}"))?;
                    line
                } else {
                    k
                };
                let k = k.trim();
                if k.is_empty() {
                    store.set_midtrans_key(shop, "").map_err(e)?;
                    println!("shop {shop}: own Midtrans key removed; the relay's key is used");
                } else {
                    // Kept only sealed; the key itself is never printed.
                    let sealer = sealer.ok_or_else(|| SealError::NoKey.to_string())?;
                    let sealed = sealer.seal(&secrets::midtrans_context(shop), k.as_bytes());
                    store.set_midtrans_key(shop, &sealed).map_err(e)?;
                    println!("shop {shop}: Midtrans server key set (stored encrypted)");
                }
            }
        }
        Command::Device(DeviceCommand::List { shop }) => {
            for d in store.devices(shop).map_err(e)? {
                println!(
                    "{}\t{}\t{}\tacked={}",
                    d.id,
                    d.name,
                    if d.revoked { "revoked" } else { "active" },
                    d.acked_seq
                );
            }
        }
        Command::SecretKey => println!("{}", Sealer::new_key_hex()),
        Command::Device(DeviceCommand::Revoke { device }) => {
            if !store.revoke_device(device, &now()).map_err(e)? {
                return Err(format!("no device {device}"));
            }
            println!("device {device} revoked");
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let db = cli.db.clone().or_else(|| {
        std::env::var("PASAR_RELAY_DB")
            .ok()
            .filter(|v| !v.is_empty())
    });
    if matches!(cli.command, Some(Command::SecretKey)) {
        println!("{}", Sealer::new_key_hex());
        return ExitCode::SUCCESS;
    }
    // A malformed key is refused before anything is stored or served with it.
    let sealer = match sealer() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match open(db.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(cmd) = cli.command {
        return match admin(store.as_ref(), sealer.as_ref(), cmd) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Ok(list) = std::env::var("TRUSTED_PROXIES")
        && let Err(e) = pasar_relay::metrics::Proxies::parse(&list)
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    // Every sealed secret opens with this key (a wrong key is found now, not shop by shop);
    // what an older relay kept as written is sealed.
    match secrets::check_and_seal(store.as_ref(), sealer.as_ref()) {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            keys = n,
            "shops' Midtrans keys sealed with RELAY_SECRET_KEY"
        ),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let config = Config::from_env();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&cli.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", cli.listen);
                return ExitCode::FAILURE;
            }
        };
        if config.whatsapp_app_secret.is_none() {
            tracing::warn!("WHATSAPP_APP_SECRET is not set: WhatsApp webhooks will be refused");
        }
        let addr = listener
            .local_addr()
            .map_or_else(|_| cli.listen.clone(), |a| a.to_string());
        tracing::info!(%addr, ?config, "pasar-relay listening");
        // One line on stdout for whatever started it (a supervisor, a test): where it is.
        println!("listening on http://{addr}");
        match pasar_relay::serve(listener, AppState::new(store, config), shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
