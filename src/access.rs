//! What the reader sees of an article: the locked sections or the prompt. The one place the
//! widget decides; the server has already decided what it may send.

use paywall_protocol::{ArticleSummary, LockedSection, Meter, Offer, Reader, Reason};

use crate::error::Error;
use crate::session::Session;

/// The tier of an article anyone may read, signed in or not.
const FREE_TIER: &str = "free";

/// What to show for an article.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    /// The reader may read the locked sections: here they are.
    Unlocked {
        /// Who is signed in (nobody, for an article open to anyone).
        reader: Option<Reader>,
        /// The sections, in reading order.
        sections: Vec<LockedSection>,
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
    },
}

/// Asks the server what this session may read of `article_id`: the locked sections when a
/// reader may be signed in and is entitled (or the meter opens the article to them), else the
/// prompt's summary. A session the server no longer knows counts as signed out; any other
/// failure is the answer.
pub async fn check(session: &Session, article_id: &str) -> Result<Access, Error> {
    let mut reader = None;
    let mut higher_tier = false;
    let mut meter = None;
    if session.may_be_signed_in() {
        match session.locked(article_id).await {
            Ok(locked) => {
                if let Some(reader) = session.reader() {
                    let (sections, meter) = (locked.sections, locked.meter);
                    return Ok(Access::Unlocked { reader: Some(reader), sections, meter });
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
    if reader.is_none() && (summary.tier == FREE_TIER || summary.metered) {
        match session.api().locked(article_id, None).await {
            Ok(locked) => {
                return Ok(Access::Unlocked { reader: None, sections: locked.sections, meter: locked.meter });
            }
            // The meter is off for readers nobody is signed in as, or theirs is spent.
            Err(error) if summary.tier != FREE_TIER && error.is_unauthorized() => meter = error.meter(),
            Err(error) => return Err(error),
        }
    }
    // Without offers the prompt still works: Subscribe goes to the publisher's page.
    let offers = session.api().offers(article_id).await.map(|offers| offers.offers).unwrap_or_default();
    Ok(Access::Locked { summary, reader, higher_tier, offers, meter })
}
