//! One module per page of the dashboard.

pub mod article;
pub mod articles;
pub mod audit;
pub mod keys;
pub mod meter;
pub mod offers;
pub mod overview;
pub mod reader;
pub mod readers;
pub mod staff;
pub mod webhooks;
