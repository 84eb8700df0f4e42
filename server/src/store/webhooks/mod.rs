//! SQL for webhooks to the publisher's systems: the events, the endpoints they go to, and each
//! delivery's tries, one module each.

mod deliveries;
mod endpoints;
pub(crate) mod events;

pub use deliveries::{Attempt, Due, claim, deliveries, due, record_attempt, retry};
pub use endpoints::{
    create_endpoint, delete_endpoint, endpoint_by_id, endpoints, rotate_secret, update_endpoint,
};
pub use events::{INSERT_DELIVERIES, INSERT_MESSAGE, WANTED, message};
