//! The widget's components, one per file (the prompt and the account line are in `paywall-ui`,
//! which the server draws too).

mod article_paywall;
mod sign_in_dialog;
mod unlocked_sections;

pub use article_paywall::{ArticlePaywall, ArticlePaywallProps};
