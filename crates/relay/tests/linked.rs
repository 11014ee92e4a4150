//! The linked-device channel: its session kept in the relay's own store (sealed, surviving a
//! restart, one shop's never another's) through the library's own storage traits and types;
//! the library's messages mapped to the relay's events and back; and, with no WhatsApp to
//! reach, one clear "offline" and never a false "connected". Runs on SQLite, and on
//! PostgreSQL when `./x test` starts one.
#![cfg(feature = "linked-device")]

mod common;

use pasar_link::{EventBody, LinkRequest, OutboundMessage, OutboundRequest};
use pasar_relay::linked::adapter::{self, FileSource, Outgoing};
use pasar_relay::linked::session::{SessionStore, ns};
use pasar_relay::secrets::Sealer;
use pasar_relay::store::{Route, Store};
use pasar_relay::{Config, linked};
use std::sync::Arc;
use std::time::Duration;
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::wacore::store::Device;
use whatsapp_rust::wacore::store::traits::*;
use whatsapp_rust::wacore::types::message::{MessageInfo, MessageSource};
use whatsapp_rust::waproto::whatsapp as wa;

const KEY: &str = "8f3c1b7a9d2e4f6081a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7";

fn sealer() -> Arc<Sealer> {
    Arc::new(Sealer::from_hex(KEY).unwrap())
}

