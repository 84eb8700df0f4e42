//! The publisher's funnel: what happened on each article's prompt (drawn, sign-in opened,
//! signed in), reported to the server in batches with `navigator.sendBeacon`, which never
//! holds up the page or its unloading. A report names the article and the events, nothing
//! else: no reader, no session, no cookie (a beacon to another origin carries none here).
//!
//! Events wait in a queue for a moment, so that the events of one visit travel together, and
//! the queue is sent at once when the page is being left.

use std::cell::RefCell;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use paywall_protocol::{PageEvent, PageEvents, paths};

/// How long an event waits for others before the queue is sent.
const BATCH_MS: u32 = 2_000;

#[derive(Default)]
struct Queue {
    /// Events not sent yet: the API's address, the article, what happened.
    pending: Vec<(String, String, PageEvent)>,
    /// Sends the queue when it fires.
    timer: Option<Timeout>,
    /// Sends the queue when the page is left.
    leaving: Option<EventListener>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::default();
}

/// Counts `event` on `article_id` at the API at `base`, soon.
pub fn report(base: &str, article_id: &str, event: PageEvent) {
    QUEUE.with_borrow_mut(|queue| {
        queue.pending.push((base.to_owned(), article_id.to_owned(), event));
        if queue.timer.is_none() {
            queue.timer = Some(Timeout::new(BATCH_MS, send));
        }
        if queue.leaving.is_none()
            && let Some(window) = web_sys::window()
        {
            queue.leaving = Some(EventListener::new(&window, "pagehide", |_| send()));
        }
    });
}

/// Sends every waiting event, one beacon per article (in the order they happened).
fn send() {
    let pending = QUEUE.with_borrow_mut(|queue| {
        queue.timer = None;
        std::mem::take(&mut queue.pending)
    });
    let Some(navigator) = web_sys::window().map(|window| window.navigator()) else { return };
    let mut batches: Vec<(String, PageEvents)> = Vec::new();
    for (base, article_id, event) in pending {
        match batches.iter_mut().find(|(at, batch)| *at == base && batch.article_id == article_id) {
            Some((_, batch)) if batch.events.len() < MAX_EVENTS => batch.events.push(event),
            _ => batches.push((base, PageEvents { article_id, events: vec![event] })),
        }
    }
    for (base, batch) in batches {
        let body = crate::wire::to_js(&batch).ok().and_then(|value| js_sys::JSON::stringify(&value).ok());
        if let Some(body) = body.and_then(|body| body.as_string()) {
            // A string is sent as text/plain: no preflight. Lost if the browser refuses it,
            // which costs the publisher a count and the reader nothing.
            let _ = navigator.send_beacon_with_opt_str(&format!("{base}{}", paths::EVENTS), Some(&body));
        }
    }
}

/// The most events one report carries (the server's limit).
const MAX_EVENTS: usize = 20;
