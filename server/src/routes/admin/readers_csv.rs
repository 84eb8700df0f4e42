//! `/v1/admin/readers/import` and `/v1/admin/readers/export`: readers in and out as CSV, as
//! `paywall-server readers import|export` moves them (owners only: every reader's email).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::admin::{CsvProblem, ReadersImport};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, Owner};
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Query, RawBody};
use crate::publishing::readers_csv;
use crate::state::AppState;
use crate::store::audit::Entry;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_readers)).routes(routes!(export_readers))
}

/// Whether to write.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// Only check the file: say what is wrong, line by line, and write nothing.
    dry_run: Option<bool>,
}

/// `POST /v1/admin/readers/import`: the body is a CSV file (`email`, `name`, `tier`, `status`,
/// `current_period_end`, `customer_id`). Every line is checked first; with any problem, or
/// with `dry_run=true`, nothing is written and the answer lists what was found.
#[utoipa::path(post, path = "/admin/readers/import", tag = "admin", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"), security(("admin_key" = [])),
    responses((status = 200, description = "What the file holds, and whether it was written", body = ReadersImport)))]
async fn import_readers(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Query(query): Query<ImportQuery>,
    RawBody(body): RawBody,
) -> AppResult<Json<ReadersImport>> {
    let problems = |problems: Vec<readers_csv::CsvError>| ReadersImport {
        problems: problems
            .into_iter()
            .map(|problem| CsvProblem { line: problem.line, message: problem.message })
            .collect(),
        ..ReadersImport::default()
    };
    let mut rows = match readers_csv::check(body.as_ref()) {
        Ok(rows) => rows,
        Err(found) => return Ok(Json(problems(found))),
    };
    let unknown = crate::store::readers_csv::resolve_tiers(&state.db, &mut rows).await?;
    let count = rows.len() as u64;
    if !unknown.is_empty() {
        let message = format!("no tier a subscription can open is named {}", unknown.join(", "));
        return Ok(Json(ReadersImport {
            rows: count,
            ..problems(vec![readers_csv::CsvError { line: 1, message }])
        }));
    }
    if query.dry_run.unwrap_or(false) {
        return Ok(Json(ReadersImport { rows: count, ..ReadersImport::default() }));
    }
    let audit = Entry {
        actor: &admin.actor,
        action: "readers.import",
        target: "readers".to_owned(),
        detail: format!("{count} rows"),
    };
    let done = crate::store::readers_csv::import(&state.db, &rows, &audit).await?;
    Ok(Json(ReadersImport {
        rows: count,
        problems: Vec::new(),
        written: true,
        readers_added: done.readers_added,
        readers_updated: done.readers_updated,
        subscriptions_added: done.subscriptions_added,
        subscriptions_updated: done.subscriptions_updated,
        unchanged: done.unchanged,
    }))
}

/// `GET /v1/admin/readers/export`: every reader, with their latest subscription, as CSV (the
/// file `import` takes back).
#[utoipa::path(get, path = "/admin/readers/export", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "The readers", content_type = "text/csv", body = String)))]
async fn export_readers(State(state): State<AppState>, admin: Admin<Owner>) -> AppResult<Response> {
    let rows = crate::store::readers_csv::export(&state.db).await?;
    // A copy of every reader's email leaves the server: the log says who took it.
    let entry = Entry {
        actor: &admin.actor,
        action: "readers.export",
        target: "readers".to_owned(),
        detail: format!("{} rows", rows.len()),
    };
    crate::store::audit::insert(&state.db, &entry).await?;
    let mut csv = Vec::new();
    readers_csv::write(&rows, &mut csv)
        .map_err(|error| AppError::internal("writing the readers' CSV", error))?;
    let day = crate::time::date_of_day(crate::time::day_of(crate::time::now()));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"readers-{day}.csv\""))
        .expect("a date is a valid header");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        csv,
    )
        .into_response())
}
