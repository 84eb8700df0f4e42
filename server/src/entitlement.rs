//! Who may read what: the one place the server decides whether a reader may read an article's
//! locked sections, and why. Every path to locked text goes through [`decide`].

use paywall_protocol::{GrantReason, Reason};

use crate::auth::Bearer;
use crate::store::tiers::{self, Standing};
use crate::store::{Db, sessions};

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
    Ok(judge(tiers::standing(db, tier, reader, None).await?))
}

/// [`decide`] for the bearer of an access token, checking in the same statement as their
/// standing that the token's session is live: the locked-sections request, the hot path, runs
/// one statement for both. `None`: the session has ended (revoked or expired), and nothing is
/// decided.
pub async fn decide_in_session(db: &Db, bearer: Bearer, tier: &str) -> Result<Option<Decision>, sqlx::Error> {
    if tier == tiers::FREE || tier == tiers::REGISTERED {
        let live = sessions::is_active(db, bearer.session_id, bearer.reader_id).await?;
        return Ok(match live {
            true => Some(decide(db, Some(bearer.reader_id), tier).await?),
            false => None,
        });
    }
    let standing = tiers::standing(db, tier, bearer.reader_id, Some(bearer.session_id)).await?;
    Ok(standing.live.then(|| judge(standing)))
}

/// What a reader's standing against a tier (other than `free` and `registered`) decides.
fn judge(standing: Standing) -> Decision {
    let opens = match (standing.needed, standing.held) {
        (Some(needed), Some(held)) => held >= needed,
        // A tier the ladder lacks opens to its own subscribers only.
        _ => false,
    };
    if opens || standing.exact {
        Decision::Granted(GrantReason::Subscription)
    } else if standing.held.is_some() {
        Decision::Refused(Reason::HigherTierRequired)
    } else {
        Decision::Refused(Reason::NoSubscription)
    }
}
