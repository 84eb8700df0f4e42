//! Gift links: a subscriber makes one for an article, and a browser that arrives with one
//! keeps its token, to send each time the article is read.

use paywall_protocol::GiftRequest;

use super::Session;
use crate::dom;
use crate::error::Error;

impl Session {
    /// A gift link for an article the signed-in reader's subscription opens, on `page`.
    pub async fn make_gift(&self, article_id: &str, page: String) -> Result<String, Error> {
        let request = GiftRequest { article_id: article_id.to_owned(), page };
        Ok(self.api.gift(&self.access_token().await?, &request).await?.url)
    }

    /// Keeps a gift link's token for an article of this page, to send each time it is read.
    pub fn keep_gift(&self, article_id: &str, token: &str) {
        if let Some(storage) = dom::local_storage() {
            let _ = storage.set_item(&self.gift_key(article_id), token);
        }
    }

    /// The gift link's token this browser keeps for an article.
    pub fn gift(&self, article_id: &str) -> Option<String> {
        dom::local_storage()?.get_item(&self.gift_key(article_id)).ok().flatten()
    }

    /// Forgets an article's gift link, once the server no longer honours it.
    pub fn forget_gift(&self, article_id: &str) {
        if let Some(storage) = dom::local_storage() {
            let _ = storage.remove_item(&self.gift_key(article_id));
        }
    }

    fn gift_key(&self, article_id: &str) -> String {
        format!("paywall:gift:{}:{article_id}", self.api.base())
    }
}
