//! Cleaning article HTML: what a section may contain once it reaches a reader's page.

/// `html` with scripts, event handlers, `javascript:` URLs, styles and every other element or
/// attribute outside ammonia's safe list removed; links get `rel="noopener noreferrer"`.
pub fn html(html: &str) -> String {
    ammonia::clean(html)
}
