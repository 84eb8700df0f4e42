//! The OpenAPI 3.1 description of the `/v1` API, generated from the handlers' annotations and
//! the `protocol` types, served at `/v1/openapi.json`.

use utoipa::ToSchema;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, OpenApi, Ref};

/// The document's fixed parts: what it is, and the parts every operation shares.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Paywall API",
        description = "The paywall server's API: what the widget calls (articles, sign-in, sessions) \
                       and what a publisher's systems call with an API key (`/v1/admin`). Errors are \
                       `application/problem+json` (RFC 9457).",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "articles", description = "What anyone may know of an article, and its locked sections"),
        (name = "sign-in", description = "Signing in and out, and keeping a session"),
        (name = "readers", description = "The signed-in reader's own account"),
        (name = "offers", description = "What the prompt sells"),
        (name = "checkout", description = "Paying at the provider, and the provider's webhooks"),
        (name = "gifts", description = "A subscriber's links that open one article to whoever they send them"),
        (name = "admin", description = "For the publisher's systems (`Authorization: Bearer paywall_sk_…`) and the dashboard"),
        (name = "staff", description = "The dashboard's people: signing in with an emailed link, roles, sessions"),
    )
)]
pub struct ApiDoc;

/// The whole description, from the operations the routers collected (their paths relative to
/// `/v1`): paths under `/v1`, the security schemes, and on every operation a `default`
/// answer: any status it does not list (400, 408, 413, 415, 429, 500, 503, …) is a problem.
pub fn document(mut api: OpenApi) -> OpenApi {
    api.paths.paths = std::mem::take(&mut api.paths.paths)
        .into_iter()
        .map(|(path, item)| (format!("/v1{path}"), item))
        .collect();
    {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "reader_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A reader's access token, from a sign-in or a refresh"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from `paywall-server api-key create`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::admin::STAFF_COOKIE,
                "A staff member's dashboard session, from `POST /v1/admin/session`; every request \
                 with it also carries the header `Paywall-Staff: 1`",
            ))),
        );
        let name = paywall_protocol::Problem::name();
        components
            .schemas
            .entry(name.to_string())
            .or_insert_with(<paywall_protocol::Problem as utoipa::PartialSchema>::schema);
        let mut schemas = Vec::new();
        paywall_protocol::Problem::schemas(&mut schemas);
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        let problem = ResponseBuilder::new()
            .description("A problem: any status the operation does not list")
            .content(paywall_protocol::PROBLEM_CONTENT_TYPE, Content::new(Some(Ref::from_schema_name(name))))
            .build();
        for item in api.paths.paths.values_mut() {
            let operations: [&mut Option<Operation>; 4] =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                // Whatever an API key may do, a staff member's session may too (as far as
                // their role allows).
                if let Some(security) = operation.security.as_mut()
                    && serde_json::to_value(&*security)
                        .is_ok_and(|value| value.to_string().contains("\"admin_key\""))
                {
                    security.push(SecurityRequirement::new("staff_session", Vec::<String>::new()));
                }
                operation
                    .responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| problem.clone().into());
            }
        }
    }
    api
}
