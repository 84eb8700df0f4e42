//! `GET /v1/articles/{id}/prompt`: the prompt a reader nobody is signed in as sees, drawn by
//! the widget's own components (`paywall-ui`), for the loader to show before the widget loads.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{ArticlePrompt, DEFAULT_SUBSCRIBE_URL, tiers};
use paywall_ui::draw::{self, Locked};
use paywall_ui::i18n;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::offers::MAX_SHOWN;
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::store::{articles, offers};

/// The longest subscribe address drawn.
const MAX_URL: usize = 2048;

/// The prompt's route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(prompt))
}

/// How the page asks for its prompt.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PromptQuery {
    /// The reader's language, as the widget picks it (`fr-CA` is French; English for any
    /// language the widget does not speak).
    locale: Option<String>,
    /// Where Subscribe leads (the page's `data-paywall-subscribe-url`; `/subscribe` by default).
    subscribe: Option<String>,
}

/// `GET /v1/articles/{id}/prompt`: the prompt's HTML and styles for a reader nobody is signed
/// in as, in their language with the offers' prices, as the widget draws it.
#[utoipa::path(get, path = "/articles/{id}/prompt", tag = "articles",
    params(("id" = String, Path, description = "The article's id, as in `data-paywall`"), PromptQuery),
    responses(
        (status = 200, description = "The prompt (nothing to draw for an article that may open without a subscription)", body = ArticlePrompt),
        (status = 404, description = "No such article", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A subscribe address over 2048 bytes, or not a web address (`javascript:`, `data:`)", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn prompt(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PromptQuery>,
) -> AppResult<Response> {
    let subscribe_url = query
        .subscribe
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_SUBSCRIBE_URL.to_owned());
    if subscribe_url.len() > MAX_URL {
        return Err(AppError::InvalidInput(format!("subscribe is at most {MAX_URL} bytes.")));
    }
    if !is_web_address(&subscribe_url) {
        return Err(AppError::InvalidInput("subscribe must be an http(s) address or a path.".to_owned()));
    }
    let summary = articles::summary(&state.db, &id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no article with this id.".to_owned()))?;
    let texts = i18n::texts(query.locale.as_deref().unwrap_or_default());
    let opens_without_subscription = summary.tier == tiers::FREE || state.meter.is_on(&state.db).await?;
    let html = if opens_without_subscription {
        String::new()
    } else {
        let offers = offers::opening(&state.db, &summary.tier, MAX_SHOWN).await?;
        let locked = Locked {
            titles: summary.locked_section_titles,
            tier: summary.tier,
            tier_label: summary.tier_label,
            offers,
            subscribe_url: subscribe_url.clone(),
            reader: None,
            higher_tier: false,
        };
        draw::prompt(texts, locked).await
    };
    let prompt = ArticlePrompt {
        lang: texts.lang.to_owned(),
        opens_without_subscription,
        html,
        unavailable: draw::unavailable(texts, subscribe_url).await,
        css: paywall_ui::STYLE.to_owned(),
    };
    let mut response = Json(prompt).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response)
}

/// Whether `url` is an address a link may lead to: relative (a path, a query) or `http(s):`;
/// not `javascript:`, `data:` or any other scheme, which no page of ours needs drawn.
fn is_web_address(url: &str) -> bool {
    let scheme =
        url.split_once(':').map(|(scheme, _)| scheme).filter(|scheme| !scheme.contains(['/', '?', '#']));
    scheme.is_none_or(|scheme| scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
}
