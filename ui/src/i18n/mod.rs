//! Every sentence the widget shows a reader, in English, French, German and Spanish.
//!
//! Each language is one `static` of plain strings compiled into the module, so a language
//! costs the download its own strings and nothing more: there is no message-format runtime,
//! no plural-rules database and no second fetch. Plurals are the one-or-many kind these four
//! languages need (French counts 0 as one).

mod de;
mod en;
mod es;
mod fr;
mod texts;

pub use self::texts::Texts;

/// The texts for a locale such as `fr-CA` (by its language), English for any other.
pub fn texts(locale: &str) -> &'static Texts {
    let language = locale.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    match language.as_str() {
        "fr" => &fr::TEXTS,
        "de" => &de::TEXTS,
        "es" => &es::TEXTS,
        _ => &en::TEXTS,
    }
}