fn shop(store: &dyn Store, name: &str) -> i64 {
    store
        .create_shop(
            name,
            &pasar_relay::auth::hash(&pasar_relay::auth::new_code()),
            "2999-01-01T00:00:00Z",
            "2026-11-22T00:00:00Z",
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_lives_sealed_in_the_store_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.db");
    let store = common::store(&path);
    let (a, b) = (
        shop(store.as_ref(), "Warung A"),
        shop(store.as_ref(), "Toko B"),
    );
    let s = SessionStore::new(store.clone(), a, sealer());

    // The device the library makes at first start: its keys must come back bit for bit.
    assert!(!s.exists().await.unwrap());
    assert_eq!(s.create().await.unwrap(), 1);
    let mut device: Device = s.load().await.unwrap().expect("made by create");
    device.push_name = "Warung A".into();
    device.registration_id = 4242;
    s.save(&device).await.unwrap();

    // Signal state.
    s.put_identity("6281234567890@s.whatsapp.net", [7u8; 32])
        .await
        .unwrap();
    s.put_sessions_batch(&[
        (
            Arc::from("6281234567890.0"),
            Bytes::from_static(b"session-one"),
        ),
        (
            Arc::from("6281234567890:3@s.whatsapp.net"),
            Bytes::from_static(b"session-two"),
        ),
    ])
    .await
    .unwrap();
    s.store_prekeys_batch(
        &[
            (5, Bytes::from_static(b"pk5")),
            (12, Bytes::from_static(b"pk12")),
        ],
        false,
    )
    .await
    .unwrap();
    s.remove_prekey(5).await.unwrap();
    // A consumed key is not brought back by marking it uploaded.
    s.mark_prekeys_uploaded(&[5, 12]).await.unwrap();
    s.store_signed_prekey(1, b"spk1").await.unwrap();
    s.store_signed_prekey(2, b"spk2").await.unwrap();
    s.put_sender_key("120363@g.us::628111", b"sk")
        .await
        .unwrap();

    // App state sync.
    s.set_sync_key(
        b"\x01\x02",
        AppStateSyncKey {
            key_data: vec![9; 32],
            fingerprint: vec![1],
            timestamp: 17,
        },
    )
    .await
    .unwrap();
    s.put_mutation_macs(
        "regular",
        3,
        &[
            whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC {
                index_mac: vec![1; 32],
                value_mac: vec![2; 32],
            },
        ],
    )
    .await
    .unwrap();
    s.put_mutation_macs(
        "critical_block",
        3,
        &[
            whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC {
                index_mac: vec![1; 32],
                value_mac: vec![3; 32],
            },
        ],
    )
    .await
    .unwrap();
    s.clear_mutation_macs("regular").await.unwrap();

    // Protocol state: a LID that moves to another number leaves no stale reverse entry.
    let lid = |pn: &str| LidPnMappingEntry {
        lid: "100000012345678".into(),
        phone_number: pn.into(),
        created_at: 1,
        updated_at: 2,
        learning_source: "usync".into(),
    };
    s.put_lid_mapping(&lid("6281111111")).await.unwrap();
    s.put_lid_mapping(&lid("6282222222")).await.unwrap();
    s.set_sender_key_status("g1@g.us", &[("d1", true), ("d2", false)])
        .await
        .unwrap();
    s.set_sender_key_status("g2@g.us", &[("d1", true)])
        .await
        .unwrap();
    s.delete_sender_key_device_rows(&["d1"]).await.unwrap();
    s.store_received_tc_token("c@lid", b"new", 200)
        .await
        .unwrap();
    s.store_received_tc_token("c@lid", b"stale", 100)
        .await
        .unwrap();
    s.touch_tc_token_sender_timestamp("c@lid", 150)
        .await
        .unwrap();
    s.store_sent_message("6281@s.whatsapp.net", "M1", b"payload")
        .await
        .unwrap();
    s.store_pending_inbound_batch(&[PendingInboundRow {
        chat: "6281@s.whatsapp.net",
        sender: "6281@s.whatsapp.net",
        id: "IN1",
        message: b"decrypted",
    }])
    .await
    .unwrap();
    s.put_msg_secrets(vec![MsgSecretEntry {
        chat: Arc::from("6281@s.whatsapp.net"),
        sender: Arc::from("6281@s.whatsapp.net"),
        msg_id: Arc::from("M1"),
        secret: [5u8; 32],
        expires_at: 500,
        message_ts: 10,
    }])
    .await
    .unwrap();
    // A redelivery never shortens the window nor forgets the parent time.
    s.put_msg_secrets(vec![MsgSecretEntry {
        chat: Arc::from("6281@s.whatsapp.net"),
        sender: Arc::from("6281@s.whatsapp.net"),
        msg_id: Arc::from("M1"),
        secret: [5u8; 32],
        expires_at: 400,
        message_ts: 0,
    }])
    .await
    .unwrap();
    drop(s);
    drop(store);

    // The relay restarts: everything is there, as the library left it.
    let store = common::store(&path);
    let s = SessionStore::new(store.clone(), a, sealer());
    let back = s.load().await.unwrap().unwrap();
    assert_eq!(back.push_name, "Warung A");
    assert_eq!(back.registration_id, 4242);
    assert_eq!(back.identity_key.public_key, device.identity_key.public_key);
    assert_eq!(back.noise_key.public_key, device.noise_key.public_key);
    assert_eq!(back.adv_secret_key, device.adv_secret_key);
    assert_eq!(
        s.load_identity("6281234567890@s.whatsapp.net")
            .await
            .unwrap(),
        Some([7u8; 32])
    );
    assert_eq!(
        s.get_session("6281234567890:3@s.whatsapp.net")
            .await
            .unwrap(),
        Some(Bytes::from_static(b"session-two"))
    );
    assert!(s.has_signal_state_for_user("6281234567890").await.unwrap());
    assert!(!s.has_signal_state_for_user("628123456789").await.unwrap());
    assert_eq!(s.load_prekey(5).await.unwrap(), None);
    assert_eq!(
        s.load_prekey(12).await.unwrap(),
        Some(Bytes::from_static(b"pk12"))
    );
    assert_eq!(s.get_max_prekey_id().await.unwrap(), 12);
    assert_eq!(
        s.load_all_signed_prekeys().await.unwrap(),
        vec![(1, b"spk1".to_vec()), (2, b"spk2".to_vec())]
    );
    assert_eq!(
        s.get_sender_key("120363@g.us::628111").await.unwrap(),
        Some(b"sk".to_vec())
    );
    assert_eq!(s.get_latest_sync_key_id().await.unwrap(), Some(vec![1, 2]));
    assert_eq!(
        s.get_sync_key(b"\x01\x02")
            .await
            .unwrap()
            .unwrap()
            .timestamp,
        17
    );
    assert_eq!(s.get_version("regular").await.unwrap().version, 0);
    assert_eq!(s.get_mutation_mac("regular", &[1; 32]).await.unwrap(), None);
    assert_eq!(
        s.get_mutation_mac("critical_block", &[1; 32])
            .await
            .unwrap(),
        Some(vec![3; 32])
    );
    assert_eq!(
        s.get_pn_mapping("6281111111").await.unwrap().map(|e| e.lid),
        None
    );
    assert_eq!(
        s.get_pn_mapping("6282222222").await.unwrap().unwrap().lid,
        "100000012345678"
    );
    assert_eq!(s.get_all_lid_mappings().await.unwrap().len(), 1);
    assert_eq!(
        s.get_sender_key_devices("g1@g.us").await.unwrap(),
        vec![("d2".to_string(), false)]
    );
    assert!(
        s.get_sender_key_devices("g2@g.us")
            .await
            .unwrap()
            .is_empty()
    );
    let tc = s.get_tc_token("c@lid").await.unwrap().unwrap();
    assert_eq!(
        (tc.token, tc.token_timestamp, tc.sender_timestamp),
        (b"new".to_vec(), 200, Some(150))
    );
    assert_eq!(
        s.take_sent_message("6281@s.whatsapp.net", "M1")
            .await
            .unwrap(),
        Some(b"payload".to_vec())
    );
    assert_eq!(
        s.take_sent_message("6281@s.whatsapp.net", "M1")
            .await
            .unwrap(),
        None,
        "taken once: a retry receipt never resends twice"
    );
    assert_eq!(
        s.get_pending_inbound("6281@s.whatsapp.net", "6281@s.whatsapp.net", "IN1")
            .await
            .unwrap(),
        Some(b"decrypted".to_vec())
    );
    assert_eq!(
        s.get_msg_secret_with_ts("6281@s.whatsapp.net", "6281@s.whatsapp.net", "M1")
            .await
            .unwrap(),
        Some((vec![5u8; 32], 10))
    );
    assert_eq!(s.delete_expired_msg_secrets(450).await.unwrap(), 0);
    assert_eq!(s.delete_expired_msg_secrets(500).await.unwrap(), 1);

    // Another shop sees none of it; another key opens none of it.
    let other = SessionStore::new(store.clone(), b, sealer());
    assert!(!other.exists().await.unwrap());
    assert_eq!(
        other
            .load_identity("6281234567890@s.whatsapp.net")
            .await
            .unwrap(),
        None
    );
    let wrong = SessionStore::new(
        store.clone(),
        a,
        Arc::new(Sealer::from_hex(&Sealer::new_key_hex()).unwrap()),
    );
    assert!(
        wrong.load().await.is_err(),
        "a session opens only with its key"
    );
    // At rest, nothing is readable: not the push name, not the session bytes.
    let raw = store.wa_scan(a, ns::DEVICE, "").unwrap();
    assert_eq!(raw.len(), 1);
    assert!(!String::from_utf8_lossy(&raw[0].1).contains("Warung A"));
    let raw = store.wa_scan(a, ns::SESSION, "").unwrap();
    assert!(
        raw.iter()
            .all(|(_, v)| !v.windows(11).any(|w| w == b"session-two"))
    );
    // A value moved to another key does not open there.
    let moved = raw[0].1.clone();
    store
        .wa_write(
            a,
            &[pasar_relay::store::WaOp::Put {
                ns: ns::SESSION.into(),
                key: "6289999999999.0".into(),
                value: moved,
            }],
        )
        .unwrap();
    assert!(s.get_session("6289999999999.0").await.is_err());

    // Unlinking forgets the session.
    store.wa_forget(a).unwrap();
    assert!(!s.exists().await.unwrap());
}

fn jid(s: &str) -> whatsapp_rust::Jid {
    s.parse().unwrap()
}

fn info(sender: &str, id: &str) -> MessageInfo {
    MessageInfo {
        source: MessageSource {
            chat: jid(sender),
            sender: jid(sender),
            ..Default::default()
        },
        id: id.into(),
        push_name: "Bu Sri".into(),
        timestamp: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
        ..Default::default()
    }
}

fn body(r: &adapter::Received) -> pasar_link::InboundMessage {
    match serde_json::from_str::<EventBody>(&r.inbound.body).unwrap() {
        EventBody::WhatsappMessage(m) => *m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_librarys_messages_become_the_same_events_as_the_cloud_apis() {
    let text = wa::Message {
        conversation: Some("jual 5 kg beras @12rb".into()),
        ..Default::default()
    };
    let r = adapter::inbound(7, &text, &info("6281234567890@s.whatsapp.net", "3EB0A1")).unwrap();
    assert_eq!(r.inbound.route, Route::Shop(7));
    assert_eq!(r.inbound.kind, "whatsapp_message");
    let m = body(&r);
    assert_eq!(
        (
            m.id.as_str(),
            m.from.as_deref(),
            m.name.as_deref(),
            m.kind.as_str(),
            m.text.as_deref()
        ),
        (
            "3EB0A1",
            Some("6281234567890"),
            Some("Bu Sri"),
            "text",
            Some("jual 5 kg beras @12rb")
        )
    );
    assert_eq!(m.timestamp, 1_795_000_000);
    // The customer's window opens as for the Cloud API.
    assert_eq!(
        r.inbound.window,
        Some(("6281234567890".into(), 1_795_000_000))
    );
    // The same message again is the same event (redelivery after a crash is stored once).
    let again =
        adapter::inbound(7, &text, &info("6281234567890@s.whatsapp.net", "3EB0A1")).unwrap();
    assert_eq!(again.inbound.dedupe, r.inbound.dedupe);

    // A picture: its file is fetched later with the message's own keys.
    let image = wa::Message {
        image_message: whatsapp_rust::buffa::MessageField::some(wa::message::ImageMessage {
            caption: Some("ini nota kemarin".into()),
            mimetype: Some("image/jpeg".into()),
            direct_path: Some("/v/t62/abc".into()),
            media_key: Some(vec![1; 32]),
            file_sha256: Some(vec![2; 32]),
            file_enc_sha256: Some(vec![3; 32]),
            file_length: Some(1234),
            ..Default::default()
        }),
        ..Default::default()
    };
    let r = adapter::inbound(7, &image, &info("6281234567890@s.whatsapp.net", "3EB0A2")).unwrap();
    let m = body(&r);
    assert_eq!(
        (m.kind.as_str(), m.text.as_deref()),
        ("image", Some("ini nota kemarin"))
    );
    let media = m.media.unwrap();
    assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(r.inbound.media.as_ref().unwrap().id, media.id);
    let pending = r.media.unwrap();
    assert_eq!(pending.kind, "image");
    let d = pending.downloadable().unwrap();
    assert_eq!(d.direct_path(), Some("/v/t62/abc"));
    assert_eq!(d.file_length(), Some(1234));

    // A voice note, a location, a list choice, a button reply.
    let voice = wa::Message {
        audio_message: whatsapp_rust::buffa::MessageField::some(wa::message::AudioMessage {
            ptt: Some(true),
            mimetype: Some("audio/ogg; codecs=opus".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let m =
        body(&adapter::inbound(7, &voice, &info("6281234567890@s.whatsapp.net", "V1")).unwrap());
    assert_eq!((m.kind.as_str(), m.media.unwrap().voice), ("voice", true));
    let loc = wa::Message {
        location_message: whatsapp_rust::buffa::MessageField::some(wa::message::LocationMessage {
            degrees_latitude: Some(-6.2),
            degrees_longitude: Some(106.8),
            name: Some("Pasar Minggu".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let m = body(&adapter::inbound(7, &loc, &info("6281234567890@s.whatsapp.net", "L1")).unwrap());
    let l = m.location.unwrap();
    assert_eq!(
        (l.latitude, l.longitude, l.name.as_deref()),
        (-6.2, 106.8, Some("Pasar Minggu"))
    );
    let list = wa::Message {
        list_response_message: whatsapp_rust::buffa::MessageField::some(
            wa::message::ListResponseMessage {
                title: Some("Beras 5 kg".into()),
                single_select_reply: whatsapp_rust::buffa::MessageField::some(
                    wa::message::list_response_message::SingleSelectReply {
                        selected_row_id: Some("beras-5".into()),
                    },
                ),
                ..Default::default()
            },
        ),
        ..Default::default()
    };
    let m = body(&adapter::inbound(7, &list, &info("6281234567890@s.whatsapp.net", "C1")).unwrap());
    assert_eq!(
        (m.kind.as_str(), m.choice.as_deref(), m.text.as_deref()),
        ("interactive", Some("beras-5"), Some("Beras 5 kg"))
    );

    // A customer WhatsApp names only by LID is answered by that address.
    let m = body(&adapter::inbound(7, &text, &info("100000012345678@lid", "X1")).unwrap());
    assert_eq!(m.from.as_deref(), Some("100000012345678@lid"));

    // Not customers writing to the shop: the shop's own phone, groups.
    let mut mine = info("6281234567890@s.whatsapp.net", "Y1");
    mine.source.is_from_me = true;
    assert!(adapter::inbound(7, &text, &mine).is_none());
    let mut group = info("120363021033254949@g.us", "Y2");
    group.source.is_group = true;
    assert!(adapter::inbound(7, &text, &group).is_none());
}

#[test]
fn queued_messages_become_what_a_linked_device_can_send() {
    let graph = |m: &OutboundMessage| pasar_relay::outbound::graph_body("6281234567890", m);
    let text = |o: Outgoing| match o {
        Outgoing::Message(m) => m.conversation.clone().unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        text(
            adapter::outgoing(&graph(&OutboundMessage::Text {
                body: "Total Rp 60.000, terima kasih".into(),
                preview_url: false,
            }))
            .unwrap()
        ),
        "Total Rp 60.000, terima kasih"
    );
    // Buttons become numbered choices the customer can answer.
    let buttons = OutboundMessage::Buttons {
        body: "Bayar pakai apa?".into(),
        buttons: vec![
            pasar_link::Choice {
                id: "qris".into(),
                title: "QRIS".into(),
                description: None,
            },
            pasar_link::Choice {
                id: "tunai".into(),
                title: "Tunai".into(),
                description: None,
            },
        ],
        footer: Some("Warung Bu Sri".into()),
    };
    let t = text(adapter::outgoing(&graph(&buttons)).unwrap());
    assert_eq!(
        t,
        "Bayar pakai apa?\n\n1. QRIS\n2. Tunai\n\n_Warung Bu Sri_"
    );
    let image = adapter::outgoing(&graph(&OutboundMessage::Image {
        link: String::new(),
        media: Some("a".repeat(64)),
        caption: Some("struk".into()),
    }))
    .unwrap();
    match image {
        Outgoing::File {
            source, caption, ..
        } => {
            assert_eq!(source, FileSource::Kept("a".repeat(64)));
            assert_eq!(caption.as_deref(), Some("struk"));
        }
        other => panic!("{other:?}"),
    }
    let template = graph(&OutboundMessage::Template {
        name: "nota".into(),
        language: "id".into(),
        parameters: vec![],
    });
    assert!(adapter::outgoing(&template).is_err());
    assert_eq!(
        adapter::recipient("6281234567890").unwrap().to_string(),
        "6281234567890@s.whatsapp.net"
    );
    assert_eq!(
        adapter::recipient("100000012345678@lid")
            .unwrap()
            .to_string(),
        "100000012345678@lid"
    );
}

/// A relay whose linked devices connect to `url`, answering within `timeout`.
async fn relay(path: &std::path::Path, url: &str, timeout: Duration) -> (Arc<dyn Store>, String) {
    let store = common::store(path);
    let config = Config {
        relay_secret_key: Some(KEY.into()),
        whatsapp_web_url: Some(url.into()),
        link_connect_timeout: Some(timeout),
        ..Config::default()
    };
    let base = common::serve(store.clone(), config).await;
    (store, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_linking_ends_in_one_clear_message_never_connected() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens here: as with no internet.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/ws/chat", closed.local_addr().unwrap());
    drop(closed);
    let (store, base) = relay(&dir.path().join("relay.db"), &url, Duration::from_secs(3)).await;
    let (shop, desktop, _) = common::paired(store.as_ref(), &base, "Warung Bu Sri").await;

    assert_eq!(desktop.link_state().await.unwrap().state, "unlinked");
    // A phone number that is not one is refused before anything starts.
    let bad = desktop
        .link(&LinkRequest {
            phone: Some("0812-abc".into()),
        })
        .await;
    assert!(bad.is_err());
    let st = desktop.link(&LinkRequest::default()).await.unwrap();
    assert_eq!(st.state, "starting");

    let offline = common::wait_event(&desktop, 20, "an offline state", |b| match b {
        EventBody::WhatsappLink(s) if s.state == "offline" => Some(s),
        _ => None,
    })
    .await;
    let why = offline.error.unwrap();
    assert!(
        why.starts_with("WhatsApp cannot be reached from the relay"),
        "{why}"
    );
    let now = desktop.link_state().await.unwrap();
    assert_eq!(now.state, "offline");
    assert_eq!(now.error.as_deref(), Some(why.as_str()));
    // Retries with backoff say it once, and never "connected" nor a QR code.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let page = desktop.events(0, Duration::from_secs(0)).await.unwrap();
    let states: Vec<String> = page
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::WhatsappLink(s) => Some(s.state.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        states.iter().filter(|s| *s == "offline").count(),
        1,
        "{states:?}"
    );
    assert!(
        !states.iter().any(|s| s == "connected" || s == "pairing"),
        "{states:?}"
    );

    // Messages for the linked shop are queued (no Cloud API token needed), kept for the
    // linked device, and never taken by the Cloud API's sender.
    let ok = desktop
        .send_message(&OutboundRequest {
            key: "r1".into(),
            to: "6281234567890".into(),
            message: OutboundMessage::Text {
                body: "Siap, bu".into(),
                preview_url: false,
            },
        })
        .await
        .unwrap();
    assert_eq!(ok.state, "queued");
    let template = desktop
        .send_message(&OutboundRequest {
            key: "r2".into(),
            to: "6281234567890".into(),
            message: OutboundMessage::Template {
                name: "nota".into(),
                language: "id".into(),
                parameters: vec![],
            },
        })
        .await;
    assert!(template.is_err(), "templates are the Cloud API's");
    let t = "2999-01-01T00:00:00.000Z";
    assert!(store.claim_outbound(t, t, 10, None).unwrap().is_empty());

    // Unlinked: back to the Cloud API, the session forgotten.
    assert_eq!(desktop.unlink().await.unwrap().state, "unlinked");
    assert_eq!(desktop.link_state().await.unwrap().state, "unlinked");
    assert!(store.wa_scan(shop, ns::REQUEST, "").unwrap().is_empty());
    assert_eq!(store.shop(shop).unwrap().unwrap().channel, "cloud");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_whatsapp_is_offline_not_connected() {
    let dir = tempfile::tempdir().unwrap();
    // Something answers TCP but never speaks WhatsApp's protocol.
    let mute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws/chat", mute.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = mute.accept().await {
            held.push(s);
        }
    });
    let (store, base) = relay(&dir.path().join("relay.db"), &url, Duration::from_secs(3)).await;
    let (_, desktop, _) = common::paired(store.as_ref(), &base, "Toko Pak Budi").await;
    desktop
        .link(&LinkRequest {
            phone: Some("+62 812-3456-7890".into()),
        })
        .await
        .unwrap();
    let offline = common::wait_event(&desktop, 30, "an offline state", |b| match b {
        EventBody::WhatsappLink(s) if s.state == "offline" => Some(s),
        _ => None,
    })
    .await;
    assert!(
        offline.error.as_deref().unwrap().contains("did not answer"),
        "{offline:?}"
    );
    let st = desktop.link_state().await.unwrap();
    assert_ne!(st.state, "connected");
    assert!(st.qr.is_none() && st.pair_code.is_none());
}

#[test]
fn what_the_library_reports_is_what_the_desktop_is_told() {
    use whatsapp_rust::wacore::types::events::{Event, PairingQrCode};
    let qr = Event::PairingQrCode(
        PairingQrCode::builder()
            .code("2@abc,def,ghi".into())
            .timeout(Duration::from_secs(20))
            .build(),
    );
    let up = linked::update(&qr, None).unwrap();
    assert_eq!(up.state.state, "pairing");
    assert_eq!(up.state.qr.as_deref(), Some("2@abc,def,ghi"));
    assert_eq!(up.state.expires_in, Some(20));
    assert_eq!(up.after, linked::After::Continue);

    let up = linked::update(
        &Event::Connected(whatsapp_rust::wacore::types::events::Connected::builder().build()),
        Some("6281234567890".into()),
    )
    .unwrap();
    assert_eq!(
        (up.state.state.as_str(), up.state.number.as_deref()),
        ("connected", Some("6281234567890"))
    );
    // Unlinked from the phone: the session is void and forgotten, the shop told why.
    let out = Event::LoggedOut(
        whatsapp_rust::wacore::types::events::LoggedOut::builder()
            .on_connect(false)
            .reason(whatsapp_rust::wacore::types::events::ConnectFailureReason::LoggedOut)
            .build(),
    );
    let up = linked::update(&out, None).unwrap();
    assert_eq!(up.state.state, "logged_out");
    assert_eq!(up.after, linked::After::Forget);
    assert!(up.state.error.unwrap().contains("link again"));
    // What is not about the link tells the desktop nothing.
    let quiet = whatsapp_rust::wacore::types::events::OfflineSyncCompleted::builder()
        .count(3)
        .build();
    assert!(linked::update(&Event::OfflineSyncCompleted(quiet), None).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_holds_a_shops_link_and_a_lapsed_holder_is_not_believed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.db");
    // Two instances, each with its own store handle on the one database.
    let (one, two) = (common::store(&path), common::store(&path));
    let shop = shop(one.as_ref(), "Warung A");
    let (t0, t1, t2) = (
        "2026-11-22T10:00:00.000Z",
        "2026-11-22T10:00:30.000Z",
        "2026-11-22T10:00:31.000Z",
    );
    assert!(one.link_lease(shop, "one", t1, t0).unwrap());
    assert!(!two.link_lease(shop, "two", t1, t0).unwrap(), "held by one");
    assert!(
        one.link_lease(shop, "one", t1, t0).unwrap(),
        "renewed by its holder"
    );
    assert!(
        one.set_link_state(shop, "one", "connected", None, t0)
            .unwrap()
    );
    // One stopped renewing: two takes over, and one's late word changes nothing.
    assert!(
        two.link_lease(shop, "two", "2026-11-22T10:01:01.000Z", t2)
            .unwrap()
    );
    assert!(
        !one.set_link_state(shop, "one", "pairing", None, t2)
            .unwrap()
    );
    assert!(
        !one.link_lease(shop, "one", "2026-11-22T10:01:01.000Z", t2)
            .unwrap()
    );

    // The desktop is not told "connected" by a holder whose lease lapsed.
    one.set_whatsapp_channel(shop, "linked").unwrap();
    assert!(
        two.link_lease(
            shop,
            "two",
            "2020-01-01T00:00:30.000Z",
            "2020-01-01T00:00:00.000Z"
        )
        .unwrap()
    );
    // (Its last word inside its lease, long ago.)
    assert!(
        two.set_link_state(shop, "two", "connected", None, "2020-01-01T00:00:10.000Z")
            .unwrap()
    );
    let st = linked::state_of(one.as_ref(), Some(&sealer()), shop).unwrap();
    assert_eq!(st.state, "offline");
    assert!(st.error.unwrap().contains("stopped"));
    // A new request to link, long after: "starting", not the dead holder's "offline".
    one.reset_link(shop, "starting", &chrono::Utc::now().to_rfc3339())
        .unwrap();
    let st = linked::state_of(one.as_ref(), Some(&sealer()), shop).unwrap();
    assert_eq!((st.state.as_str(), st.error), ("starting", None));

    // Queued replies: the linked shop's go to its own sender only.
    let cloud = shop_with_number(one.as_ref(), "Toko Cloud", "106540352242922");
    let t = "2026-11-22T10:02:00.000Z";
    for (s, k) in [(shop, "l1"), (cloud, "c1")] {
        one.enqueue_outbound(
            s,
            k,
            "6281234567890",
            r#"{"type":"text","text":{"body":"x"}}"#,
            t,
        )
        .unwrap();
    }
    let far = "2999-01-01T00:00:00.000Z";
    let cloud_jobs = one.claim_outbound(far, far, 10, None).unwrap();
    assert_eq!(
        cloud_jobs
            .iter()
            .map(|j| j.key.as_str())
            .collect::<Vec<_>>(),
        ["c1"]
    );
    let linked_jobs = two.claim_outbound(far, far, 10, Some(shop)).unwrap();
    assert_eq!(
        linked_jobs
            .iter()
            .map(|j| j.key.as_str())
            .collect::<Vec<_>>(),
        ["l1"]
    );
}

fn shop_with_number(store: &dyn Store, name: &str, number: &str) -> i64 {
    let id = shop(store, name);
    store.set_whatsapp_number(id, number).unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_prekey_is_never_brought_back_by_marking_it_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::store(&dir.path().join("relay.db"));
    let s = Arc::new(SessionStore::new(
        store.clone(),
        shop(store.as_ref(), "Warung A"),
        sealer(),
    ));
    for round in 0..20u32 {
        let ids: Vec<u32> = (round * 10..round * 10 + 10).collect();
        let keys: Vec<(u32, Bytes)> = ids
            .iter()
            .map(|i| (*i, Bytes::from(vec![1u8; 8])))
            .collect();
        s.store_prekeys_batch(&keys, false).await.unwrap();
        // The library uploads (then marks) while a customer's first message uses a key.
        let (a, b) = (s.clone(), s.clone());
        let mark = tokio::spawn({
            let ids = ids.clone();
            async move { a.mark_prekeys_uploaded(&ids).await.unwrap() }
        });
        let used = tokio::spawn(async move { b.remove_prekey(round * 10 + 3).await.unwrap() });
        mark.await.unwrap();
        used.await.unwrap();
        assert_eq!(
            s.load_prekey(round * 10 + 3).await.unwrap(),
            None,
            "round {round}"
        );
        assert!(s.load_prekey(round * 10 + 4).await.unwrap().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypted_messages_are_stored_once_with_their_files_keys_before_the_ack() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::store(&dir.path().join("relay.db"));
    let shop = shop(store.as_ref(), "Warung A");
    store.set_whatsapp_channel(shop, "linked").unwrap();
    let ctx = linked::Ctx {
        store: store.clone(),
        sealer: sealer(),
        settings: linked::Settings::default(),
        news: tokio::sync::watch::Sender::new(0),
        metrics: Default::default(),
        http: reqwest::Client::new(),
        holder: "test".into(),
        media_quota: 1 << 20,
    };
    let image = wa::Message {
        image_message: whatsapp_rust::buffa::MessageField::some(wa::message::ImageMessage {
            mimetype: Some("image/jpeg".into()),
            direct_path: Some("/v/t62/abc".into()),
            media_key: Some(vec![1; 32]),
            file_length: Some(99),
            ..Default::default()
        }),
        ..Default::default()
    };
    let text = wa::Message {
        conversation: Some("bu Sri ngutang 60rb".into()),
        ..Default::default()
    };
    let batch: Vec<whatsapp_rust::wacore::types::events::InboundMessage> =
        [(text, "M1"), (image, "M2")]
            .into_iter()
            .map(|(m, id)| {
                whatsapp_rust::wacore::types::events::InboundMessage::builder()
                    .message(Arc::new(m))
                    .info(Arc::new(info("6281234567890@s.whatsapp.net", id)))
                    .build()
            })
            .collect();
    assert_eq!(linked::commit(&ctx, shop, &batch).await.unwrap(), 2);
    // WhatsApp redelivers (the ack was lost): stored once.
    assert_eq!(linked::commit(&ctx, shop, &batch).await.unwrap(), 0);
    let events = store.events_after(shop, 0, 10).unwrap();
    assert_eq!(events.len(), 2);
    assert!(events[0].body.contains("bu Sri ngutang 60rb"));
    // The picture's download keys are kept (sealed) under the id its event names.
    let kept = SessionStore::new(store.clone(), shop, sealer())
        .scan(ns::MEDIA, "")
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert!(events[1].body.contains(&kept[0].0));
    let pending: adapter::PendingMedia = serde_json::from_slice(&kept[0].1).unwrap();
    assert_eq!(
        (pending.size, pending.message_id.as_str()),
        (Some(99), "M2")
    );
    // And the file is waiting on the relay for the linked device, not for the Cloud API.
    assert_eq!(
        store.media(shop, &kept[0].0).unwrap().unwrap().state,
        "queued"
    );
    let far = "2999-01-01T00:00:00.000Z";
    assert!(store.claim_media(far, far, 10).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlinking_and_linking_again_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/ws/chat", closed.local_addr().unwrap());
    drop(closed);
    let (store, base) = relay(&dir.path().join("relay.db"), &url, Duration::from_secs(2)).await;
    let (shop, desktop, _) = common::paired(store.as_ref(), &base, "Warung Bu Sri").await;
    desktop.link(&LinkRequest::default()).await.unwrap();
    common::wait_event(&desktop, 20, "offline", |b| match b {
        EventBody::WhatsappLink(s) if s.state == "offline" => Some(()),
        _ => None,
    })
    .await;
    // Unlinked and linked again at once (the holder is still stopping).
    desktop.unlink().await.unwrap();
    let again = desktop
        .link(&LinkRequest {
            phone: Some("6281234567890".into()),
        })
        .await
        .unwrap();
    assert_eq!(again.state, "starting", "no stale offline from before");
    assert!(again.error.is_none());
    // The new request survives the old holder's clean-up and is acted on.
    let seq = store.shop(shop).unwrap().unwrap().last_seq;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = desktop.events(seq, Duration::from_secs(1)).await.unwrap();
        if page
            .events
            .iter()
            .any(|e| matches!(&e.body, EventBody::WhatsappLink(s) if s.state == "offline"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new link never tried"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(store.wa_scan(shop, ns::REQUEST, "").unwrap().len(), 1);
    assert_eq!(store.shop(shop).unwrap().unwrap().channel, "linked");
}
