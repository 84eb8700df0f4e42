//! `/v1/admin`: the publisher's API, behind an API key or a staff member's dashboard session;
//! every route here, under one body limit.

mod api_keys;
mod articles;
mod audit;
mod gift_policy;
mod meter;
mod offers;
mod paging;
mod readers;
mod readers_csv;
pub mod staff;
mod stats;
mod tiers;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The largest body the admin API reads: an article with its locked sections.
pub const MAX_ADMIN_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The admin routes, with their body limit.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(staff::router())
        .merge(api_keys::router())
        .merge(articles::router())
        .merge(tiers::router())
        .merge(readers::router())
        .merge(readers_csv::router())
        .merge(audit::router())
        .merge(stats::router())
        .merge(offers::router())
        .merge(gift_policy::router())
        .merge(meter::router())
        .merge(webhooks::router())
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY_BYTES))
}
