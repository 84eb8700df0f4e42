//! Who may read what: the one place the server decides whether a reader may read an article's
//! locked sections, and why. Every path to locked text goes through [`decide`]: a tier open to
//! anyone (`free`) or to anyone signed in (`registered`), a subscription that opens the
//! article's tier, a gift link, the meter. Handlers render its answer and decide nothing.

use paywall_protocol::{GrantReason, Meter, Reason};

use super::meter::{self, Metered, Visitor};
use crate::auth::Bearer;
use crate::http::client::Client;
use crate::random;
use paywall_protocol::tiers;

use crate::store::tiers::{self as ladder, Standing};
use crate::store::{Db, gifts, sessions};
use crate::time::now;

/// What is asked: may this reader read the locked sections of an article of `tier`?
pub struct Question<'a> {
    /// The article's tier.
    pub tier: &'a str,
    /// Who asks.
    pub asker: Asker,
    /// For a reader's own read of the locked sections (not a prefetch, not a crawler), what
    /// else may open them: a gift link, the meter. `None` when the question is not a read (may
    /// this reader give the article, or is its tier already theirs?): their standing alone
    /// answers.
    pub read: Option<Read<'a>>,
}

/// Who asks.
#[derive(Clone, Copy, Debug)]
pub enum Asker {
    /// Nobody is signed in.
    Nobody,
    /// A reader whose session the caller has checked.
    Reader(i64),
    /// The bearer of an access token: their session is checked in the same statement as their
    /// standing (the locked-sections request, the hot path, runs one statement for both).
    Bearer(Bearer),
}

/// A read of an article's locked sections.
#[derive(Clone, Copy)]
pub struct Read<'a> {
    /// The article.
    pub article_id: &'a str,
    /// The token of the gift link the reader came with (`Paywall-Gift`), if any.
    pub gift: Option<&'a str>,
    /// The browser's anonymous id (`Paywall-Visitor`), if it sent one.
    pub visitor: Option<&'a str>,
    /// Where the request comes from, for a browser without an id.
    pub client: Client,
    /// The meter.
    pub meter: &'a meter::Meter,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// They may read it: a free or registered tier, their subscription, or a gift link.
    Granted(GrantReason),
    /// The meter opened it: the reader's counts, this read included.
    Metered(Meter),
    /// Nobody is signed in, and the article needs someone to be.
    SignInRequired,
    /// They may not: why (`no_subscription` or `higher_tier_required`).
    Refused(Reason),
    /// The meter would have opened it, but the reader's free articles are spent: the refusal
    /// they have without the meter, and their counts.
    MeterSpent {
        /// [`Decision::SignInRequired`] or [`Decision::Refused`].
        refused: Box<Decision>,
        /// The counts.
        meter: Meter,
    },
    /// The gift link does not open this article (unknown, expired, revoked, for another
    /// article, or in as many browsers as it may be).
    GiftRefused,
    /// The bearer's session has ended (revoked or expired): nothing is decided.
    SessionEnded,
}

/// The decision, and a new anonymous id for the browser to keep from now on, when the meter or
/// a gift link gave it one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The decision.
    pub decision: Decision,
    /// The browser's new anonymous id.
    pub new_visitor: Option<String>,
}

/// Decides `question`, in this order: the article's tier and the reader's standing (`free`
/// opens to anyone, `registered` to anyone signed in, any other tier to a reader with a live
/// subscription to it or to a tier above it on the ladder; a tier the ladder lacks, to its own
/// subscribers alone); then, for a read their standing does not open, the gift link they came
/// with (which then decides alone: the widget asks again without it), else the meter.
pub async fn decide(db: &Db, question: Question<'_>) -> Result<Answer, sqlx::Error> {
    let decision = by_standing(db, question.tier, question.asker).await?;
    let (Some(read), Decision::SignInRequired | Decision::Refused(_)) = (question.read, &decision) else {
        return Ok(Answer { decision, new_visitor: None });
    };
    let visitor = match question.asker {
        Asker::Reader(id) => Visitor::Reader(id),
        Asker::Bearer(bearer) => Visitor::Reader(bearer.reader_id),
        Asker::Nobody => Visitor::Anonymous { token: read.visitor, client: read.client },
    };
    let now = now();
    // A gift link opens its article in as many browsers as it may, and nothing else.
    if let Some(gift) = read.gift {
        let (browser, new_visitor) = read.meter.browser(db, visitor, now).await?;
        let opened = gifts::open(db, &random::token_hash(gift), read.article_id, &browser, now).await?;
        let decision = if opened { Decision::Granted(GrantReason::Gift) } else { Decision::GiftRefused };
        return Ok(Answer { decision, new_visitor });
    }
    Ok(match read.meter.open(db, visitor, read.article_id, now).await? {
        Metered::Off => Answer { decision, new_visitor: None },
        Metered::Counted { opened: true, meter, new_token } => {
            Answer { decision: Decision::Metered(meter), new_visitor: new_token }
        }
        Metered::Counted { opened: false, meter, new_token } => Answer {
            decision: Decision::MeterSpent { refused: Box::new(decision), meter },
            new_visitor: new_token,
        },
    })
}

/// What the tier and the reader's standing decide: granted, sign in, refused, or (for a
/// bearer) the session has ended.
async fn by_standing(db: &Db, tier: &str, asker: Asker) -> Result<Decision, sqlx::Error> {
    if let Asker::Bearer(bearer) = asker {
        if tier != tiers::FREE && tier != tiers::REGISTERED {
            let standing = ladder::standing(db, tier, bearer.reader_id, Some(bearer.session_id)).await?;
            return Ok(if standing.live { judge(standing) } else { Decision::SessionEnded });
        }
        if !sessions::is_active(db, bearer.session_id, bearer.reader_id).await? {
            return Ok(Decision::SessionEnded);
        }
    }
    if tier == tiers::FREE {
        return Ok(Decision::Granted(GrantReason::Free));
    }
    let reader = match asker {
        Asker::Nobody => return Ok(Decision::SignInRequired),
        Asker::Reader(id) => id,
        Asker::Bearer(bearer) => bearer.reader_id,
    };
    if tier == tiers::REGISTERED {
        return Ok(Decision::Granted(GrantReason::Registered));
    }
    Ok(judge(ladder::standing(db, tier, reader, None).await?))
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
