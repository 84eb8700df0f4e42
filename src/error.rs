//! The widget's one error type.

use paywall_protocol::{Meter, Problem, Reason};

/// Everything that can go wrong in the widget.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// The request got no answer: offline, blocked, or refused by CORS.
    #[error("the paywall server could not be reached")]
    Network,
    /// The server took longer than the widget waits.
    #[error("the paywall server did not answer in time")]
    TimedOut,
    /// The server answered with an error (`application/problem+json`).
    #[error("{} ({})", .0.title, .0.status)]
    Problem(Box<Problem>),
    /// The server's answer was not what the API promises.
    #[error("unexpected response from the paywall server: {0}")]
    Unexpected(String),
    /// No reader is signed in.
    #[error("no reader is signed in")]
    SignedOut,
    /// The embed's configuration cannot be used.
    #[error("paywall configuration: {0}")]
    Config(String),
    /// The reader closed the browser's passkey prompt, or it timed out.
    #[error("no passkey was used")]
    PasskeyCancelled,
    /// The authenticator already holds a passkey for the reader.
    #[error("this authenticator already has a passkey for the reader")]
    PasskeyExists,
    /// A browser API the widget needs failed or is missing.
    #[error("{0}")]
    Browser(String),
}

impl Error {
    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Problem(problem) => Some(problem.status),
            _ => None,
        }
    }

    /// Whether the server refused the reader's credentials or tokens (a 401).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether the same request, sent again as it is, may succeed: the network failed, the
    /// server took too long, or it failed on its side (5xx). The one definition: the Retry
    /// buttons ask it, and so do the automatic retries of reads, which leave out a timeout
    /// only (the reader has already waited; the Retry button offers it).
    pub fn worth_retrying(&self) -> bool {
        match self {
            Error::Network | Error::TimedOut => true,
            Error::Problem(problem) => problem.status >= 500,
            _ => false,
        }
    }

    /// The reader's spent meter, when the server refused because of it.
    pub fn meter(&self) -> Option<Meter> {
        match self {
            Error::Problem(problem) => problem.meter.clone(),
            _ => None,
        }
    }

    /// Which problem the server reported, when it is one the widget can act on.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Error::Problem(problem) => problem.reason,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_failures_timeouts_and_server_failures_are_worth_retrying() {
        assert!(Error::Network.worth_retrying());
        assert!(Error::TimedOut.worth_retrying());
        assert!(Error::Problem(Box::new(Problem::new(503, "Busy"))).worth_retrying());
        assert!(
            !Error::Problem(Box::new(Problem::new(401, "No").with_reason(Reason::WrongCode)))
                .worth_retrying()
        );
        assert!(
            !Error::Problem(Box::new(Problem::new(429, "Wait").with_reason(Reason::RateLimited)))
                .worth_retrying()
        );
        assert!(!Error::Config("x".into()).worth_retrying());
    }
}
