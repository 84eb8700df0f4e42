//! `use_paywall`: the widget's state and the reader's actions (sign in, sign out), with the
//! server calls behind them and the events they report.

use std::rc::Rc;

use paywall_protocol::{PasswordSignIn, Reader, Reason};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;
use yew::{
    AttrValue, Callback, UseReducerDispatcher, UseReducerHandle, hook, use_effect_with, use_reducer,
};

use crate::error::Error;
use crate::events::emit;
use crate::session::Session;
use crate::state::{Action, Phase, State};
use crate::text;

/// The widget's state and what the reader can do.
pub struct PaywallHandle {
    /// What is shown.
    pub state: UseReducerHandle<State>,
    /// Opens the sign-in dialog.
    pub open_dialog: Callback<()>,
    /// Closes the sign-in dialog.
    pub close_dialog: Callback<()>,
    /// Signs in and, if the reader is entitled, unlocks.
    pub sign_in: Callback<PasswordSignIn>,
    /// Ends the session on the server and brings the prompt back.
    pub sign_out: Callback<()>,
}

/// Runs one article's paywall: on mount, restores a stored session (showing the locked sections
/// straight away for an entitled reader) or shows the prompt.
#[hook]
pub fn use_paywall(
    article_id: AttrValue,
    session: Rc<Session>,
    container: Element,
) -> PaywallHandle {
    let state = use_reducer(State::default);
    let flow = Flow {
        article_id,
        session,
        container,
        dispatch: state.dispatcher(),
    };

    {
        let flow = flow.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { flow.load(None).await })
        });
    }
    {
        let flow = flow.clone();
        use_effect_with(state.phase.clone(), move |phase| flow.report(phase));
    }

    let dispatch = state.dispatcher();
    let open_dialog = Callback::from(move |()| dispatch.dispatch(Action::OpenDialog));
    let dispatch = state.dispatcher();
    let close_dialog = Callback::from(move |()| dispatch.dispatch(Action::CloseDialog));
    let sign_in = {
        let flow = flow.clone();
        Callback::from(move |credentials: PasswordSignIn| {
            let flow = flow.clone();
            spawn_local(async move { flow.sign_in(credentials).await });
        })
    };
    let sign_out = Callback::from(move |()| {
        let flow = flow.clone();
        spawn_local(async move { flow.sign_out().await });
    });
    PaywallHandle {
        state,
        open_dialog,
        close_dialog,
        sign_in,
        sign_out,
    }
}

/// What the reader's actions need: the article, the session, and where to report.
#[derive(Clone)]
struct Flow {
    article_id: AttrValue,
    session: Rc<Session>,
    container: Element,
    dispatch: UseReducerDispatcher<State>,
}

impl Flow {
    /// Shows the locked sections if the session may read them, else the prompt. `reader` is
    /// who has just signed in, if anyone.
    async fn load(&self, reader: Option<Reader>) {
        let mut reader = reader;
        if self.session.may_be_signed_in() {
            match self.session.locked(&self.article_id).await {
                Ok(locked) => match self.session.reader() {
                    Some(reader) => {
                        return self.dispatch.dispatch(Action::Unlocked {
                            reader,
                            sections: locked.sections,
                        });
                    }
                    None => reader = None,
                },
                Err(error) if error.reason() == Some(Reason::NoSubscription) => {
                    reader = self.session.reader()
                }
                Err(Error::SignedOut) => reader = None,
                Err(error) if error.is_unauthorized() => reader = None,
                Err(error) => return self.fail(&error),
            }
        }
        match self.session.api().article(&self.article_id).await {
            Ok(summary) => self.dispatch.dispatch(Action::Locked { summary, reader }),
            Err(error) => self.fail(&error),
        }
    }

    async fn sign_in(&self, credentials: PasswordSignIn) {
        self.dispatch.dispatch(Action::SignInStarted);
        match self
            .session
            .sign_in(&credentials.email, &credentials.password)
            .await
        {
            Ok(reader) => {
                emit(
                    &self.container,
                    "signed-in",
                    &[("email", JsValue::from_str(&reader.email))],
                );
                self.load(Some(reader)).await;
            }
            Err(error) => {
                self.dispatch
                    .dispatch(Action::SignInFailed(text::error_message(&error).into()));
                self.report_error(&error);
            }
        }
    }

    async fn sign_out(&self) {
        let result = self.session.sign_out().await;
        emit(&self.container, "signed-out", &[]);
        if let Err(error) = result {
            self.report_error(&error);
        }
        self.dispatch.dispatch(Action::SignedOut);
        self.load(None).await;
    }

    fn fail(&self, error: &Error) {
        self.dispatch
            .dispatch(Action::Failed(text::error_message(error).into()));
        self.report_error(error);
    }

    fn report_error(&self, error: &Error) {
        let status = error.status().map_or(JsValue::NULL, JsValue::from);
        emit(
            &self.container,
            "error",
            &[
                ("message", JsValue::from_str(&error.to_string())),
                ("status", status),
            ],
        );
    }

    /// Reports the phases a publisher's scripts care about.
    fn report(&self, phase: &Phase) {
        let article = ("articleId", JsValue::from_str(&self.article_id));
        match phase {
            Phase::Locked { summary, reader } => {
                let titles: js_sys::Array = summary
                    .locked_section_titles
                    .iter()
                    .map(|t| JsValue::from_str(t))
                    .collect();
                emit(
                    &self.container,
                    "locked",
                    &[
                        article,
                        ("lockedSections", titles.into()),
                        ("signedIn", reader.is_some().into()),
                    ],
                );
            }
            Phase::Unlocked { sections, .. } => {
                emit(
                    &self.container,
                    "unlocked",
                    &[article, ("sections", JsValue::from(sections.len() as u32))],
                );
            }
            Phase::Loading | Phase::Failed(_) => {}
        }
    }
}
