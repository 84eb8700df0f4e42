//! The widget's hooks.

mod use_paywall;

pub use use_paywall::{MoreWays, PasskeyChange, use_paywall};
