//! `/v1/admin/tiers`: the ladder of tiers.

use axum::extract::State;
use paywall_protocol::admin::{Tier, Tiers};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, Editor};
use crate::error::{AppError, AppResult};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::audit::Entry;
use crate::store::tiers;
use paywall_protocol::tiers::{FREE, REGISTERED};

use crate::store::tiers::LadderError;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tiers, put_tiers))
}

/// `GET /v1/admin/tiers`: the ladder, lowest first.
#[utoipa::path(get, path = "/admin/tiers", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "The tier ladder", body = Tiers)))]
async fn get_tiers(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<Tiers>> {
    Ok(Json(Tiers { tiers: tiers::ladder(&state.db).await? }))
}

/// `PUT /v1/admin/tiers`: a new ladder, lowest first, starting with `free` and `registered`.
/// A tier that articles or subscriptions name cannot be left out (409).
#[utoipa::path(put, path = "/admin/tiers", tag = "admin", request_body = Tiers, security(("admin_key" = [])),
    responses(
        (status = 200, description = "The ladder as stored", body = Tiers),
        (status = 409, description = "A tier left out is still in use", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Not a ladder", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn put_tiers(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Json(body): Json<Tiers>,
) -> AppResult<Json<Tiers>> {
    check_ladder(&body.tiers)?;
    let names: Vec<&str> = body.tiers.iter().map(|tier| tier.name.as_str()).collect();
    let audit = Entry {
        actor: &admin.actor,
        action: "tiers.put",
        target: "tiers".to_owned(),
        detail: names.join(" < "),
    };
    match tiers::replace(&state.db, &body.tiers, &audit).await {
        Ok(_) => Ok(Json(Tiers { tiers: tiers::ladder(&state.db).await? })),
        Err(LadderError::InUse(names)) => Err(AppError::Conflict(format!(
            "These tiers are still named by articles or subscriptions: {}.",
            names.join(", ")
        ))),
        Err(LadderError::Database(error)) => Err(error.into()),
    }
}

/// A ladder that can be stored: `free` and `registered` first, then unique names of lower-case
/// letters, digits, `-` and `_`, each with a label.
fn check_ladder(tiers: &[Tier]) -> AppResult<()> {
    let invalid = |why: String| Err(AppError::InvalidInput(why));
    if tiers.len() < 2 || tiers[0].name != FREE || tiers[1].name != REGISTERED {
        return invalid(format!("The ladder starts with {FREE:?} and {REGISTERED:?}."));
    }
    if tiers.len() > 32 {
        return invalid("A ladder has at most 32 tiers.".to_owned());
    }
    for (n, tier) in tiers.iter().enumerate() {
        let valid_name = (1..=32).contains(&tier.name.len())
            && tier
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
        if !valid_name {
            return invalid(format!(
                "Tier {:?}: a name is 1 to 32 lower-case letters, digits, `-` or `_`.",
                tier.name
            ));
        }
        if tier.label.trim().is_empty() || tier.label.chars().count() > 64 {
            return invalid(format!("Tier {:?} needs a label of 1 to 64 characters.", tier.name));
        }
        if tiers[..n].iter().any(|earlier| earlier.name == tier.name) {
            return invalid(format!("Tier {:?} is named twice.", tier.name));
        }
    }
    Ok(())
}
