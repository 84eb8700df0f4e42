//! The widget's components, one per file.

mod account_bar;
mod article_paywall;
mod prompt;
mod sign_in_dialog;
mod unlocked_sections;

pub use article_paywall::{ArticlePaywall, ArticlePaywallProps};
