//! What a language's texts hold, and the sentences built from them (lists of titles, prices,
//! counts; the widget words its errors from these in `src/i18n.rs`).

/// One language's texts.
#[derive(Debug)]
pub struct Texts {
    /// The BCP 47 tag, for the shadow root's `lang`.
    pub lang: &'static str,
    /// The prompt's heading.
    pub locked_heading: &'static str,
    /// The prompt's heading for a tier's subscribers: `{tier}` is the tier's label.
    pub for_tier: &'static str,
    /// The prompt's heading for an article any signed-in reader may read.
    pub for_registered: &'static str,
    /// The prompt's button for an article any signed-in reader may read.
    pub register: &'static str,
    /// Said to a subscriber whose tier is below the article's: `{tier}` is the article's.
    pub higher_tier: &'static str,
    /// Before the list of locked sections: "Including".
    pub including: &'static str,
    /// The word before the last locked section: "and".
    pub and: &'static str,
    /// The prompt's call to subscribe.
    pub subscribe: &'static str,
    /// In the prompt the server drew, when the widget behind it could not start: signing in
    /// cannot work, subscribing still does.
    pub unavailable: &'static str,
    /// Before the sign-in link.
    pub already_subscribed: &'static str,
    /// The sign-in link.
    pub sign_in_link: &'static str,
    /// The sign-out control.
    pub sign_out: &'static str,
    /// The control that ends every session of the reader.
    pub sign_out_everywhere: &'static str,
    /// Before the signed-in reader's email.
    pub signed_in_as: &'static str,
    /// Said to a signed-in reader whose account cannot read the locked sections.
    pub no_subscription: &'static str,
    /// The dialog's heading at the email step.
    pub email_heading: &'static str,
    /// Under the heading at the email step.
    pub email_hint: &'static str,
    /// The email step's button.
    pub send_code: &'static str,
    /// Switches to the password step.
    pub use_password: &'static str,
    /// The dialog's heading at the code step.
    pub code_heading: &'static str,
    /// Under the heading at the code step: `{email}` is the address, `{minutes}` how long the
    /// code works (as the server says).
    pub code_sent: &'static str,
    /// The code field's label.
    pub code: &'static str,
    /// Asks for another code.
    pub resend_code: &'static str,
    /// Back to the email step.
    pub other_email: &'static str,
    /// The dialog's heading at the password step.
    pub password_heading: &'static str,
    /// Switches to the email step from the password step.
    pub use_code: &'static str,
    /// The email field's label.
    pub email: &'static str,
    /// The password field's label.
    pub password: &'static str,
    /// The dialog's submit button.
    pub sign_in: &'static str,
    /// Any button while the server answers.
    pub working: &'static str,
    /// Tries a failed request again.
    pub retry: &'static str,
    /// The dialog's close button, for screen readers.
    pub close: &'static str,
    /// Announced when the locked sections appear.
    pub unlocked: &'static str,
    /// A rejected email or password.
    pub wrong_credentials: &'static str,
    /// A wrong code, before how many tries are left.
    pub wrong_code: &'static str,
    /// Tries left after a wrong code: one.
    pub one_try_left: &'static str,
    /// Tries left after a wrong code: `{}` of them.
    pub tries_left: &'static str,
    /// A code that is no longer live.
    pub code_expired: &'static str,
    /// A code that took too many wrong tries.
    pub too_many_attempts: &'static str,
    /// An address mail cannot go to.
    pub invalid_email: &'static str,
    /// Rate limited, before how long to wait.
    pub too_many_tries: &'static str,
    /// Wait: one second.
    pub wait_a_second: &'static str,
    /// Wait: `{}` seconds.
    pub wait_seconds: &'static str,
    /// Wait: one minute.
    pub wait_a_minute: &'static str,
    /// Wait: `{}` minutes.
    pub wait_minutes: &'static str,
    /// The server could not be reached.
    pub offline: &'static str,
    /// The server took too long.
    pub timed_out: &'static str,
    /// The server failed.
    pub server_error: &'static str,
    /// The article is not known to the paywall.
    pub unknown_article: &'static str,
    /// The word after a monthly price's slash: "month".
    pub per_month: &'static str,
    /// The word after a yearly price's slash: "year".
    pub per_year: &'static str,
    /// A trial: `{}` days free.
    pub days_free: &'static str,
    /// The dialog's heading when subscribing: `{offer}` is the offer's name.
    pub checkout_heading: &'static str,
    /// Under it, asking for the email.
    pub checkout_hint: &'static str,
    /// Under it, for a signed-in reader: `{email}` is theirs.
    pub checkout_as: &'static str,
    /// The button that leaves for the provider's checkout.
    pub continue_to_payment: &'static str,
    /// Opens the provider's billing portal.
    pub manage_subscription: &'static str,
    /// A checkout for a tier the reader already has.
    pub already_subscribed_error: &'static str,
    /// A checkout for an email with an account.
    pub account_exists_error: &'static str,
    /// A checkout for an offer no longer sold.
    pub offer_unavailable: &'static str,
    /// Under an article the meter opened, when one more is free.
    pub free_left_one: &'static str,
    /// Under an article the meter opened: `{}` more are free.
    pub free_left: &'static str,
    /// Under the last article the meter opens.
    pub free_last: &'static str,
    /// The registration wall's button, when an account gives one more free article.
    pub register_more_one: &'static str,
    /// The registration wall's button: an account gives `{}` more free articles.
    pub register_more: &'static str,
    /// The prompt's heading when the reader's free articles are spent.
    pub meter_spent: &'static str,
    /// Under an article a gift link opened.
    pub gift_note: &'static str,
    /// The link beside it.
    pub subscribe_more: &'static str,
    /// The subscriber's control that makes a gift link.
    pub gift_this: &'static str,
    /// Before the gift link.
    pub gift_ready: &'static str,
    /// Copies the gift link.
    pub copy_link: &'static str,
    /// In the prompt, when a gift link kept for the article no longer opens it.
    pub gift_refused: &'static str,
    /// When the subscriber has made the month's gift links.
    pub gift_allowance_spent: &'static str,
    /// Sign in with a passkey
    pub passkey_sign_in: &'static str,
    /// Continue with {name}
    pub continue_with: &'static str,
    /// Add a passkey
    pub add_passkey: &'static str,
    /// Passkeys
    pub passkeys: &'static str,
    /// Your passkeys
    pub passkeys_heading: &'static str,
    /// A passkey signs you in with your fingerprint, face or screen lock: nothing to type, nothing to steal.
    pub passkeys_hint: &'static str,
    /// You have no passkeys yet.
    pub no_passkeys: &'static str,
    /// Added {date}
    pub passkey_added_on: &'static str,
    /// last used {date}
    pub passkey_last_used: &'static str,
    /// Remove
    pub remove: &'static str,
    /// Sign in faster next time with a passkey.
    pub passkey_offer: &'static str,
    /// Not now
    pub not_now: &'static str,
    /// Passkey added. Next time, pick it when you sign in.
    pub passkey_added: &'static str,
    /// No passkey was used. Try again, or sign in another way.
    pub passkey_cancelled: &'static str,
    /// This device already has a passkey for your account.
    pub passkey_exists: &'static str,
    /// This passkey was not accepted (it may have been removed). Sign in another way.
    pub passkey_refused: &'static str,
    /// Passkeys cannot be used on this site.
    pub passkey_wrong_site: &'static str,
    /// The sign-in was not completed. Try again, or sign in another way.
    pub provider_refused: &'static str,
    /// That sign-in service is not answering. Try again in a moment, or sign in another way.
    pub provider_unavailable: &'static str,
    /// The service did not confirm your email address, so it cannot sign you in here. Sign in
    /// with an emailed code instead.
    pub unverified_email: &'static str,
    /// Whether a count of zero takes the singular (French).
    pub zero_is_one: bool,
}

