//! `/v1/admin/offers`: the publisher's offers, active or not.

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::admin::{AdminOffer, AdminOffers, OfferSettings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, Editor};
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::store::audit::Entry;
use crate::store::offers::{self, OfferError};

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get_offer, update))
}

/// `GET /v1/admin/offers`: every offer, active or not, in the prompt's order.
#[utoipa::path(get, path = "/admin/offers", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "Every offer", body = AdminOffers)))]
async fn list(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<AdminOffers>> {
    Ok(Json(AdminOffers { offers: offers::all(&state.db).await? }))
}

/// `POST /v1/admin/offers`: adds an offer.
#[utoipa::path(post, path = "/admin/offers", tag = "admin", request_body = OfferSettings,
    security(("admin_key" = [])),
    responses(
        (status = 201, description = "The offer added", body = AdminOffer),
        (status = 422, description = "An unknown tier, or a price, currency or name out of range",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Json(body): Json<OfferSettings>,
) -> AppResult<(StatusCode, Json<AdminOffer>)> {
    let offer = checked(body)?;
    let audit = Entry {
        actor: &admin.actor,
        action: "offer.create",
        target: String::new(),
        detail: describe(&offer),
    };
    let stored = offers::put(&state.db, None, &offer, Some(&audit)).await.map_err(offer_error)?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// `GET /v1/admin/offers/{id}`: one offer.
#[utoipa::path(get, path = "/admin/offers/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The offer's id")), security(("admin_key" = [])),
    responses(
        (status = 200, description = "The offer", body = AdminOffer),
        (status = 404, description = "No such offer", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn get_offer(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<AdminOffer>> {
    offers::by_id(&state.db, id).await?.map(Json).ok_or_else(no_offer)
}

/// `PUT /v1/admin/offers/{id}`: replaces an offer's settings (`active: false` takes it out of
/// the prompt; subscriptions bought with it go on).
#[utoipa::path(put, path = "/admin/offers/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The offer's id")), request_body = OfferSettings,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The offer as stored", body = AdminOffer),
        (status = 404, description = "No such offer", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "An unknown tier, or a price, currency or name out of range",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Path(id): Path<i64>,
    Json(body): Json<OfferSettings>,
) -> AppResult<Json<AdminOffer>> {
    let offer = checked(body)?;
    let audit = Entry {
        actor: &admin.actor,
        action: "offer.update",
        target: String::new(),
        detail: describe(&offer),
    };
    offers::put(&state.db, Some(id), &offer, Some(&audit)).await.map(Json).map_err(offer_error)
}

/// The settings to store: a name, a price from 0 to 1,000,000 minor units, a three-letter
/// currency (stored lower case), a trial of at most two years, a provider price.
fn checked(mut offer: OfferSettings) -> AppResult<OfferSettings> {
    let invalid = |why: &str| Err(AppError::InvalidInput(why.to_owned()));
    offer.name = offer.name.trim().to_owned();
    offer.currency = offer.currency.trim().to_ascii_lowercase();
    offer.provider_price = offer.provider_price.trim().to_owned();
    if offer.name.is_empty() || offer.name.chars().count() > 100 {
        return invalid("An offer's name has 1 to 100 characters.");
    }
    if !(0..=100_000_000).contains(&offer.amount) {
        return invalid("amount is in the currency's minor unit, from 0 to 100000000.");
    }
    if offer.currency.len() != 3 || !offer.currency.bytes().all(|byte| byte.is_ascii_lowercase()) {
        return invalid("currency is a three-letter ISO 4217 code, like eur or usd.");
    }
    if offer.trial_days > 730 {
        return invalid("trial_days is at most 730.");
    }
    if offer.provider_price.is_empty() || offer.provider_price.len() > 255 {
        return invalid("provider_price names the payment provider's price (Stripe's price_…).");
    }
    Ok(offer)
}

fn describe(offer: &OfferSettings) -> String {
    format!(
        "{:?}, tier {}, {} {} per {:?}",
        offer.name, offer.tier, offer.amount, offer.currency, offer.interval
    )
}

fn offer_error(error: OfferError) -> AppError {
    match error {
        OfferError::UnknownTier(tier) => AppError::InvalidInput(format!(
            "{tier:?} is not a tier a subscription opens: see GET /v1/admin/tiers (not free or registered)."
        )),
        OfferError::NotFound => no_offer(),
        OfferError::Database(error) => error.into(),
    }
}

fn no_offer() -> AppError {
    AppError::NotFound("There is no offer with this id.".to_owned())
}
