//! The widget's answer readers (`src/wire.rs`) on thousands of JSON values from a seeded
//! generator: random structures built from the wire types' own field names and enum names,
//! and the server's real answers with one to three parts changed. Every reader returns `Ok`
//! or `Err` (a panic here would trap the widget), and whatever the types' `serde` form reads
//! from a value, written back as the server writes it, the reader reads as the same value, so
//! a server's answer the widget cannot read shows here first.
//!
//! The readers only run in a browser, so this is the fuzzing they get: a fixed seed, a few
//! thousand values, under `wasm-pack test` with the other widget tests (the server's parsers
//! have coverage-guided targets in `server/tests/fuzz.rs`).

#![cfg(target_arch = "wasm32")]

use std::fmt::Debug;

use paywall::wire::FromJs;
use paywall_protocol::{
    ArticleSummary, BillingInterval, CheckoutStarted, CodeSent, GiftLink, GrantReason, LockedSection,
    LockedSections, Meter, Offer, Offers, Portal, Problem, Reader, Reason, SessionTokens,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Values per test: a few thousand, well under a second each in a debug build.
const VALUES: usize = 3_000;

/// Every field name the readers look for, so that random objects often have the right ones.
const FIELDS: &[&str] = &[
    "id",
    "title",
    "tier",
    "tier_label",
    "locked_section_titles",
    "metered",
    "article_id",
    "sections",
    "html",
    "grant_reason",
    "meter",
    "articles_read",
    "articles_left",
    "limit",
    "resets_at",
    "registered_limit",
    "access_token",
    "expires_in",
    "refresh_token",
    "reader",
    "email",
    "offers",
    "name",
    "amount",
    "currency",
    "interval",
    "trial_days",
    "url",
    "checkout_id",
    "checkout_token",
    "type",
    "status",
    "detail",
    "reason",
    "retry_after",
    "attempts_left",
    "expires_at",
];

/// Numbers at the edges of what the readers take: negative, fractions, past `u32`, past the
/// 2^53 a JS number holds exactly.
const NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    3.0,
    65_535.0,
    65_536.0,
    4_294_967_295.0,
    4_294_967_296.0,
    9_007_199_254_740_991.0,
    9_007_199_254_740_992.0,
    1e308,
    -1e308,
    5e-324,
];

/// xorshift64*: the same values on every run, so a failure is reproducible by its index.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn string(&mut self) -> String {
        let names: Vec<&str> = GrantReason::ALL
            .iter()
            .map(|reason| reason.as_str())
            .chain(BillingInterval::ALL.iter().map(|interval| interval.as_str()))
            .chain(Reason::ALL.iter().map(|reason| reason.as_str()))
            .collect();
        match self.below(4) {
            0 => (*self.pick(&names)).to_owned(),
            1 => String::new(),
            2 => (*self.pick(FIELDS)).to_owned(),
            _ => (0..self.below(12))
                .map(|_| char::from_u32(self.below(0x3_0000) as u32).unwrap_or('\u{fffd}'))
                .collect(),
        }
    }

    fn number(&mut self) -> Value {
        match self.below(3) {
            0 => json!(*self.pick(NUMBERS)),
            1 => json!(self.next() % 10_000),
            _ => json!(self.next() as i64),
        }
    }

    fn value(&mut self, depth: usize) -> Value {
        let leaf = depth == 0 || self.below(3) == 0;
        match self.below(if leaf { 4 } else { 6 }) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => self.number(),
            3 => Value::String(self.string()),
            4 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => Value::Object(
                (0..self.below(8))
                    .map(|_| {
                        let key =
                            if self.below(5) == 0 { self.string() } else { (*self.pick(FIELDS)).to_owned() };
                        (key, self.value(depth - 1))
                    })
                    .collect(),
            ),
        }
    }

    /// Changes one part of `value`: a field removed, nulled or replaced, an array emptied or
    /// grown, a number or string replaced, or the whole wrapped in an array.
    fn mutate(&mut self, value: &mut Value) {
        match value {
            Value::Object(fields) if !fields.is_empty() && self.below(3) != 0 => {
                let key = fields.keys().nth(self.below(fields.len())).expect("a field").clone();
                match self.below(4) {
                    0 => drop(fields.remove(&key)),
                    1 => drop(fields.insert(key, Value::Null)),
                    2 => drop(fields.insert(key, self.value(2))),
                    _ => self.mutate(fields.get_mut(&key).expect("the field")),
                }
            }
            Value::Array(items) if !items.is_empty() && self.below(3) != 0 => match self.below(3) {
                0 => items.clear(),
                1 => items.push(self.value(2)),
                _ => {
                    let at = self.below(items.len());
                    self.mutate(&mut items[at]);
                }
            },
            _ => {
                *value = match self.below(4) {
                    0 => Value::Array(vec![value.take()]),
                    1 => self.number(),
                    2 => Value::String(self.string()),
                    _ => self.value(2),
                }
            }
        }
    }
}

