//! The widget's words: every language's texts are in `paywall-ui` (the server draws the prompt
//! from them too); what to tell a reader about an error is worded here, where errors are known.

use paywall_protocol::Reason;
pub use paywall_ui::i18n::{Texts, texts};

use crate::error::Error;

/// Words for the widget's errors, in a language's texts.
pub trait Say {
    /// What to tell a reader about an error.
    fn error(&self, error: &Error) -> String;
}

impl Say for Texts {
    fn error(&self, error: &Error) -> String {
        let problem = match error {
            Error::Network => return self.offline.into(),
            Error::TimedOut => return self.timed_out.into(),
            Error::PasskeyCancelled => return self.passkey_cancelled.into(),
            Error::PasskeyExists => return self.passkey_exists.into(),
            Error::Problem(problem) => problem,
            _ => return self.server_error.into(),
        };
        match problem.reason {
            Some(Reason::WrongCode) => match problem.attempts_left {
                Some(left) => {
                    format!(
                        "{} {}",
                        self.wrong_code,
                        self.count(left.into(), self.one_try_left, self.tries_left)
                    )
                }
                None => self.wrong_code.into(),
            },
            Some(Reason::CodeExpired) => self.code_expired.into(),
            Some(Reason::TooManyAttempts) => self.too_many_attempts.into(),
            Some(Reason::InvalidEmail) => self.invalid_email.into(),
            Some(Reason::AlreadySubscribed) => self.already_subscribed_error.into(),
            Some(Reason::AccountExists) => self.account_exists_error.into(),
            Some(Reason::OfferUnavailable) => self.offer_unavailable.into(),
            Some(Reason::GiftAllowanceSpent) => self.gift_allowance_spent.into(),
            Some(Reason::PasskeyRefused) => self.passkey_refused.into(),
            Some(Reason::PasskeyWrongSite) => self.passkey_wrong_site.into(),
            Some(Reason::ProviderRefused) => self.provider_refused.into(),
            Some(Reason::ProviderUnavailable) => self.provider_unavailable.into(),
            Some(Reason::UnverifiedEmail) => self.unverified_email.into(),
            Some(Reason::RateLimited) => {
                let seconds = problem.retry_after.unwrap_or(60).max(1);
                let wait = if seconds <= 90 {
                    self.count(seconds, self.wait_a_second, self.wait_seconds)
                } else {
                    self.count(seconds.div_ceil(60), self.wait_a_minute, self.wait_minutes)
                };
                format!("{} {wait}", self.too_many_tries)
            }
            _ if problem.status == 401 => self.wrong_credentials.into(),
            _ if problem.status == 404 => self.unknown_article.into(),
            _ => self.server_error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use paywall_protocol::Problem;

    use super::*;

    fn problem(status: u16, reason: Option<Reason>) -> Problem {
        Problem { reason, ..Problem::new(status, "x") }
    }

    fn wrong_code(left: u32) -> Error {
        let mut wrong = problem(401, Some(Reason::WrongCode));
        wrong.attempts_left = Some(left);
        Error::Problem(Box::new(wrong))
    }

    fn limited(seconds: u64) -> Error {
        let mut limited = problem(429, Some(Reason::RateLimited));
        limited.retry_after = Some(seconds);
        Error::Problem(Box::new(limited))
    }

    #[test]
    fn counts_tries_and_waits_with_each_language_s_plural() {
        assert_eq!(texts("en").error(&wrong_code(3)), "That code isn't right. 3 tries left.");
        assert_eq!(texts("en").error(&wrong_code(1)), "That code isn't right. 1 try left.");
        assert_eq!(texts("fr").error(&wrong_code(1)), "Ce code n'est pas le bon. Il reste 1 essai.");
        assert_eq!(texts("fr").error(&wrong_code(2)), "Ce code n'est pas le bon. Il reste 2 essais.");
        assert_eq!(texts("de").error(&wrong_code(4)), "Dieser Code stimmt nicht. Noch 4 Versuche.");
        assert_eq!(texts("es").error(&wrong_code(1)), "Ese código no es correcto. Queda 1 intento.");

        assert_eq!(texts("en").error(&limited(42)), "Too many tries. Try again in 42 seconds.");
        assert_eq!(texts("en").error(&limited(1)), "Too many tries. Try again in 1 second.");
        assert_eq!(texts("en").error(&limited(250)), "Too many tries. Try again in 5 minutes.");
        assert_eq!(
            texts("de").error(&limited(61)),
            "Zu viele Versuche. Bitte in 61 Sekunden erneut versuchen."
        );
        assert_eq!(
            texts("es").error(&limited(120)),
            "Demasiados intentos. Vuelve a intentarlo en 2 minutos."
        );
    }
}
