//! The reference paywall server: articles, readers, subscriptions and sessions in SQLite or
//! PostgreSQL, behind the JSON API the widget calls, plus the demo site's files.
//!
//! `main.rs` parses the command line ([`cli`]), calls [`start`] and [`serve`]; tests call
//! [`start`] and drive [`app`] without a socket.
//!
//! Roughly from the top down; no two modules import each other, directly or through others
//! (`cargo xtask layers` checks):
//! - [`boot`]: start, migrate, serve; [`cli`]: the commands a publisher runs on the server;
//! - [`routes`]: the HTTP API, one module per resource (all of `/v1/admin` in `routes::admin`);
//! - [`state`]: what every handler shares;
//! - the server's work: [`access`] (who may read what: entitlement, meter, gift links,
//!   catalog), [`auth`] (who is asking), [`money`] (payments, Stripe's events), [`publishing`]
//!   (importing articles and readers, outbound webhooks), [`mail`], [`widget`] (its files);
//! - [`http`]: plumbing (the client's address, rate limits, extractors, connections);
//! - [`store`]: every SQL statement;
//! - [`config`] (which reads the store's session lifetimes), and the leaves: [`error`],
//!   [`files`], [`sanitize`], [`random`], [`time`].

pub mod access;
pub mod auth;
pub mod boot;
pub mod cli;
pub mod config;
pub mod error;
pub mod files;
pub mod http;
pub mod mail;
pub mod money;
pub mod publishing;
pub mod random;
mod routes;
pub mod sanitize;
pub mod state;
pub mod store;
pub mod time;
pub mod widget;

pub use boot::{migrate, serve, start};
pub use config::Config;
pub use error::StartError;
pub use routes::{MAX_ADMIN_BODY_BYTES, MAX_BODY_BYTES, app};
pub use state::AppState;
