//! The client against a local fake that speaks the Gemini API's wire format: what is sent,
//! what is read back, and every way the service can fail.

use chrono::NaiveDate;
use pasar_assist::fake::{FakeGemini, Reply};
use pasar_assist::{AssistError, Config, propose};
use std::time::{Duration, Instant};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn config(base: &str) -> Config {
    Config {
        base_url: base.to_string(),
        model: "gemini-test".into(),
        key: "KEY-123".into(),
        timeout: Duration::from_secs(5),
    }
}

#[test]
fn a_message_is_sent_in_the_service_format_and_the_proposal_read_back() {
    let fake = FakeGemini::start(Reply::Text(
        r#"{"intent":"sale","items":[{"product":"beras","quantity":"2","unit":"kg","unit_price":"14000"}]}"#
            .into(),
    ));
    let got = propose(
        &config(&fake.base_url),
        "si ujang ngambil beras 2 kilo",
        today(),
    )
    .unwrap();
    assert!(got.starts_with("{\"intent\":\"sale\""), "{got}");
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.path, "/v1beta/models/gemini-test:generateContent");
    assert_eq!(s.api_key.as_deref(), Some("KEY-123"));
    assert_eq!(
        s.body["contents"][0]["parts"][0]["text"],
        "si ujang ngambil beras 2 kilo"
    );
    assert_eq!(
        s.body["generationConfig"]["responseMimeType"],
        "application/json"
    );
    let instruction = s.body["systemInstruction"]["parts"][0]["text"]
        .as_str()
        .unwrap();
    assert!(instruction.contains("2026-11-21") && instruction.contains("debt_payment"));
}

#[test]
fn a_fenced_answer_is_unwrapped() {
    let fake = FakeGemini::start(Reply::Text(
        "```json\n{\"intent\":\"report\",\"period\":\"today\"}\n```".into(),
    ));
    let got = propose(&config(&fake.base_url), "gmn hasil dagang hr ini", today()).unwrap();
    assert_eq!(got, r#"{"intent":"report","period":"today"}"#);
}

#[test]
fn service_errors_are_told_apart() {
    let fake = FakeGemini::start(Reply::Error {
        status: 400,
        message: "API key not valid. Please pass a valid API key.".into(),
    });
    assert_eq!(
        propose(&config(&fake.base_url), "x", today()),
        Err(AssistError::Refused {
            status: 400,
            message: "API key not valid. Please pass a valid API key.".into()
        })
    );
    let fake = FakeGemini::start(Reply::Error {
        status: 429,
        message: "Resource has been exhausted".into(),
    });
    assert!(matches!(
        propose(&config(&fake.base_url), "x", today()),
        Err(AssistError::Refused { status: 429, .. })
    ));
    // A service that echoes the request: its key never passes on into the error (a log).
    let fake = FakeGemini::start(Reply::Error {
        status: 500,
        message: "internal error for key=KEY-123".into(),
    });
    let err = propose(&config(&fake.base_url), "x", today()).unwrap_err();
    assert!(!err.to_string().contains("KEY-123"), "{err}");
    assert!(err.to_string().contains("key=***"), "{err}");
    let fake = FakeGemini::start(Reply::Blocked);
    assert!(matches!(
        propose(&config(&fake.base_url), "x", today()),
        Err(AssistError::Malformed(m)) if m.contains("SAFETY")
    ));
    let fake = FakeGemini::start(Reply::Text("Maaf, saya tidak mengerti.".into()));
    assert!(matches!(
        propose(&config(&fake.base_url), "x", today()),
        Err(AssistError::Malformed(_))
    ));
}

#[test]
fn a_hanging_or_absent_service_gives_up_in_time() {
    let fake = FakeGemini::start(Reply::Hang(Duration::from_secs(10)));
    let mut cfg = config(&fake.base_url);
    cfg.timeout = Duration::from_millis(500);
    let t = Instant::now();
    assert!(matches!(
        propose(&cfg, "x", today()),
        Err(AssistError::Unreachable(_))
    ));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "bounded by the timeout"
    );
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = propose(&config(&format!("http://127.0.0.1:{port}")), "x", today()).unwrap_err();
    assert!(matches!(err, AssistError::Unreachable(_)), "{err}");
    assert!(!err.to_string().contains("KEY-123"), "the key never shows");
}

#[test]
fn settings_make_a_config_only_with_a_key() {
    let none = Config::from_settings(|_| None);
    assert!(none.is_none());
    let c =
        Config::from_settings(|k| (k == "assistant_key").then(|| " AIzaX ".to_string())).unwrap();
    assert_eq!(
        (c.base_url.as_str(), c.model.as_str(), c.key.as_str()),
        (
            pasar_assist::DEFAULT_BASE_URL,
            pasar_assist::DEFAULT_MODEL,
            "AIzaX"
        )
    );
    assert!(!format!("{c:?}").contains("AIzaX"), "Debug hides the key");
}
