//! Who may read what: the one place the server decides whether a reader may read an article's
//! locked sections, and why. Every path to locked text goes through [`decide`].

use paywall_protocol::{GrantReason, Reason};

use crate::store::{Db, tiers};

/// The answer for one reader and one article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// They may read it.
    Granted(GrantReason),
    /// Nobody is signed in, and the article needs someone to be.
    SignInRequired,
    /// They may not: why (`no_subscription` or `higher_tier_required`) and the tier it needs.
    Refused(Reason),
}

/// May `reader` (`None`: nobody signed in) read the locked sections of an article of `tier`?
/// `free` opens to anyone, `registered` to anyone signed in, any other tier to a reader with a
/// live subscription to it or to a tier above it on the ladder (a tier the ladder lacks: to it
/// alone).
pub async fn decide(db: &Db, reader: Option<i64>, tier: &str) -> Result<Decision, sqlx::Error> {
    if tier == tiers::FREE {
        return Ok(Decision::Granted(GrantReason::Free));
    }
    let Some(reader) = reader else { return Ok(Decision::SignInRequired) };
    if tier == tiers::REGISTERED {
        return Ok(Decision::Granted(GrantReason::Registered));
    }
    let standing = tiers::standing(db, tier, reader).await?;
    let opens = match (standing.needed, standing.held) {
        (Some(needed), Some(held)) => held >= needed,
        // A tier the ladder lacks opens to its own subscribers only.
        _ => false,
    };
    Ok(if opens || standing.exact {
        Decision::Granted(GrantReason::Subscription)
    } else if standing.held.is_some() {
        Decision::Refused(Reason::HigherTierRequired)
    } else {
        Decision::Refused(Reason::NoSubscription)
    })
}
