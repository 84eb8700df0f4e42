//! Following the site's other tabs: a reader who signs in or out in one is signed in or out
//! in every other.

use web_sys::StorageEvent;

use super::{Change, Session};

impl Session {
    /// Another tab of the site signing in or out changes the stored refresh token; the
    /// browser tells every other tab with a `storage` event. A token merely rotated by a
    /// refresh in another tab changes nothing here.
    pub(super) fn hear_other_tab(&self, event: &StorageEvent) {
        if event.key().as_deref() != Some(self.storage_key.as_str()) {
            return;
        }
        match (event.old_value(), event.new_value()) {
            (_, None) => {
                self.access.replace(None);
                self.reader.replace(None);
                self.notify(Change::SignedOut);
            }
            (None, Some(_)) => {
                self.access.replace(None);
                self.notify(Change::SignedIn);
            }
            (Some(_), Some(_)) => {}
        }
    }
}
