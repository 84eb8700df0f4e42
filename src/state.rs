//! What the widget is showing, and every way that can change.

use std::rc::Rc;

use paywall_protocol::{
    ArticleSummary, GrantReason, LockedSection, Meter, Offer, PasskeyInfo, Reader, SignInMethods,
};
use yew::{AttrValue, Reducible};

use crate::access::Access;
use crate::error::Error;

/// Where the reader stands with this article.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Finding out who the reader is and what they may read; nothing is shown yet.
    Loading,
    /// The prompt is shown. `reader` is set when someone is signed in without a subscription
    /// that opens the article; `higher_tier` when they subscribe, but to a lower tier; `meter`
    /// when the publisher's meter would open it but the reader's free articles are spent;
    /// `gift_refused` when a gift link kept for it no longer opens it.
    Locked {
        summary: Rc<ArticleSummary>,
        reader: Option<Reader>,
        higher_tier: bool,
        offers: Rc<Vec<Offer>>,
        meter: Option<Meter>,
        gift_refused: bool,
    },
    /// The locked sections are shown. `announce` when they replaced the prompt the reader was
    /// looking at (not on a page load): the news is then announced and focus moves to them.
    /// `reader` is `None` for an article open to anyone (tier `free`) or opened by the meter
    /// or a gift with nobody signed in; `grant` says why it opened, `meter` is set when the
    /// meter did.
    Unlocked {
        reader: Option<Reader>,
        sections: Rc<Vec<LockedSection>>,
        announce: bool,
        grant: GrantReason,
        meter: Option<Meter>,
    },
    /// The article's paywall could not be loaded; the free section is all there is.
    Failed(Error),
}

/// Which form the sign-in dialog shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Ask for the email, to send a code.
    Email,
    /// Ask for the code that was sent to this email, which works for `minutes`.
    Code { email: AttrValue, minutes: u64 },
    /// Ask for email and password.
    Password,
    /// Subscribe with this offer: the email, unless someone is signed in, then the provider.
    Checkout { offer: Rc<Offer> },
    /// The signed-in reader's passkeys (`None` while they load).
    Passkeys { list: Option<Rc<Vec<PasskeyInfo>>> },
}

/// The offer of a passkey to a reader who just signed in with an emailed code or link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasskeyOffer {
    /// Not shown.
    Hidden,
    /// Shown: Add a passkey, or Not now.
    Shown,
    /// A passkey was added: said so once.
    Added,
}

/// A gift link the subscriber asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Gifting {
    /// None asked for.
    Idle,
    /// Being made.
    Busy,
    /// Made: the link to send.
    Made(AttrValue),
    /// Refused (the month's links are made, say).
    Failed(Error),
}

/// Whether the dialog is waiting, working, or showing an error.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Waiting for the reader.
    Ready,
    /// Waiting for the server.
    Busy,
    /// The last try failed.
    Failed(Error),
}

/// The sign-in dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    /// Not shown.
    Closed,
    /// Shown at `step`.
    Open { step: Step, status: Status },
}

/// The widget's whole state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Where the reader stands.
    pub phase: Phase,
    /// The sign-in dialog.
    pub dialog: Dialog,
    /// The gift link asked for on this article.
    pub gifting: Gifting,
    /// What the server offers besides codes and passwords (nothing until asked).
    pub methods: Rc<SignInMethods>,
    /// The offer of a passkey.
    pub offer: PasskeyOffer,
}

impl Default for State {
    fn default() -> Self {
        State {
            phase: Phase::Loading,
            dialog: Dialog::Closed,
            gifting: Gifting::Idle,
            methods: Rc::default(),
            offer: PasskeyOffer::Hidden,
        }
    }
}

