//! `/v1/offers`: what the prompt sells for an article (the publisher sets them in
//! `routes::admin::offers`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::Offers;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::store::articles;
use crate::store::offers::{self};

/// The most offers the prompt shows.
pub(super) const MAX_SHOWN: u32 = 3;

/// The offer route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(for_article))
}

/// Which article's offers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ForArticle {
    /// The article's id.
    article: String,
}

/// `GET /v1/offers?article=ID`: the active offers whose tier opens the article, at most three,
/// in the publisher's order.
#[utoipa::path(get, path = "/offers", tag = "offers", params(ForArticle),
    responses(
        (status = 200, description = "The offers, perhaps none", body = Offers),
        (status = 404, description = "No such article", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn for_article(State(state): State<AppState>, Query(query): Query<ForArticle>) -> AppResult<Response> {
    let tier = articles::tier(&state.db, &query.article)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no article with this id.".to_owned()))?;
    let offers = offers::opening(&state.db, &tier, MAX_SHOWN).await?;
    let mut response = Json(Offers { offers }).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response)
}
