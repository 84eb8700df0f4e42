//! What the reader sees of an article: the locked sections or the prompt. The one place the
//! widget decides; the server has already decided what it may send.

use paywall_protocol::{
    ArticleSummary, GrantReason, LockedSection, LockedSections, Meter, Offer, Reader, Reason, tiers,
};

use crate::error::Error;
use crate::session::Session;

/// What to show for an article.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    /// The reader may read the locked sections: here they are.
    Unlocked {
        /// Who is signed in (nobody, for an article open to anyone).
        reader: Option<Reader>,
        /// The sections, in reading order.
        sections: Vec<LockedSection>,
        /// Why the reader may read them.
        grant: GrantReason,
        /// The reader's free articles, when the publisher's meter opened this one.
        meter: Option<Meter>,
    },
    /// The prompt, naming what is locked; `reader` when someone is signed in without a
    /// subscription that includes the article.
    Locked {
        /// The article's public metadata.
        summary: ArticleSummary,
        /// The signed-in reader, if any.
        reader: Option<Reader>,
        /// Whether the reader subscribes, but to a tier below the article's.
        higher_tier: bool,
        /// What the prompt sells for it (none when the server has no offers).
        offers: Vec<Offer>,
        /// The reader's free articles, when the meter would open it but they are spent.
        meter: Option<Meter>,
        /// Whether a gift link this browser kept for the article no longer opens it.
        gift_refused: bool,
    },
}

/// Asks the server what this session may read of `article_id`: the locked sections when a
/// reader may be signed in and is entitled (or the meter or a gift link opens the article to
/// them), else the prompt's summary. A gift link the server no longer honours is forgotten and
/// the prompt says so. A session the server no longer knows counts as signed out; any other
/// failure is the answer.
pub async fn check(session: &Session, article_id: &str) -> Result<Access, Error> {
    let gift = session.gift(article_id);
    match check_with(session, article_id, gift.as_deref()).await {
        Err(error) if gift.is_some() && error.reason() == Some(Reason::GiftUnavailable) => {
            session.forget_gift(article_id);
            let mut access = check_with(session, article_id, None).await?;
            if let Access::Locked { gift_refused, .. } = &mut access {
                *gift_refused = true;
            }
            Ok(access)
        }
        other => other,
    }
}

async fn check_with(session: &Session, article_id: &str, gift: Option<&str>) -> Result<Access, Error> {
    let mut reader = None;
    let mut higher_tier = false;
    let mut meter = None;
    if session.may_be_signed_in() {
        match session.locked(article_id, gift).await {
            Ok(locked) => {
                if let Some(reader) = session.reader() {
                    let LockedSections { sections, grant_reason: grant, meter, .. } = locked;
                    return Ok(Access::Unlocked { reader: Some(reader), sections, grant, meter });
                }
            }
            Err(error) if error.reason() == Some(Reason::NoSubscription) => {
                reader = session.reader();
                meter = error.meter();
            }
            Err(error) if error.reason() == Some(Reason::HigherTierRequired) => {
                reader = session.reader();
                higher_tier = true;
                meter = error.meter();
            }
            Err(Error::SignedOut) => {}
            Err(error) if error.is_unauthorized() => {}
            Err(error) => return Err(error),
        }
    }
    let summary = session.api().article(article_id).await?;
    if reader.is_none() && (summary.tier == tiers::FREE || summary.metered || gift.is_some()) {
        match session.locked_anonymously(article_id, gift).await {
            Ok(LockedSections { sections, grant_reason: grant, meter, .. }) => {
                return Ok(Access::Unlocked { reader: None, sections, grant, meter });
            }
            // The meter is off for readers nobody is signed in as, or theirs is spent.
            Err(error) if summary.tier != tiers::FREE && error.is_unauthorized() => meter = error.meter(),
            Err(error) => return Err(error),
        }
    }
    // Without offers the prompt still works: Subscribe goes to the publisher's page.
    let offers = session.api().offers(article_id).await.map(|offers| offers.offers).unwrap_or_default();
    Ok(Access::Locked { summary, reader, higher_tier, offers, meter, gift_refused: false })
}
