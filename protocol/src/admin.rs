//! The admin API's wire types (`/v1/admin`): what a publisher's CMS and tools send and read.
//! Every request carries `Authorization: Bearer <API key>`.

use serde::{Deserialize, Serialize};

use crate::LockedSection;

/// An article as the admin API stores it and answers it: `PUT /v1/admin/articles/{id}` takes
/// what `GET` gives. Only the locked sections are stored; the free part stays on the
/// publisher's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    /// The headline.
    pub title: String,
    /// The tier a reader needs (one of `GET /v1/admin/tiers`).
    pub tier: String,
    /// The locked sections, in reading order; their HTML is sanitised when stored.
    pub sections: Vec<LockedSection>,
}

/// One article in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleListItem {
    /// The id pages name it by.
    pub id: String,
    /// The headline.
    pub title: String,
    /// The tier a reader needs.
    pub tier: String,
    /// How many locked sections it has.
    pub locked_sections: u32,
    /// Its current entity tag, as `GET` answers it in `ETag`.
    pub etag: String,
}

/// A page of articles, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticlePage {
    /// The articles, ordered by id.
    pub articles: Vec<ArticleListItem>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// A rung of the tier ladder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tier {
    /// Its name, as articles and subscriptions give it: lower-case letters, digits, `-`, `_`.
    pub name: String,
    /// How readers see it ("Premium").
    pub label: String,
}

/// The tier ladder, lowest first: `free` (anyone), `registered` (any signed-in reader), then
/// the tiers a subscription buys. A subscription to a tier opens every article at or below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tiers {
    /// The ladder, lowest first; it always starts with `free` and `registered`.
    pub tiers: Vec<Tier>,
}

/// A reader, as the publisher sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reader {
    /// The reader's id.
    pub id: i64,
    /// Their email address (lower case).
    pub email: String,
    /// Their name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The payment provider's id for them, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Whether they are known to own the email.
    pub email_verified: bool,
    /// When they joined (Unix seconds).
    pub created_at: i64,
}

/// `POST /v1/admin/readers`: a reader to add, or to find if the email has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReader {
    /// Their email address.
    pub email: String,
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A page of readers, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderPage {
    /// The readers, ordered by id.
    pub readers: Vec<Reader>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// A reader with their subscriptions and live sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderDetail {
    /// Who.
    pub reader: Reader,
    /// Every subscription they have had, newest first.
    pub subscriptions: Vec<Subscription>,
    /// Their sessions that have not ended, newest first.
    pub sessions: Vec<Session>,
    /// The gift links they made in the last 90 days, newest first.
    #[serde(default)]
    pub gifts: Vec<crate::Gift>,
}

/// A subscription's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
// Stored as TEXT holding the `serde` name, in SQLite and PostgreSQL alike: `type_name = "text"`
// keeps PostgreSQL from looking for an enum type of its own (`tests/stored.rs`).
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum SubscriptionStatus {
    /// Paid up: opens its tier until the period ends.
    Active,
    /// In a free trial: opens its tier.
    Trialing,
    /// A payment failed and is being retried: still opens its tier (a grace period).
    PastDue,
    /// Payments failed and stopped being retried: closed.
    Unpaid,
    /// Ended.
    Canceled,
    /// The first payment has not gone through yet: closed.
    Incomplete,
    /// The first payment never went through: closed.
    IncompleteExpired,
    /// Paused at the payment provider: closed.
    Paused,
}

impl SubscriptionStatus {
    /// Every variant, in the order above.
    pub const ALL: [SubscriptionStatus; 8] = [
        SubscriptionStatus::Active,
        SubscriptionStatus::Trialing,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Unpaid,
        SubscriptionStatus::Canceled,
        SubscriptionStatus::Incomplete,
        SubscriptionStatus::IncompleteExpired,
        SubscriptionStatus::Paused,
    ];

    /// The name, exactly as `serde` writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::PastDue => "past_due",
            SubscriptionStatus::Unpaid => "unpaid",
            SubscriptionStatus::Canceled => "canceled",
            SubscriptionStatus::Incomplete => "incomplete",
            SubscriptionStatus::IncompleteExpired => "incomplete_expired",
            SubscriptionStatus::Paused => "paused",
        }
    }
}

