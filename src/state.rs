//! What the widget is showing, and every way that can change.

use std::rc::Rc;

use paywall_protocol::{ArticleSummary, LockedSection, Reader};
use yew::{AttrValue, Reducible};

/// Where the reader stands with this article.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Finding out who the reader is and what they may read; nothing is shown yet.
    Loading,
    /// The prompt is shown. `reader` is set when someone is signed in without a subscription.
    Locked {
        summary: Rc<ArticleSummary>,
        reader: Option<Reader>,
    },
    /// The locked sections are shown.
    Unlocked {
        reader: Reader,
        sections: Rc<Vec<LockedSection>>,
    },
    /// The article's paywall could not be loaded; the free section is all there is.
    Failed(AttrValue),
}

/// The sign-in dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    /// Not shown.
    Closed,
    /// Shown, waiting for the reader.
    Open,
    /// Shown, waiting for the server.
    Submitting,
    /// Shown with an error; what the reader typed stays in the form.
    Rejected(AttrValue),
}

/// The widget's whole state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Where the reader stands.
    pub phase: Phase,
    /// The sign-in dialog.
    pub dialog: Dialog,
}

impl Default for State {
    fn default() -> Self {
        State {
            phase: Phase::Loading,
            dialog: Dialog::Closed,
        }
    }
}

/// Everything that changes the state.
#[derive(Debug)]
pub enum Action {
    /// The prompt is to be shown (anonymous, or signed in without a subscription).
    Locked {
        summary: ArticleSummary,
        reader: Option<Reader>,
    },
    /// The server sent the locked sections.
    Unlocked {
        reader: Reader,
        sections: Vec<LockedSection>,
    },
    /// Loading failed; the message says what to tell the reader.
    Failed(AttrValue),
    /// The reader asked to sign in.
    OpenDialog,
    /// The reader closed the dialog.
    CloseDialog,
    /// The sign-in request went out.
    SignInStarted,
    /// Sign-in failed; the message says why.
    SignInFailed(AttrValue),
    /// The reader signed out: locked sections go at once; the prompt stays if it is shown.
    SignedOut,
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Locked { summary, reader } => {
                next.phase = Phase::Locked {
                    summary: Rc::new(summary),
                    reader,
                };
                next.dialog = Dialog::Closed;
            }
            Action::Unlocked { reader, sections } => {
                next.phase = Phase::Unlocked {
                    reader,
                    sections: Rc::new(sections),
                };
                next.dialog = Dialog::Closed;
            }
            Action::Failed(message) => {
                if next.dialog == Dialog::Submitting {
                    next.dialog = Dialog::Rejected(message);
                } else {
                    next.phase = Phase::Failed(message);
                }
            }
            Action::OpenDialog => next.dialog = Dialog::Open,
            Action::CloseDialog => next.dialog = Dialog::Closed,
            Action::SignInStarted => next.dialog = Dialog::Submitting,
            Action::SignInFailed(message) => next.dialog = Dialog::Rejected(message),
            Action::SignedOut => {
                next.dialog = Dialog::Closed;
                next.phase = match next.phase {
                    Phase::Locked { summary, .. } => Phase::Locked {
                        summary,
                        reader: None,
                    },
                    _ => Phase::Loading,
                };
            }
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> ArticleSummary {
        ArticleSummary {
            id: "a".into(),
            title: "A".into(),
            tier: "premium".into(),
            locked_section_titles: vec!["One".into()],
        }
    }

    fn reduce(state: State, action: Action) -> State {
        (*Rc::new(state).reduce(action)).clone()
    }

    #[test]
    fn a_failed_sign_in_keeps_the_dialog_open_with_the_message() {
        let open = State {
            phase: Phase::Locked {
                summary: Rc::new(summary()),
                reader: None,
            },
            dialog: Dialog::Submitting,
        };
        let next = reduce(open.clone(), Action::SignInFailed("wrong".into()));
        assert_eq!(next.dialog, Dialog::Rejected("wrong".into()));
        assert_eq!(next.phase, open.phase);
    }

    #[test]
    fn a_network_failure_while_signing_in_stays_in_the_dialog() {
        let open = State {
            phase: Phase::Locked {
                summary: Rc::new(summary()),
                reader: None,
            },
            dialog: Dialog::Submitting,
        };
        let next = reduce(open.clone(), Action::Failed("offline".into()));
        assert_eq!(next.dialog, Dialog::Rejected("offline".into()));
        assert_eq!(next.phase, open.phase);
    }

    #[test]
    fn unlocking_closes_the_dialog() {
        let open = State {
            phase: Phase::Loading,
            dialog: Dialog::Submitting,
        };
        let reader = Reader {
            id: 1,
            email: "r@example.com".into(),
        };
        let next = reduce(
            open,
            Action::Unlocked {
                reader,
                sections: vec![],
            },
        );
        assert_eq!(next.dialog, Dialog::Closed);
        assert!(matches!(next.phase, Phase::Unlocked { .. }));
    }

    #[test]
    fn signing_out_hides_locked_sections_at_once_and_keeps_the_prompt_steady() {
        let reader = Reader {
            id: 1,
            email: "r@example.com".into(),
        };
        let unlocked = State {
            phase: Phase::Unlocked {
                reader: reader.clone(),
                sections: Rc::new(vec![]),
            },
            dialog: Dialog::Closed,
        };
        assert_eq!(reduce(unlocked, Action::SignedOut).phase, Phase::Loading);

        let summary = Rc::new(summary());
        let prompt = State {
            phase: Phase::Locked {
                summary: summary.clone(),
                reader: Some(reader),
            },
            dialog: Dialog::Closed,
        };
        assert_eq!(
            reduce(prompt, Action::SignedOut).phase,
            Phase::Locked {
                summary,
                reader: None
            }
        );
    }

    #[test]
    fn an_action_that_changes_nothing_keeps_the_same_state() {
        let state = Rc::new(State::default());
        let next = state.clone().reduce(Action::CloseDialog);
        assert!(Rc::ptr_eq(&state, &next));
    }
}
