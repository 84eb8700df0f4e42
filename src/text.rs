//! Every sentence the widget shows a reader, in one place, ready for translation.

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
/// Before the signed-in reader's email.
pub const SIGNED_IN_AS: &str = "Signed in as";
/// Said to a signed-in reader whose account cannot read the locked sections.
pub const NO_SUBSCRIPTION: &str =
    "This account has no active subscription. Subscribe to read the rest.";
/// The sign-in dialog's heading.
pub const DIALOG_HEADING: &str = "Sign in to keep reading";
/// The email field's label.
pub const EMAIL: &str = "Email";
/// The password field's label.
pub const PASSWORD: &str = "Password";
/// The dialog's submit button.
pub const SIGN_IN: &str = "Sign in";
/// The submit button while the server answers.
pub const SIGNING_IN: &str = "Signing in…";
/// The dialog's close button, for screen readers.
pub const CLOSE: &str = "Close";
/// A rejected email or password.
pub const WRONG_CREDENTIALS: &str =
    "That email and password don't match. Check them and try again.";
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

/// What to tell a reader about an error.
pub fn error_message(error: &Error) -> &'static str {
    match error {
        Error::Network => OFFLINE,
        Error::Problem(problem) if problem.status == 401 => WRONG_CREDENTIALS,
        Error::Problem(problem) if problem.status == 404 => UNKNOWN_ARTICLE,
        _ => SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(titles: &[&str]) -> Vec<String> {
        titles.iter().map(|title| (*title).to_owned()).collect()
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
}