/// Where a subscription came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
// Stored as `SubscriptionStatus` is.
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum SubscriptionSource {
    /// Sold here.
    Paywall,
    /// Asserted by the publisher's sign-in token.
    Publisher,
    /// Given by the publisher, free of charge.
    Complimentary,
    /// Moved over from another system (`readers import`).
    Import,
}

impl SubscriptionSource {
    /// Every variant, in the order above.
    pub const ALL: [SubscriptionSource; 4] = [
        SubscriptionSource::Paywall,
        SubscriptionSource::Publisher,
        SubscriptionSource::Complimentary,
        SubscriptionSource::Import,
    ];

    /// The name, exactly as `serde` writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            SubscriptionSource::Paywall => "paywall",
            SubscriptionSource::Publisher => "publisher",
            SubscriptionSource::Complimentary => "complimentary",
            SubscriptionSource::Import => "import",
        }
    }
}

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// Its id.
    pub id: i64,
    /// The reader it belongs to.
    pub reader_id: i64,
    /// The tier it opens (and every tier below it).
    pub tier: String,
    /// Its state.
    pub status: SubscriptionStatus,
    /// When the paid (or given) period ends (Unix seconds).
    pub current_period_end: i64,
    /// Where it came from.
    pub source: SubscriptionSource,
    /// Whether it ends at `current_period_end` instead of renewing.
    #[serde(default)]
    pub cancel_at_period_end: bool,
    /// The offer it was bought with, if it was sold here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<i64>,
}

/// `POST /v1/admin/readers/{id}/subscriptions`: a complimentary subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    /// The tier it opens: one a subscription can buy (not `free` or `registered`).
    pub tier: String,
    /// For how many days, from now (1 to 3660).
    pub days: u32,
}

/// A session of a reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Its id.
    pub id: i64,
    /// When it began (Unix seconds).
    pub created_at: i64,
    /// When it ends unless renewed (Unix seconds).
    pub expires_at: i64,
}

/// What `POST /v1/admin/readers/{id}/sign-out` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOut {
    /// How many sessions it ended.
    pub sessions_ended: u64,
}

/// One admin write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Its id; newer entries have larger ids.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// Who: `key:<name>` (with the key's prefix) or `command line`.
    pub actor: String,
    /// What, as `resource.verb`: `article.put`, `article.delete`, `tiers.put`, `reader.create`,
    /// `subscription.grant`, `subscription.end`, `reader.sign_out`, `readers.import`.
    pub action: String,
    /// What it was done to: `article:<id>`, `reader:<id>`, `subscription:<id>`, `tiers`.
    pub target: String,
    /// What changed, in words.
    pub detail: String,
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// An offer as the publisher sets it (`POST /v1/admin/offers`, `PUT /v1/admin/offers/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferSettings {
    /// The tier it opens: one a subscription can buy.
    pub tier: String,
    /// Its name, as the prompt shows it ("Monthly").
    pub name: String,
    /// The price in the currency's minor unit (cents).
    pub amount: i64,
    /// ISO 4217 (`eur`, `usd`).
    pub currency: String,
    /// How often the price is charged.
    pub interval: crate::BillingInterval,
    /// Days free before the first charge.
    #[serde(default)]
    pub trial_days: u32,
    /// The payment provider's price (Stripe's `price_…`) checkout charges.
    pub provider_price: String,
    /// Whether the prompt offers it.
    #[serde(default = "yes")]
    pub active: bool,
    /// Its place in the prompt: lower first.
    #[serde(default)]
    pub position: i64,
}

fn yes() -> bool {
    true
}

/// An offer with its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminOffer {
    /// Its id.
    pub id: i64,
    /// What it is.
    #[serde(flatten)]
    pub settings: OfferSettings,
}

/// Every offer, in the prompt's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminOffers {
    /// The offers, active or not.
    pub offers: Vec<AdminOffer>,
}

