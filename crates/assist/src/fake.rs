//! A local stand-in for the Gemini API for tests (feature `fake`): a real HTTP/1.1 server on
//! loopback that answers `POST /v1beta/models/{model}:generateContent` in the service's wire
//! format, and records what it was sent.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake answers to every request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this text as the candidate's only part.
    Text(String),
    /// An HTTP error with the service's error body.
    Error { status: u16, message: String },
    /// 200 with the prompt blocked (no candidates).
    Blocked,
    /// Waits this long before answering (a hanging service).
    Hang(Duration),
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub api_key: Option<String>,
    pub body: Value,
}

pub struct FakeGemini {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeGemini {
    /// Starts the server on a free loopback port; it lives as long as the test process.
    pub fn start(reply: Reply) -> FakeGemini {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (reply, log) = (reply.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &reply, &log));
            }
        });
        FakeGemini { base_url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, reply: &Reply, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let (mut len, mut key) = (0usize, None);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').unwrap_or((&h, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => len = value.trim().parse().unwrap_or(0),
            "x-goog-api-key" => key = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    log.lock().unwrap().push(Seen {
        path,
        api_key: key,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let (status, answer) = match reply {
        Reply::Text(t) => (
            200,
            json!({
                "candidates": [{
                    "content": {"parts": [{"text": t}], "role": "model"},
                    "finishReason": "STOP",
                    "index": 0
                }],
                "usageMetadata": {"promptTokenCount": 420, "candidatesTokenCount": 40, "totalTokenCount": 460},
                "modelVersion": "gemini-2.5-flash"
            }),
        ),
        Reply::Error { status, message } => (
            *status,
            json!({"error": {"code": status, "message": message, "status": if *status == 429 { "RESOURCE_EXHAUSTED" } else { "INVALID_ARGUMENT" }}}),
        ),
        Reply::Blocked => (
            200,
            json!({"promptFeedback": {"blockReason": "SAFETY"}, "modelVersion": "gemini-2.5-flash"}),
        ),
        Reply::Hang(d) => {
            std::thread::sleep(*d);
            (200, json!({}))
        }
    };
    let body = answer.to_string();
    let mut out = stream;
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
