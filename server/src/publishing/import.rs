//! Articles from the publisher's files (`paywall-server import FILE...`): HTML or Markdown
//! with a divider. Everything before `<!-- paywall -->` (Ghost's `<!--members-only-->` is read
//! too) is the free section and stays on the publisher's page; after it, each `<h2>` (`##` in
//! Markdown) starts a locked section titled by that heading. Front matter (`id:`, `title:`,
//! `tier:` between `---` lines) or flags name the article.

use std::path::Path;

use crate::sanitize::{self, Removed};

/// The tier an article needs when neither its file nor a flag names one.
pub const DEFAULT_TIER: &str = "premium";

/// What the command line says about every file it imports; each wins over front matter.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// The article's id.
    pub id: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// The tier it needs.
    pub tier: Option<String>,
}

/// An article read from a file, its locked sections already sanitised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// The id pages name it by (`data-paywall`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The tier it needs.
    pub tier: String,
    /// The locked sections, in reading order: title, sanitised HTML.
    pub sections: Vec<(String, String)>,
    /// What sanitising took out of the locked sections.
    pub removed: Removed,
}

impl Article {
    /// The article as the store and the admin API take it.
    pub fn stored(&self) -> paywall_protocol::admin::Article {
        paywall_protocol::admin::Article {
            title: self.title.clone(),
            tier: self.tier.clone(),
            sections: self
                .sections
                .iter()
                .map(|(title, html)| paywall_protocol::LockedSection {
                    title: title.clone(),
                    html: html.clone(),
                })
                .collect(),
        }
    }
}

/// Why a file could not be imported; nothing of it was stored.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// No divider line says where the locked part starts.
    #[error("no `<!-- paywall -->` line says where the locked part starts")]
    NoDivider,
    /// Text between the divider and the first heading would belong to no section.
    #[error("the locked part must start with a heading (`## ` in Markdown, `<h2>` in HTML)")]
    TextBeforeFirstHeading,
    /// A section heading is empty.
    #[error("locked section {0} has an empty heading")]
    EmptyHeading(usize),
    /// No title in the front matter, a flag, or a first-level heading.
    #[error("no title: give `title:` in the front matter, `--title`, or a first-level heading")]
    NoTitle,
    /// The id cannot be used in a page's `data-paywall` and a URL.
    #[error("the id {0:?} must be 1 to 128 letters, digits, `-`, `_` or `.`")]
    BadId(String),
}

/// Reads one file's text: Markdown when `path` ends in `.md` or `.markdown`, else HTML.
pub fn parse(path: &Path, text: &str, overrides: &Overrides) -> Result<Article, ImportError> {
    let (front, body) = front_matter(text);
    let markdown = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("markdown"));
    let html = if markdown { markdown_to_html(body) } else { body.to_owned() };
    let (free, locked) = split_at_divider(&html).ok_or(ImportError::NoDivider)?;
    let field = |name: &str| front.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let id = overrides.id.clone().or_else(|| field("id")).unwrap_or(stem);
    if !valid_id(&id) {
        return Err(ImportError::BadId(id));
    }
    let title = overrides
        .title
        .clone()
        .or_else(|| field("title"))
        .or_else(|| first_heading(free, "h1"))
        .filter(|title| !title.trim().is_empty())
        .ok_or(ImportError::NoTitle)?;
    let tier = overrides.tier.clone().or_else(|| field("tier")).unwrap_or_else(|| DEFAULT_TIER.to_owned());
    let (sections, removed) = sections(locked)?;
    Ok(Article { id, title: title.trim().to_owned(), tier, sections, removed })
}

/// Whether an article id can be used in a page's `data-paywall` and in a URL: 1 to 128
/// letters, digits, `-`, `_` or `.`.
pub fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `key: value` lines between a first line `---` and the next `---`, and the text after them.
fn front_matter(text: &str) -> (Vec<(String, String)>, &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return (Vec::new(), text);
    };
    let Some(end) = rest.find("\n---") else { return (Vec::new(), text) };
    let fields = rest[..end]
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            Some((key.trim().to_ascii_lowercase(), value.to_owned()))
        })
        .collect();
    let after = &rest[end + 4..];
    (fields, after.split_once('\n').map_or("", |(_, body)| body))
}

fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    out
}

/// The text before and after the first divider comment.
fn split_at_divider(html: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(start) = html[from..].find("<!--").map(|at| from + at) {
        let end = start + 4 + html[start + 4..].find("-->")?;
        let inner = html[start + 4..end].trim().to_ascii_lowercase();
        if inner == "paywall" || inner == "members-only" {
            return Some((&html[..start], &html[end + 3..]));
        }
        from = end + 3;
    }
    None
}

/// The text of the first `<tag>` element, if any.
fn first_heading(html: &str, tag: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find(&format!("<{tag}"))?;
    let content = open + lower[open..].find('>')? + 1;
    let close = content + lower[content..].find(&format!("</{tag}>"))?;
    Some(text_of(&html[content..close]))
}

/// The locked part cut at each `<h2>`: heading text and sanitised HTML of what follows it, and
/// what sanitising removed.
fn sections(locked: &str) -> Result<(Vec<(String, String)>, Removed), ImportError> {
    let lower = locked.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices("<h2")
        .map(|(at, _)| at)
        .filter(|&at| lower[at + 3..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace()))
        .collect();
    let before = starts.first().map_or(locked, |&first| &locked[..first]);
    if !text_of(&sanitize::html(before)).trim().is_empty() {
        return Err(ImportError::TextBeforeFirstHeading);
    }
    let mut sections = Vec::new();
    let mut removed = Removed::default();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(locked.len());
        let part = &locked[start..end];
        let lower_part = &lower[start..end];
        let content = lower_part.find('>').map_or(part.len(), |at| at + 1);
        let close = lower_part.find("</h2>").unwrap_or(content);
        let title = text_of(&part[content..close.max(content)]);
        if title.trim().is_empty() {
            return Err(ImportError::EmptyHeading(n + 1));
        }
        let body = part.get(close + 5..).unwrap_or_default();
        let (html, took) = sanitize::html_reporting(body.trim());
        removed.add(&took);
        sections.push((title.trim().to_owned(), html));
    }
    Ok((sections, removed))
}

/// The text of an HTML fragment: tags dropped, the entities Markdown and editors write decoded.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