/// `GET /v1/admin/stats`: the publisher's numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Subscriptions by tier and state, now.
    pub subscriptions: Vec<TierStatusCount>,
    /// Monthly recurring revenue of the paying subscriptions sold here (yearly ones as a
    /// twelfth), per currency, in minor units.
    pub monthly_recurring_revenue: Vec<Money>,
    /// Subscriptions started and ended each day (UTC) of the period asked for, oldest first;
    /// days with neither are left out.
    pub days: Vec<DayCount>,
    /// Subscriptions started from each article's prompt, most first.
    pub articles: Vec<ArticleCount>,
    /// Gift links subscribers made in the period.
    #[serde(default)]
    pub gifts_made: u64,
    /// Browsers gift links opened an article in, in the period.
    #[serde(default)]
    pub gift_opens: u64,
    /// Monthly recurring revenue at the end of each day of the period (UTC), oldest first, per
    /// currency: the paid subscriptions sold here that had begun, were past any trial and had
    /// not ended by then (yearly ones as a twelfth). Trials and complimentary ones are not in it.
    #[serde(default)]
    pub revenue_by_day: Vec<DayMoney>,
    /// Free trials started in the period, and what became of them.
    #[serde(default)]
    pub trials: TrialCounts,
}

/// An amount of money on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayMoney {
    /// The day (UTC), `YYYY-MM-DD`.
    pub day: String,
    /// ISO 4217, lower case.
    pub currency: String,
    /// In the currency's minor unit.
    pub amount: i64,
}

/// Free trials started in a period: how many, and how each ended or stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialCounts {
    /// Trials started.
    pub started: i64,
    /// Of those, the ones whose trial is over and that went on paying.
    pub converted: i64,
    /// Of those, the ones that ended within their trial.
    pub ended: i64,
    /// Of those, the ones still in their trial.
    pub running: i64,
}

/// How many subscriptions of a tier are in a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierStatusCount {
    /// The tier.
    pub tier: String,
    /// The state.
    pub status: SubscriptionStatus,
    /// How many.
    pub count: i64,
}

/// An amount of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// ISO 4217, lower case.
    pub currency: String,
    /// In the currency's minor unit.
    pub amount: i64,
}

/// One day's starts and ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// The day (UTC), `YYYY-MM-DD`.
    pub day: String,
    /// Subscriptions started (sold or given).
    pub started: i64,
    /// Subscriptions that stopped opening their tier.
    pub ended: i64,
}

/// Subscriptions started from one article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleCount {
    /// The article's id.
    pub article_id: String,
    /// How many subscriptions its prompt sold.
    pub started: i64,
}

/// What happened, as a webhook's `type` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    /// A reader has an account now (signed up, bought, or added by the publisher).
    #[serde(rename = "reader.created")]
    ReaderCreated,
    /// A subscription began (sold here or given).
    #[serde(rename = "subscription.created")]
    SubscriptionCreated,
    /// A subscription changed: renewed, a payment failed or recovered, set to end at its
    /// period's end or kept after all, or switched to another price.
    #[serde(rename = "subscription.updated")]
    SubscriptionUpdated,
    /// A subscription stopped opening its tier.
    #[serde(rename = "subscription.canceled")]
    SubscriptionCanceled,
}

impl WebhookEventType {
    /// Every type, in the order above.
    pub const ALL: [WebhookEventType; 4] = [
        WebhookEventType::ReaderCreated,
        WebhookEventType::SubscriptionCreated,
        WebhookEventType::SubscriptionUpdated,
        WebhookEventType::SubscriptionCanceled,
    ];

    /// The name, exactly as `serde` writes it (and as a webhook's `type` says).
    pub const fn as_str(&self) -> &'static str {
        match self {
            WebhookEventType::ReaderCreated => "reader.created",
            WebhookEventType::SubscriptionCreated => "subscription.created",
            WebhookEventType::SubscriptionUpdated => "subscription.updated",
            WebhookEventType::SubscriptionCanceled => "subscription.canceled",
        }
    }
}

/// `POST /v1/admin/webhooks` and `PUT /v1/admin/webhooks/{id}`: where events go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointSettings {
    /// Where events are POSTed: `https://…` (`http://` only to a loopback address).
    pub url: String,
    /// The event types it takes; empty (the default) for every type.
    #[serde(default)]
    pub events: Vec<WebhookEventType>,
    /// The publisher's own words for it.
    #[serde(default)]
    pub description: String,
    /// Whether events are sent to it: a paused endpoint is sent nothing, and events that
    /// happen meanwhile are not queued for it (those already queued wait).
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

