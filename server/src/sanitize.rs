//! Cleaning article HTML: what a section may contain once it reaches a reader's page.

use std::collections::BTreeMap;

/// `html` with scripts, event handlers, `javascript:` URLs, styles and every other element or
/// attribute outside ammonia's safe list removed; links get `rel="noopener noreferrer"`.
pub fn html(html: &str) -> String {
    ammonia::clean(html)
}

/// What cleaning took out of some HTML: how many of each element (`<script>`) and attribute
/// (`onclick=`), for telling the publisher. Comments are not counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removed(BTreeMap<String, usize>);

impl Removed {
    /// Whether nothing was removed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds what another cleaning removed.
    pub fn add(&mut self, other: &Removed) {
        for (what, count) in &other.0 {
            *self.0.entry(what.clone()).or_default() += count;
        }
    }
}

impl std::fmt::Display for Removed {
    /// `<script> ×2, onclick= ×1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, (what, count)) in self.0.iter().enumerate() {
            let separator = if n == 0 { "" } else { ", " };
            write!(f, "{separator}{what} ×{count}")?;
        }
        Ok(())
    }
}

/// [`html`], and what it removed: each element and attribute of the input, counted, less those
/// the output still has. (Ammonia reports nothing of what it drops, so this compares tag
/// counts; a `javascript:` link shows as a removed `href=`.)
pub fn html_reporting(input: &str) -> (String, Removed) {
    let cleaned = html(input);
    let before = markup(input);
    let after = markup(&cleaned);
    let removed = before
        .into_iter()
        .filter_map(|(what, count)| {
            let left = after.get(&what).copied().unwrap_or(0);
            (count > left).then(|| (what, count - left))
        })
        .collect();
    (cleaned, Removed(removed))
}

/// Every start tag (`<name>`) and attribute (`name=`) in some HTML, counted. Attributes ammonia
/// adds itself (`rel=`) show only in the output, so they never count as removed.
fn markup(html: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(rest.len());
        if name_len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        *counts.entry(format!("<{}>", rest[..name_len].to_ascii_lowercase())).or_default() += 1;
        rest = &rest[name_len..];
        // The attributes, up to the tag's end, stepping over quoted values.
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let name_len = rest
                .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
                .unwrap_or(rest.len());
            let name = rest[..name_len.max(1)].to_ascii_lowercase();
            rest = &rest[name_len.max(1)..];
            *counts.entry(format!("{name}=")).or_default() += 1;
            if let Some(value) = rest.trim_start().strip_prefix('=') {
                let value = value.trim_start();
                rest = match value.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        value[1..].find(quote).map_or("", |end| &value[1 + end + 1..])
                    }
                    _ => value
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .map_or("", |end| &value[end..]),
                };
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_it_removed_and_not_what_it_kept() {
        let (cleaned, removed) = html_reporting(
            "<p onclick=\"go()\" class=x>Hi <a href='javascript:alert(1)'>a</a> <a href=\"https://e.example\">b</a>\
             </p><script>alert(2)</script><!-- <b>comment</b> --><img src=\"https://e.example/p.png\" onerror=x>",
        );
        assert!(!cleaned.contains("script") && !cleaned.contains("onclick"), "{cleaned}");
        assert_eq!(removed.to_string(), "<script> ×1, class= ×1, href= ×1, onclick= ×1, onerror= ×1");
        let (_, nothing) =
            html_reporting("<p>Plain <em>text</em> and <a href=\"https://e.example\">a link</a>.</p>");
        assert!(nothing.is_empty(), "{nothing}");
    }
}