/// Everything that changes the state.
#[derive(Debug)]
pub enum Action {
    /// The server said what the reader may see: the locked sections, or the prompt
    /// (anonymous, or signed in without a subscription).
    Checked(Access),
    /// A gift link is being made, was made, or was refused.
    Gifting(Gifting),
    /// Something failed; in the dialog if it is open, else in place of the prompt.
    Failed(Error),
    /// Open the dialog at a step (or move it there).
    Show(Step),
    /// The reader closed the dialog.
    CloseDialog,
    /// A request for the dialog went out.
    Busy,
    /// The reader signed out: locked sections go at once; the prompt stays if it is shown.
    SignedOut,
    /// Loading again after a failure.
    Retry,
    /// The server said what it offers besides codes and passwords.
    Methods(Rc<SignInMethods>),
    /// The passkey offer is shown, answered or gone.
    Offer(PasskeyOffer),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Checked(Access::Locked { summary, reader, higher_tier, offers, meter, gift_refused }) => {
                // A sign-in that ends at the prompt closes the dialog; with nobody signed in, a
                // dialog the reader opened meanwhile (just after signing out, or while
                // `Paywall.refresh()` loaded) is theirs to close.
                if reader.is_some() {
                    next.dialog = Dialog::Closed;
                }
                let (summary, offers) = (Rc::new(summary), Rc::new(offers));
                next.phase = Phase::Locked { summary, reader, higher_tier, offers, meter, gift_refused };
                next.gifting = Gifting::Idle;
            }
            Action::Checked(Access::Unlocked { reader, sections, grant, meter }) => {
                let announce = matches!(self.phase, Phase::Locked { .. });
                next.phase = Phase::Unlocked { reader, sections: Rc::new(sections), announce, grant, meter };
                next.gifting = Gifting::Idle;
                next.dialog = Dialog::Closed;
            }
            Action::Failed(error) => match &mut next.dialog {
                Dialog::Open { status, .. } => *status = Status::Failed(error),
                Dialog::Closed => next.phase = Phase::Failed(error),
            },
            Action::Show(step) => {
                // The list stays in sight while it is being changed and loaded again.
                let step = match (step, &self.dialog) {
                    (Step::Passkeys { list: None }, Dialog::Open { step: Step::Passkeys { list }, .. }) => {
                        Step::Passkeys { list: list.clone() }
                    }
                    (step, _) => step,
                };
                next.dialog = Dialog::Open { step, status: Status::Ready }
            }
            Action::CloseDialog => next.dialog = Dialog::Closed,
            Action::Busy => {
                if let Dialog::Open { status, .. } = &mut next.dialog {
                    *status = Status::Busy;
                }
            }
            Action::SignedOut => {
                next.dialog = Dialog::Closed;
                next.offer = PasskeyOffer::Hidden;
                next.phase = match next.phase {
                    Phase::Locked { summary, offers, .. } => Phase::Locked {
                        summary,
                        reader: None,
                        higher_tier: false,
                        offers,
                        meter: None,
                        gift_refused: false,
                    },
                    _ => Phase::Loading,
                };
            }
            Action::Gifting(gifting) => next.gifting = gifting,
            Action::Retry => next = State { methods: next.methods, ..State::default() },
            Action::Methods(methods) => next.methods = methods,
            Action::Offer(offer) => next.offer = offer,
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Rc<ArticleSummary> {
        Rc::new(ArticleSummary {
            id: "a".into(),
            title: "A".into(),
            tier: "premium".into(),
            tier_label: "Premium".into(),
            locked_section_titles: vec!["One".into()],
            metered: false,
        })
    }

    fn reader() -> Reader {
        Reader { id: 1, email: "r@example.com".into() }
    }

    fn reduce(state: State, action: Action) -> State {
        (*Rc::new(state).reduce(action)).clone()
    }

    fn busy_at(step: Step) -> State {
        State {
            phase: Phase::Locked {
                summary: summary(),
                reader: None,
                higher_tier: false,
                offers: Rc::default(),
                meter: None,
                gift_refused: false,
            },
            dialog: Dialog::Open { step, status: Status::Busy },
            ..State::default()
        }
    }

    #[test]
    fn a_failure_while_the_dialog_is_open_stays_in_the_dialog_at_the_same_step() {
        let step = Step::Code { email: "r@example.com".into(), minutes: 15 };
        let next = reduce(busy_at(step.clone()), Action::Failed(Error::SignedOut));
        assert_eq!(next.dialog, Dialog::Open { step, status: Status::Failed(Error::SignedOut) });
        assert_eq!(next.phase, busy_at(Step::Email).phase);
    }

    #[test]
    fn a_failure_with_the_dialog_closed_replaces_the_prompt_until_retried() {
        let next = reduce(State::default(), Action::Failed(Error::Network));
        assert_eq!(next.phase, Phase::Failed(Error::Network));
        assert_eq!(reduce(next, Action::Retry), State::default());
    }