/// An endpoint with its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: i64,
    /// What it is.
    #[serde(flatten)]
    pub settings: WebhookEndpointSettings,
    /// When it was added (Unix seconds).
    pub created_at: i64,
    /// The signing secret (`whsec_…`, as Standard Webhooks libraries take it): in the answer
    /// that adds the endpoint or rotates its secret only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Every endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoints {
    /// The endpoints, oldest first.
    pub endpoints: Vec<WebhookEndpoint>,
}

/// Where a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
// Stored as `SubscriptionStatus` is.
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum DeliveryStatus {
    /// Not yet answered with a 2xx: tried again at `next_attempt_at`.
    Pending,
    /// Answered with a 2xx.
    Delivered,
    /// Every try failed; `POST …/retry` sends it again.
    Failed,
}

impl DeliveryStatus {
    /// Every variant, in the order above.
    pub const ALL: [DeliveryStatus; 3] =
        [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed];

    /// The name, exactly as `serde` writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// One event on its way to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Its id.
    pub id: i64,
    /// The event's id, sent as `webhook-id` (the same on every try).
    pub message_id: String,
    /// The event's type.
    pub event_type: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// How many times it was tried.
    pub attempts: i64,
    /// When it is tried next, while pending (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// When it was last tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<i64>,
    /// The last try's HTTP status, if the endpoint answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status_code: Option<i64>,
    /// Why the last try failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<i64>,
    /// When the event happened.
    pub created_at: i64,
    /// The body sent (JSON: `type`, `timestamp`, `data`), exactly as signed.
    pub payload: String,
}

/// An endpoint's deliveries, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveries {
    /// The deliveries.
    pub deliveries: Vec<WebhookDelivery>,
    /// Pass as `before` for the next (older) page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// `PUT /v1/admin/meter`: how many articles readers without a subscription may open free in a
/// rolling period. 0 turns the meter off for that kind of reader (the default for both).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterPolicy {
    /// Articles a reader nobody is signed in as may open in a period.
    pub anonymous: u32,
    /// Articles a signed-in reader without a subscription may open in a period.
    pub registered: u32,
    /// The rolling period, in days (1 to 366).
    pub period_days: u32,
    /// Browsers one network address (an IPv4 address, an IPv6 /64) may start a meter of
    /// their own in a period; beyond it, browsers from there without one share the address's
    /// meter, so clearing cookies and storage does not buy more. Default 10.
    #[serde(default = "default_per_address")]
    pub per_address: u32,
}

fn default_per_address() -> u32 {
    10
}

/// `PUT /v1/admin/gift-policy`: what subscribers' gift links may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftPolicy {
    /// Links a subscriber may make in a rolling 30 days (0: no gifts). Default 10.
    pub monthly_allowance: u32,
    /// Days a link opens its article. Default 14.
    pub days: u32,
    /// Browsers a link may open its article in. Default 20.
    pub reach: u32,
}

impl Default for GiftPolicy {
    fn default() -> Self {
        GiftPolicy { monthly_allowance: 10, days: 14, reach: 20 }
    }
}

/// What a member of the publisher's staff may do in the dashboard and the admin API. Each
/// role may do everything the one below it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Reads everything, changes nothing.
    Viewer,
    /// Also changes articles, tiers, offers, the meter and gift links.
    Editor,
    /// Also readers and their subscriptions, webhooks, staff and API keys.
    Owner,
}

impl StaffRole {
    /// Every role, the least first.
    pub const ALL: [StaffRole; 3] = [StaffRole::Viewer, StaffRole::Editor, StaffRole::Owner];

    /// Its name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Owner => "owner",
            StaffRole::Editor => "editor",
            StaffRole::Viewer => "viewer",
        }
    }

    /// The role named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        StaffRole::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

/// A member of the staff (`GET /v1/admin/staff`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    /// Their id.
    pub id: i64,
    /// Their email address, lower-cased.
    pub email: String,
    /// What they may do.
    pub role: StaffRole,
    /// When they were added (Unix seconds).
    pub created_at: i64,
}

/// The staff (`GET /v1/admin/staff`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffList {
    /// Everyone, by email.
    pub staff: Vec<StaffMember>,
}

