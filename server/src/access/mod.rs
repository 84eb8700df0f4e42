//! Who may read what: the one decision ([`entitlement::decide`]), the meter it counts free
//! articles with, and the articles it decides about.

pub mod catalog;
pub mod entitlement;
pub mod meter;
