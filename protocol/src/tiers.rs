//! The tiers every ladder starts with, by name: the server's ladder always begins with these
//! two (`PUT /v1/admin/tiers` refuses one that does not). Every other tier is the publisher's,
//! and its name is data.

/// The tier anyone may read, signed in or not.
pub const FREE: &str = "free";

/// The tier any signed-in reader may read.
pub const REGISTERED: &str = "registered";

/// Both, lowest first, as every ladder starts.
pub const BUILT_IN: [&str; 2] = [FREE, REGISTERED];