/// An invitation (`POST /v1/admin/staff`): the invited get a sign-in link by email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewStaff {
    /// Their email address.
    pub email: String,
    /// What they may do.
    pub role: StaffRole,
}

/// A change of role (`PUT /v1/admin/staff/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRoleChange {
    /// The new role.
    pub role: StaffRole,
}

/// Asks for a sign-in link by email (`POST /v1/admin/sign-in`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSignIn {
    /// The staff member's email address.
    pub email: String,
}

/// Spends a sign-in link's token for a session (`POST /v1/admin/session`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffLinkToken {
    /// The token from the link (after `#token=`).
    pub token: String,
}

/// Who is asking (`GET /v1/admin/me`): a staff member, or an API key (always an owner).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// How the audit log names them.
    pub name: String,
    /// Their email address; absent for an API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What they may do.
    pub role: StaffRole,
}

/// An API key as lists show it (`GET /v1/admin/api-keys`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// Its id.
    pub id: i64,
    /// The name it was made with.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it stops working, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    /// When it was last used (to the minute), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

/// The API keys (`GET /v1/admin/api-keys`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeys {
    /// Every key, newest first.
    pub keys: Vec<ApiKey>,
}

/// A key to make (`POST /v1/admin/api-keys`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    /// What it is for ("the CMS").
    pub name: String,
    /// Days until it stops working; absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// A key just made: the key itself is shown this once and never again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The key, `paywall_sk_…`.
    pub key: String,
    /// How lists show it.
    pub listed: ApiKey,
}

/// One article's funnel over a period (`GET /v1/admin/funnel`): how many times each step
/// happened. Counts, never people: the same reader seeing a prompt twice counts twice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleFunnel {
    /// The article's id.
    pub article_id: String,
    /// Prompts drawn.
    pub prompt_shown: i64,
    /// Sign-in dialogs opened from the prompt.
    pub sign_in_opened: i64,
    /// Sign-ins completed from the prompt.
    pub signed_in: i64,
    /// Checkouts started from the prompt.
    pub checkout_started: i64,
    /// Subscriptions paid for from the prompt.
    pub subscribed: i64,
    /// Gift links opened on the article.
    pub gift_opened: i64,
    /// Free articles of the meter spent on it.
    pub meter_spent: i64,
}

/// Every article's funnel over the period asked for, most subscriptions first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    /// The first day counted (UTC), `YYYY-MM-DD`.
    pub since: String,
    /// The articles with any count, most subscriptions first, then most prompts.
    pub articles: Vec<ArticleFunnel>,
}

/// An article file to import (`POST /v1/admin/article-files`): HTML or Markdown with a
/// `<!-- paywall -->` line; what follows it is stored as the locked sections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleFile {
    /// The file's name: `.md` or `.markdown` is read as Markdown, anything else as HTML; the
    /// article's id is the name without its extension unless the front matter gives one.
    pub filename: String,
    /// The file's text.
    pub text: String,
    /// Whether to replace the article if one has its id already (else the answer is `409`).
    #[serde(default)]
    pub replace: bool,
}

/// What importing an article file did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleImported {
    /// The article's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The tier it needs.
    pub tier: String,
    /// How many locked sections it has.
    pub locked_sections: u32,
    /// `added`, `replaced` or `unchanged`.
    pub outcome: String,
    /// What the sanitiser took out as unsafe, in words; empty when nothing.
    pub removed: String,
}

/// One problem on one line of a readers' CSV file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvProblem {
    /// The line (1 is the header).
    pub line: u64,
    /// What is wrong there.
    pub message: String,
}

/// What `POST /v1/admin/readers/import` found in the file, and did with it: nothing is
/// written unless every line is good (and not when `dry_run` was asked for).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadersImport {
    /// Good lines (readers) in the file.
    pub rows: u64,
    /// Every problem, line by line; when there is any, nothing was written.
    pub problems: Vec<CsvProblem>,
    /// Whether the readers were written.
    pub written: bool,
    /// Readers that were not here.
    pub readers_added: u64,
    /// Readers whose name or customer id changed.
    pub readers_updated: u64,
    /// Subscriptions added.
    pub subscriptions_added: u64,
    /// Subscriptions whose tier, status or period changed.
    pub subscriptions_updated: u64,
    /// Lines that changed nothing.
    pub unchanged: u64,
}