impl PartialEq for Texts {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Texts {
    /// "Including A, B and C." from the titles of the locked sections.
    pub fn including(&self, titles: &[String]) -> String {
        match titles {
            [] => String::new(),
            [only] => format!("{} {only}.", self.including),
            [rest @ .., last] => format!("{} {} {} {last}.", self.including, rest.join(", "), self.and),
        }
    }

    /// "€8.00 / month · 14 days free", the price in the reader's locale's format.
    pub fn price(&self, offer: &paywall_protocol::Offer) -> String {
        let per = match offer.interval {
            paywall_protocol::BillingInterval::Month => self.per_month,
            paywall_protocol::BillingInterval::Year => self.per_year,
        };
        let price = format!("{} / {per}", crate::money::format(self.lang, offer.amount, &offer.currency));
        if offer.trial_days > 0 {
            format!("{price} · {}", self.days_free.replace("{}", &offer.trial_days.to_string()))
        } else {
            price
        }
    }

    /// "We sent a 6-digit code to … It works for … minutes."
    pub fn code_sent(&self, email: &str, minutes: u64) -> String {
        self.code_sent.replace("{minutes}", &minutes.to_string()).replace("{email}", email)
    }

    /// "2 free stories left", under an article the meter opened.
    pub fn free_left(&self, left: u32) -> String {
        if left == 0 {
            self.free_last.to_owned()
        } else {
            self.count(left.into(), self.free_left_one, self.free_left)
        }
    }

