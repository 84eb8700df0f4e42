//! Prices as each language writes them: `€8.00` in English, `8,00 €` in French, German and
//! Spanish, with the currency's own number of minor digits.
//!
//! The same text whether the widget draws the prompt in the browser or the server draws it
//! before the widget loads, so it cannot come from the browser's `Intl.NumberFormat`; no crate
//! formats currencies for these four languages without bringing all of CLDR. What follows is
//! CLDR's data for them, as Chromium's `Intl` writes it (checked against it for every currency
//! below in the widget's browser tests, `tests/prices.rs`). A currency not listed is written
//! with its ISO code, as `Intl` writes most of them.

/// The languages, in the order of each currency's symbols below.
const LANGUAGES: [&str; 4] = ["en", "fr", "de", "es"];

/// Currencies whose symbol is not their code in at least one of the languages, with the
/// symbol in each (in the order of `LANGUAGES`).
const SYMBOLS: &[(&str, [&str; 4])] = &[
    ("AUD", ["A$", "$AU", "AU$", "AUD"]),
    ("BRL", ["R$", "R$", "R$", "BRL"]),
    ("CAD", ["CA$", "$CA", "CA$", "CAD"]),
    ("CNY", ["CN¥", "CNY", "CN¥", "CNY"]),
    ("EUR", ["€", "€", "€", "€"]),
    ("GBP", ["£", "£GB", "£", "GBP"]),
    ("HKD", ["HK$", "HKD", "HK$", "HKD"]),
    ("ILS", ["₪", "₪", "₪", "ILS"]),
    ("INR", ["₹", "₹", "₹", "INR"]),
    ("JPY", ["¥", "JPY", "¥", "JPY"]),
    ("KRW", ["₩", "₩", "₩", "KRW"]),
    ("MXN", ["MX$", "$MX", "MX$", "MXN"]),
    ("NZD", ["NZ$", "$NZ", "NZ$", "NZD"]),
    ("TWD", ["NT$", "TWD", "NT$", "TWD"]),
    ("USD", ["$", "$US", "$", "US$"]),
    ("VND", ["₫", "₫", "₫", "₫"]),
];

/// Currencies without minor units (CLDR's digits, which `Intl` uses).
const NO_MINOR_UNIT: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
    "XOF", "XPF",
];

/// Currencies with three minor digits.
const THREE_MINOR_DIGITS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// The space `Intl` puts between an amount and its currency.
const NO_BREAK: char = '\u{a0}';

/// `minor` units of `currency` (an ISO 4217 code, any case) as `language` writes a price.
pub fn format(language: &str, minor: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    let column = LANGUAGES.iter().position(|known| *known == language).unwrap_or(0);
    let symbol = SYMBOLS
        .iter()
        .find(|(known, _)| *known == code)
        .map_or(code.as_str(), |(_, symbols)| symbols[column]);
    let digits = if NO_MINOR_UNIT.contains(&code.as_str()) {
        0
    } else if THREE_MINOR_DIGITS.contains(&code.as_str()) {
        3
    } else {
        2
    };
    let number = number(LANGUAGES[column], minor, digits);
    if column == 0 {
        // English puts the symbol first, spaced from the number when it ends in a letter (every
        // symbol that does ends in an ASCII one; `char::is_alphabetic` would bring Unicode's
        // tables into the widget, 4 KB).
        let spaced = symbol.bytes().last().is_some_and(|last| last.is_ascii_alphabetic());
        if spaced { format!("{symbol}{NO_BREAK}{number}") } else { format!("{symbol}{number}") }
    } else {
        format!("{number}{NO_BREAK}{symbol}")
    }
}

/// `minor` with `digits` of them after the language's decimal sign, and its thousands grouped.
fn number(language: &str, minor: i64, digits: u32) -> String {
    let (group, decimal, least) = match language {
        "en" => (",", '.', 4),
        "fr" => ("\u{202f}", ',', 4),
        "de" => (".", ',', 4),
        // Spanish groups only numbers of five digits or more: 1234 but 12.345.
        _ => (".", ',', 5),
    };
    let scale = 10_i64.pow(digits);
    let (whole, fraction) =
        (minor.unsigned_abs() / scale.unsigned_abs(), minor.unsigned_abs() % scale.unsigned_abs());
    let whole = whole.to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 * 3);
    for (index, digit) in whole.chars().enumerate() {
        let left = whole.len() - index;
        if index > 0 && left % 3 == 0 && whole.len() >= least {
            grouped.push_str(group);
        }
        grouped.push(digit);
    }
    let sign = if minor < 0 { "-" } else { "" };
    if digits == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{decimal}{fraction:0width$}", width = digits as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn writes_each_language_s_prices() {
        assert_eq!(format("en", 800, "eur"), "€8.00");
        assert_eq!(format("en", 123_456_750, "usd"), "$1,234,567.50");
        assert_eq!(format("en", 800, "chf"), "CHF\u{a0}8.00");
        assert_eq!(format("en", 800, "cad"), "CA$8.00");
        assert_eq!(format("fr", 123_400, "eur"), "1\u{202f}234,00\u{a0}€");
        assert_eq!(format("de", 1_234_500, "gbp"), "12.345,00\u{a0}£");
        assert_eq!(format("es", 123_400, "eur"), "1234,00\u{a0}€");
        assert_eq!(format("es", 1_234_500, "usd"), "12.345,00\u{a0}US$");
        assert_eq!(format("en", 800, "jpy"), "¥800");
        assert_eq!(format("de", 8000, "kwd"), "8,000\u{a0}KWD");
        assert_eq!(format("en", 5, "eur"), "€0.05");
        // Any other language is written as English.
        assert_eq!(format("pt", 800, "eur"), "€8.00");
    }
}