    #[test]
    fn the_prompt_loaded_again_leaves_a_dialog_open_until_someone_signs_in() {
        let locked = |reader: Option<Reader>| Access::Locked {
            summary: (*summary()).clone(),
            reader,
            higher_tier: false,
            offers: vec![],
            meter: None,
            gift_refused: false,
        };
        let open = State {
            dialog: Dialog::Open { step: Step::Email, status: Status::Ready },
            ..busy_at(Step::Email)
        };
        let reloaded = reduce(open.clone(), Action::Checked(locked(None)));
        assert_eq!(reloaded.dialog, open.dialog);
        let signed_in = reduce(open, Action::Checked(locked(Some(reader()))));
        assert_eq!(signed_in.dialog, Dialog::Closed);
    }

    #[test]
    fn the_passkeys_stay_in_sight_while_they_are_changed() {
        let list = Rc::new(vec![PasskeyInfo { id: 1, created_at: 1, last_used_at: None }]);
        let shown = reduce(busy_at(Step::Email), Action::Show(Step::Passkeys { list: Some(list.clone()) }));
        let changing = reduce(shown, Action::Show(Step::Passkeys { list: None }));
        assert_eq!(
            changing.dialog,
            Dialog::Open { step: Step::Passkeys { list: Some(list) }, status: Status::Ready }
        );
        let opened = reduce(busy_at(Step::Email), Action::Show(Step::Passkeys { list: None }));
        assert_eq!(
            opened.dialog,
            Dialog::Open { step: Step::Passkeys { list: None }, status: Status::Ready }
        );
    }

    #[test]
    fn moving_to_another_step_clears_the_error() {
        let failed = reduce(busy_at(Step::Email), Action::Failed(Error::TimedOut));
        let next = reduce(failed, Action::Show(Step::Password));
        assert_eq!(next.dialog, Dialog::Open { step: Step::Password, status: Status::Ready });
    }

    #[test]
    fn unlocking_from_the_prompt_closes_the_dialog_and_is_announced() {
        let next = reduce(
            busy_at(Step::Password),
            Action::Checked(Access::Unlocked {
                reader: Some(reader()),
                sections: vec![],
                grant: GrantReason::Subscription,
                meter: None,
            }),
        );
        assert_eq!(next.dialog, Dialog::Closed);
        assert!(matches!(next.phase, Phase::Unlocked { announce: true, .. }));
    }

    #[test]
    fn unlocking_on_a_page_load_is_not_announced() {
        let next = reduce(
            State::default(),
            Action::Checked(Access::Unlocked {
                reader: Some(reader()),
                sections: vec![],
                grant: GrantReason::Subscription,
                meter: None,
            }),
        );
        assert!(matches!(next.phase, Phase::Unlocked { announce: false, .. }));
    }

    #[test]
    fn loading_again_keeps_what_the_server_offers_and_signing_out_withdraws_the_passkey_offer() {
        let methods = Rc::new(SignInMethods { passkeys: Some("news.example".into()), providers: vec![] });
        let offered = State { methods: methods.clone(), offer: PasskeyOffer::Shown, ..busy_at(Step::Email) };
        let failed = reduce(offered.clone(), Action::Failed(Error::Network));
        assert_eq!(reduce(failed, Action::Retry).methods, methods);
        let signed_out = reduce(offered, Action::SignedOut);
        assert_eq!(signed_out.offer, PasskeyOffer::Hidden);
        assert_eq!(signed_out.methods, methods);
    }

    #[test]
    fn signing_out_hides_locked_sections_at_once_and_keeps_the_prompt_steady() {
        let unlocked = State {
            phase: Phase::Unlocked {
                reader: Some(reader()),
                sections: Rc::new(vec![]),
                announce: false,
                grant: GrantReason::Subscription,
                meter: None,
            },
            ..State::default()
        };
        assert_eq!(reduce(unlocked, Action::SignedOut).phase, Phase::Loading);

        let prompt = State {
            phase: Phase::Locked {
                summary: summary(),
                reader: Some(reader()),
                higher_tier: false,
                offers: Rc::default(),
                meter: None,
                gift_refused: false,
            },
            ..State::default()
        };
        assert_eq!(
            reduce(prompt, Action::SignedOut).phase,
            Phase::Locked {
                summary: summary(),
                reader: None,
                higher_tier: false,
                offers: Rc::default(),
                meter: None,
                gift_refused: false,
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
