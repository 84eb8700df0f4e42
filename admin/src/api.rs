//! The admin API from the dashboard: same-origin requests that carry the session cookie and
//! the dashboard's header (without which the server refuses a cookie), JSON in and out, and
//! every refusal as the problem's own words.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The header every dashboard request carries (`paywall-server`'s `STAFF_HEADER`).
const STAFF_HEADER: &str = "paywall-staff";

/// Why a request failed: the HTTP status (0: no answer) and what to tell the staff member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The status, or 0 when the server could not be reached.
    pub status: u16,
    /// The problem's `detail`, or what went wrong.
    pub message: String,
}

impl ApiError {
    /// Whether the session is over (or there never was one).
    pub fn signed_out(&self) -> bool {
        self.status == 401
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn builder(method: &str, path: &str) -> RequestBuilder {
    let builder = match method {
        "POST" => Request::post(path),
        "PUT" => Request::put(path),
        "DELETE" => Request::delete(path),
        _ => Request::get(path),
    };
    builder.header(STAFF_HEADER, "1")
}

fn unreachable(error: impl std::fmt::Display) -> ApiError {
    ApiError { status: 0, message: format!("The server could not be reached ({error}).") }
}

/// The answer if it is a success, else the problem it carries.
async fn checked(response: Response) -> ApiResult<Response> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let message = match response.json::<serde_json::Value>().await {
        Ok(problem) => problem["detail"]
            .as_str()
            .or(problem["title"].as_str())
            .map_or_else(|| format!("The server answered {status}."), str::to_owned),
        Err(_) => format!("The server answered {status}."),
    };
    Err(ApiError { status, message })
}

/// `GET path` as `T`.
pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    let response = builder("GET", path).send().await.map_err(unreachable)?;
    checked(response).await?.json().await.map_err(unreachable)
}

/// `GET path` as `T`, with its entity tag.
pub async fn get_tagged<T: DeserializeOwned>(path: &str) -> ApiResult<(T, String)> {
    let response = checked(builder("GET", path).send().await.map_err(unreachable)?).await?;
    let etag = response.headers().get("etag").unwrap_or_default();
    Ok((response.json().await.map_err(unreachable)?, etag))
}

/// `GET path` as text (a CSV file).
pub async fn get_text(path: &str) -> ApiResult<String> {
    let response = builder("GET", path).send().await.map_err(unreachable)?;
    checked(response).await?.text().await.map_err(unreachable)
}

/// `METHOD path` with a JSON body (and `If-Match`, if given), answered as `T`, with the
/// answer's entity tag (empty if none).
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
    if_match: Option<&str>,
) -> ApiResult<(T, String)> {
    let mut request = builder(method, path);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    let request = request.json(body).map_err(unreachable)?;
    let response = checked(request.send().await.map_err(unreachable)?).await?;
    let etag = response.headers().get("etag").unwrap_or_default();
    Ok((response.json().await.map_err(unreachable)?, etag))
}

/// `METHOD path` with a JSON body (or none), whose answer is not read.
pub async fn act(
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
    if_match: Option<&str>,
) -> ApiResult<()> {
    let mut request = builder(method, path);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    let response = match body {
        Some(body) => request.json(body).map_err(unreachable)?.send().await,
        None => request.send().await,
    };
    checked(response.map_err(unreachable)?).await.map(drop)
}

/// `POST path` with a text body of `content_type`, answered as `T`.
pub async fn post_text<T: DeserializeOwned>(path: &str, content_type: &str, body: String) -> ApiResult<T> {
    let request =
        builder("POST", path).header("content-type", content_type).body(body).map_err(unreachable)?;
    checked(request.send().await.map_err(unreachable)?).await?.json().await.map_err(unreachable)
}

/// `path` with `value` as one percent-encoded segment or query value.
pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}
