//! The paywall's prompt, its texts and its styles: what the widget draws in the browser and the
//! server draws before the widget loads (`draw`, with the `ssr` feature), defined once so that
//! the two are the same HTML.

mod account_bar;
#[cfg(feature = "ssr")]
pub mod draw;
pub mod i18n;
pub mod money;
mod prompt;

pub use account_bar::{AccountBar, AccountBarProps};
pub use prompt::{Prompt, PromptProps};

/// The widget's styles, scoped to its shadow root and adopted as a constructable stylesheet,
/// which a page's `style-src` does not govern (an inline `<style>` it would refuse). Every
/// byte of it is downloaded, so its notes live here: the dark palette is written twice, for
/// `data-theme="dark"` and for `auto` under a dark system setting, because CSS cannot share
/// one block between an attribute selector and a media query, and `light-dark()` would leave
/// pre-2024 browsers colourless. Sizes are in `em` of the article's text, never `rem`: many
/// sites set the root's font size to 10px (`62.5%`) and size everything from there.
pub const STYLE: &str = include_str!("paywall.css");