    /// "Register for 5 more free stories."
    pub fn register_more(&self, more: u32) -> String {
        self.count(more.into(), self.register_more_one, self.register_more)
    }

    fn one(&self, count: u64) -> bool {
        count == 1 || (count == 0 && self.zero_is_one)
    }

    /// `one` for a count the language says in the singular, else `many` with the count in its `{}`.
    pub fn count(&self, count: u64, one: &str, many: &str) -> String {
        if self.one(count) { one.to_owned() } else { many.replace("{}", &count.to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::texts;

    fn titles(titles: &[&str]) -> Vec<String> {
        titles.iter().map(|title| (*title).to_owned()).collect()
    }

    #[test]
    fn names_every_locked_section_in_order_in_each_language() {
        let sections = titles(&["Our Take", "Tailwinds & headwinds", "Connections", "What should you do"]);
        assert_eq!(
            texts("en").including(&sections),
            "Including Our Take, Tailwinds & headwinds, Connections and What should you do."
        );
        assert_eq!(texts("fr").including(&titles(&["Un", "Deux"])), "Dont Un et Deux.");
        assert_eq!(texts("de").including(&titles(&["Eins", "Zwei"])), "Darunter Eins und Zwei.");
        assert_eq!(texts("es").including(&titles(&["Uno"])), "Incluye Uno.");
        assert_eq!(texts("en").including(&[]), "");
    }

    #[test]
    fn picks_the_language_by_its_tag_and_falls_back_to_english() {
        assert_eq!(texts("fr-CA").lang, "fr");
        assert_eq!(texts("DE").lang, "de");
        assert_eq!(texts("es_MX").lang, "es");
        assert_eq!(texts("pt-BR").lang, "en");
        assert_eq!(texts("").lang, "en");
    }

    #[test]
    fn every_language_says_every_thing() {
        for lang in ["en", "fr", "de", "es"] {
            let texts = texts(lang);
            let debug = format!("{texts:?}");
            assert!(!debug.contains(": \"\""), "{lang} has an empty text");
            assert!(texts.code_sent.contains("{email}") && texts.code_sent.contains("{minutes}"), "{lang}");
            assert!(texts.tries_left.contains("{}"), "{lang}");
            assert!(texts.for_tier.contains("{tier}") && texts.higher_tier.contains("{tier}"), "{lang}");
            assert!(
                texts.checkout_heading.contains("{offer}") && texts.checkout_as.contains("{email}"),
                "{lang}"
            );
            assert!(texts.days_free.contains("{}"), "{lang}");
            assert!(texts.continue_with.contains("{name}"), "{lang}");
            assert!(
                texts.passkey_added_on.contains("{date}") && texts.passkey_last_used.contains("{date}"),
                "{lang}"
            );
            assert!(texts.wait_seconds.contains("{}") && texts.wait_minutes.contains("{}"), "{lang}");
        }
    }
}
