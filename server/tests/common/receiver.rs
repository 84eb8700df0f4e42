//! A publisher's webhook endpoint on loopback: it keeps every request and answers each with
//! the next status it was given (then 204).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

#[derive(Default)]
struct Log {
    got: Vec<(HeaderMap, String)>,
    answers: VecDeque<u16>,
}

/// The endpoint, listening until dropped.
pub struct Receiver {
    /// Where to send events.
    pub url: String,
    log: Arc<Mutex<Log>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    /// Starts it on a free loopback port, at `/hook`.
    pub async fn start() -> Self {
        let log = Arc::new(Mutex::new(Log::default()));
        let app = Router::new().route("/hook", post(receive)).with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, log, server }
    }

    /// Answers the next requests with these statuses, in order.
    pub fn answer(&self, statuses: &[u16]) {
        self.log.lock().unwrap().answers.extend(statuses);
    }

    /// Every request so far: its headers and body.
    pub fn got(&self) -> Vec<(HeaderMap, String)> {
        self.log.lock().unwrap().got.clone()
    }

    /// The bodies so far, as JSON.
    pub fn events(&self) -> Vec<Value> {
        self.got().iter().map(|(_, body)| serde_json::from_str(body).unwrap()).collect()
    }

    /// The event types so far, in order.
    pub fn types(&self) -> Vec<String> {
        self.events().iter().map(|event| event["type"].as_str().unwrap().to_owned()).collect()
    }
}

async fn receive(State(log): State<Arc<Mutex<Log>>>, headers: HeaderMap, body: String) -> StatusCode {
    let mut log = log.lock().unwrap();
    log.got.push((headers, body));
    let status = log.answers.pop_front().unwrap_or(204);
    StatusCode::from_u16(status).unwrap()
}
