//! The prices the prompt shows (`paywall_ui::money`, which the server draws with too) are what
//! the browser's own `Intl.NumberFormat` writes, in each of the widget's languages, for every
//! currency with a symbol of its own, some without, and amounts from nothing to millions.

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Intl, Object, Reflect};
use paywall_ui::money;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CURRENCIES: &[&str] = &[
    "eur", "usd", "gbp", "jpy", "cad", "aud", "nzd", "hkd", "mxn", "cny", "krw", "inr", "brl", "ils", "twd",
    "vnd", "chf", "sek", "nok", "dkk", "pln", "czk", "zar", "kwd", "bhd", "isk", "xts",
];

const AMOUNTS: &[i64] = &[0, 5, 800, 1999, 123_400, 1_234_500, 123_456_789];

/// What `Intl` writes for `minor` units of `currency` in `language`.
fn intl(language: &str, minor: i64, currency: &str) -> String {
    let options = Object::new();
    Reflect::set(&options, &"style".into(), &"currency".into()).unwrap();
    Reflect::set(&options, &"currency".into(), &currency.to_uppercase().into()).unwrap();
    let format = Intl::NumberFormat::new(&Array::of1(&language.into()), &options);
    let digits =
        Reflect::get(&format.resolved_options(), &"maximumFractionDigits".into()).unwrap().as_f64().unwrap();
    let amount = minor as f64 / 10_f64.powf(digits);
    format.format().call1(&JsValue::NULL, &amount.into()).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn every_price_is_written_as_the_browser_writes_it() {
    let mut wrong = Vec::new();
    for language in ["en", "fr", "de", "es"] {
        for currency in CURRENCIES {
            for &minor in AMOUNTS {
                let (ours, theirs) =
                    (money::format(language, minor, currency), intl(language, minor, currency));
                if ours != theirs {
                    wrong.push(format!("{language} {minor} {currency}: ours {ours:?}, Intl {theirs:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} prices differ:\n{}", wrong.len(), wrong.join("\n"));
}