/// Whether every number in `value` is one a JS number holds exactly (the readers refuse the
/// rest, as `src/wire.rs` says; the API sends none).
fn exact_in_js(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.as_f64().is_some_and(|n| n.abs() <= 9_007_199_254_740_991.0),
        Value::Array(items) => items.iter().all(exact_in_js),
        Value::Object(fields) => fields.values().all(exact_in_js),
        _ => true,
    }
}

/// `value` through the browser's JSON parser and `T`'s reader, which must not panic; and
/// whatever `serde` reads from `value`, written back as the server writes it, the reader reads
/// as the same value. (Not `value` itself: `serde` also takes a struct as an array of its
/// fields, which no server sends.)
fn read_as<T: FromJs + Serialize + DeserializeOwned + PartialEq + Debug>(value: &Value) {
    let _ = T::from_js(&parse(&value.to_string()));
    if let Ok(expected) = serde_json::from_value::<T>(value.clone()) {
        let sent = serde_json::to_value(&expected).expect("a wire type is JSON");
        if exact_in_js(&sent) {
            let read = T::from_js(&parse(&sent.to_string()));
            assert_eq!(read, Ok(expected), "{} from {sent}", std::any::type_name::<T>());
        }
    }
}

fn parse(json: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(json).expect("serde_json writes JSON")
}

fn every_reader(value: &Value) {
    read_as::<ArticleSummary>(value);
    read_as::<LockedSection>(value);
    read_as::<LockedSections>(value);
    read_as::<Meter>(value);
    read_as::<Reader>(value);
    read_as::<SessionTokens>(value);
    read_as::<CodeSent>(value);
    read_as::<Offer>(value);
    read_as::<Offers>(value);
    read_as::<CheckoutStarted>(value);
    read_as::<Portal>(value);
    read_as::<Problem>(value);
    read_as::<GiftLink>(value);
    read_as::<GrantReason>(value);
    read_as::<BillingInterval>(value);
    read_as::<Reason>(value);
    read_as::<Vec<ArticleSummary>>(value);
    read_as::<Vec<String>>(value);
}

fn as_value(answer: impl Serialize) -> Value {
    serde_json::to_value(answer).expect("a wire type is JSON")
}

/// One of each answer the server sends, as it sends it.
fn answers() -> Vec<Value> {
    let meter =
        Meter { articles_read: 2, articles_left: 1, limit: 3, resets_at: 1_900_000_000, registered_limit: 5 };
    let section =
        LockedSection { title: "The watch".into(), html: "<p>Four on, <b>eight</b> off.</p>".into() };
    let offer = Offer {
        id: 7,
        tier: "premium".into(),
        name: "Monthly".into(),
        amount: 900,
        currency: "eur".into(),
        interval: BillingInterval::ALL[0],
        trial_days: 14,
    };
    let mut problem = Problem::new(402, "Subscribe to read on");
    problem.reason = Some(Reason::ALL[0]);
    problem.tier = Some("premium".into());
    problem.meter = Some(meter.clone());
    problem.retry_after = Some(30);
    vec![
        as_value(ArticleSummary {
            id: "lighthouse-keepers".into(),
            title: "Lighthouse keepers".into(),
            tier: "premium".into(),
            tier_label: "Premium".into(),
            locked_section_titles: vec!["The watch".into(), "Log books".into()],
            metered: true,
        }),
        as_value(LockedSections {
            article_id: "lighthouse-keepers".into(),
            sections: vec![section.clone(), section],
            grant_reason: GrantReason::ALL[GrantReason::ALL.len() - 1],
            meter: Some(meter),
        }),
        as_value(SessionTokens {
            access_token: "eyJ.a.b".into(),
            expires_in: 900,
            refresh_token: "r-1".into(),
            reader: Reader { id: 42, email: "ada@example.com".into() },
        }),
        as_value(CodeSent { email: "ada@example.com".into(), expires_in: 600 }),
        as_value(Offers { offers: vec![offer.clone(), offer] }),
        as_value(CheckoutStarted {
            url: "https://pay.test/c".into(),
            checkout_id: "cs_1".into(),
            checkout_token: "t".into(),
        }),
        as_value(Portal { url: "https://pay.test/p".into() }),
        as_value(problem),
        as_value(GiftLink {
            id: 4,
            url: "https://news.test/a#paywall-gift=t".into(),
            expires_at: 1_900_000_000,
        }),
        Value::Object(Map::new()),
    ]
}

#[wasm_bindgen_test]
fn random_json_values_are_read_or_refused_never_a_panic() {
    let mut seeded = Seeded(0x9e37_79b9_7f4a_7c15);
    for _ in 0..VALUES {
        every_reader(&seeded.value(4));
    }
}

#[wasm_bindgen_test]
fn changed_answers_are_read_or_refused_never_a_panic() {
    let answers = answers();
    let mut seeded = Seeded(0x2545_f491_4f6c_dd1d);
    for _ in 0..VALUES {
        let mut answer = seeded.pick(&answers).clone();
        for _ in 0..=seeded.below(3) {
            seeded.mutate(&mut answer);
        }
        every_reader(&answer);
    }
}
