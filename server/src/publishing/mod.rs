//! What publishers bring and take away: articles imported from their files, readers imported
//! from and exported to CSV, and the webhooks that tell their systems what changed.

pub mod import;
pub mod readers_csv;
pub mod webhooks;
