//! HTTP plumbing that knows nothing of paywalls: the client's address, rate limits, load
//! shedding, the extractors that turn bad input into problem answers, and the connections
//! themselves.

pub mod admission;
pub mod client;
pub mod connections;
pub mod extract;
pub mod limits;
