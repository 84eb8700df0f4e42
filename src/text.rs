//! Every sentence the widget shows a reader, in one place, ready for translation.

use paywall_protocol::Reason;

use crate::error::Error;

/// The prompt's heading.
pub const LOCKED_HEADING: &str = "The rest of this story is for subscribers.";
/// The prompt's call to subscribe.
pub const SUBSCRIBE: &str = "Subscribe";
/// Before the sign-in link.
pub const ALREADY_SUBSCRIBED: &str = "Already subscribed?";
/// The sign-in link.
pub const SIGN_IN_LINK: &str = "Sign in →";
/// The sign-out control.
pub const SIGN_OUT: &str = "Sign out";
/// The control that ends every session of the reader.
pub const SIGN_OUT_EVERYWHERE: &str = "Sign out on all devices";
/// Before the signed-in reader's email.
pub const SIGNED_IN_AS: &str = "Signed in as";
/// Said to a signed-in reader whose account cannot read the locked sections.
pub const NO_SUBSCRIPTION: &str =
    "This account has no active subscription. Subscribe to read the rest.";
/// The dialog's heading at the email step.
pub const EMAIL_HEADING: &str = "Sign in or create an account";
/// Under the heading at the email step.
pub const EMAIL_HINT: &str = "We'll email you a 6-digit code. No password needed.";
/// The email step's button.
pub const SEND_CODE: &str = "Email me a code";
/// Switches to the password step.
pub const USE_PASSWORD: &str = "Use a password instead";
/// The dialog's heading at the code step.
pub const CODE_HEADING: &str = "Check your email";
/// The code field's label.
pub const CODE: &str = "6-digit code";
/// Asks for another code.
pub const RESEND_CODE: &str = "Send a new code";
/// Back to the email step.
pub const OTHER_EMAIL: &str = "Use a different email";
/// The dialog's heading at the password step.
pub const PASSWORD_HEADING: &str = "Sign in with your password";
/// Switches to the email step from the password step.
pub const USE_CODE: &str = "Email me a code instead";
/// The email field's label.
pub const EMAIL: &str = "Email";
/// The password field's label.
pub const PASSWORD: &str = "Password";
/// The dialog's submit button.
pub const SIGN_IN: &str = "Sign in";
/// Any button while the server answers.
pub const WORKING: &str = "One moment…";
/// Tries the failed request again.
pub const RETRY: &str = "Try again";
/// The dialog's close button, for screen readers.
pub const CLOSE: &str = "Close";
/// A rejected email or password.
pub const WRONG_CREDENTIALS: &str =
    "That email and password don't match. Check them and try again.";
/// A code that is no longer live.
pub const CODE_EXPIRED: &str = "This code has expired or was already used. Send a new one.";
/// A code that took too many wrong tries.
pub const TOO_MANY_ATTEMPTS: &str = "Too many wrong tries for this code. Send a new one.";
/// An address mail cannot go to.
pub const INVALID_EMAIL: &str = "Enter an email address like name@example.com.";
/// The server could not be reached.
pub const OFFLINE: &str =
    "We couldn't reach the subscription service. Check your connection and try again.";
/// The server failed.
pub const SERVER_ERROR: &str = "Something went wrong on our side. Please try again in a moment.";
/// The article is not known to the paywall.
pub const UNKNOWN_ARTICLE: &str = "Subscriber content for this article isn't available.";

/// "Including A, B and C." from the titles of the locked sections.
pub fn including(titles: &[String]) -> String {
    match titles {
        [] => String::new(),
        [only] => format!("Including {only}."),
        [rest @ .., last] => format!("Including {} and {last}.", rest.join(", ")),
    }
}

/// "We sent a 6-digit code to …".
pub fn code_sent(email: &str) -> String {
    format!("We sent a 6-digit code to {email}. It works for 15 minutes.")
}

/// What to tell a reader about an error.
pub fn error_message(error: &Error) -> String {
    let problem = match error {
        Error::Network => return OFFLINE.into(),
        Error::Problem(problem) => problem,
        _ => return SERVER_ERROR.into(),
    };
    match problem.reason {
        Some(Reason::WrongCode) => match problem.attempts_left {
            Some(1) => "That code isn't right. 1 try left.".into(),
            Some(left) => format!("That code isn't right. {left} tries left."),
            None => "That code isn't right.".into(),
        },
        Some(Reason::CodeExpired) => CODE_EXPIRED.into(),
        Some(Reason::TooManyAttempts) => TOO_MANY_ATTEMPTS.into(),
        Some(Reason::InvalidEmail) => INVALID_EMAIL.into(),
        Some(Reason::RateLimited) => match problem.retry_after.unwrap_or(60) {
            0..=1 => "Too many tries. Try again in a second.".into(),
            seconds @ 2..=90 => format!("Too many tries. Try again in {seconds} seconds."),
            seconds => format!(
                "Too many tries. Try again in {} minutes.",
                seconds.div_ceil(60)
            ),
        },
        _ if problem.status == 401 => WRONG_CREDENTIALS.into(),
        _ if problem.status == 404 => UNKNOWN_ARTICLE.into(),
        _ => SERVER_ERROR.into(),
    }
}

/// Whether the same request may succeed if tried again as it is.
pub fn worth_retrying(error: &Error) -> bool {
    match error {
        Error::Network => true,
        Error::Problem(problem) => problem.status >= 500,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use paywall_protocol::Problem;

    use super::*;

    fn titles(titles: &[&str]) -> Vec<String> {
        titles.iter().map(|title| (*title).to_owned()).collect()
    }

    fn problem(status: u16, reason: Option<Reason>) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: "x".into(),
            status,
            detail: None,
            reason,
            retry_after: None,
            attempts_left: None,
        }
    }

    #[test]
    fn names_every_locked_section_in_order() {
        assert_eq!(
            including(&titles(&[
                "Our Take",
                "Tailwinds & headwinds",
                "Connections",
                "What should you do"
            ])),
            "Including Our Take, Tailwinds & headwinds, Connections and What should you do."
        );
        assert_eq!(
            including(&titles(&["One", "Two"])),
            "Including One and Two."
        );
        assert_eq!(including(&titles(&["One"])), "Including One.");
        assert_eq!(including(&[]), "");
    }

    #[test]
    fn says_how_many_tries_are_left_and_how_long_to_wait() {
        let mut wrong = problem(401, Some(Reason::WrongCode));
        wrong.attempts_left = Some(3);
        assert_eq!(
            error_message(&Error::Problem(wrong.clone())),
            "That code isn't right. 3 tries left."
        );
        wrong.attempts_left = Some(1);
        assert_eq!(
            error_message(&Error::Problem(wrong)),
            "That code isn't right. 1 try left."
        );

        let mut limited = problem(429, Some(Reason::RateLimited));
        limited.retry_after = Some(42);
        assert_eq!(
            error_message(&Error::Problem(limited.clone())),
            "Too many tries. Try again in 42 seconds."
        );
        limited.retry_after = Some(250);
        assert_eq!(
            error_message(&Error::Problem(limited)),
            "Too many tries. Try again in 5 minutes."
        );
    }

    #[test]
    fn only_network_and_server_failures_are_worth_retrying_as_they_are() {
        assert!(worth_retrying(&Error::Network));
        assert!(worth_retrying(&Error::Problem(problem(503, None))));
        assert!(!worth_retrying(&Error::Problem(problem(
            401,
            Some(Reason::WrongCode)
        ))));
        assert!(!worth_retrying(&Error::Problem(problem(
            429,
            Some(Reason::RateLimited)
        ))));
    }
}
