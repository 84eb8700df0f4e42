//! `use_paywall`: the widget's state and the reader's actions (sign in three ways, sign out),
//! with the server calls behind them and the events they report.

use std::cell::Cell;
use std::rc::Rc;

use paywall_protocol::{CodeSignIn, PasswordSignIn, Reason};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;
use yew::{
    AttrValue, Callback, UseReducerDispatcher, UseReducerHandle, hook, use_effect_with, use_memo, use_reducer,
};

use crate::error::Error;
use crate::events::emit;
use crate::i18n::{Texts, worth_retrying};
use crate::session::{Change, Session};
use crate::state::{Action, Dialog, Phase, State, Step};

/// The widget's state and what the reader can do.
pub struct PaywallHandle {
    /// What is shown.
    pub state: UseReducerHandle<State>,
    /// Opens the dialog at, or moves it to, a step.
    pub show: Callback<Step>,
    /// Closes the sign-in dialog.
    pub close_dialog: Callback<()>,
    /// Emails a code to the address.
    pub request_code: Callback<String>,
    /// Signs in with the emailed code.
    pub sign_in_with_code: Callback<CodeSignIn>,
    /// Signs in with email and password.
    pub sign_in: Callback<PasswordSignIn>,
    /// Ends the session (`true`: every session of the reader) and brings the prompt back.
    pub sign_out: Callback<bool>,
    /// Loads again after a failure.
    pub retry: Callback<()>,
    /// Reports that the reader followed Subscribe.
    pub subscribe_click: Callback<()>,
}

/// Runs one article's paywall: on mount, restores a stored session (showing the locked sections
/// straight away for an entitled reader) or shows the prompt; then follows every sign-in and
/// sign-out of the shared session.
#[hook]
pub fn use_paywall(
    article_id: AttrValue,
    session: Rc<Session>,
    container: Element,
    texts: &'static Texts,
) -> PaywallHandle {
    let state = use_reducer(State::default);
    let flow = use_memo((), {
        let dispatch = state.dispatcher();
        move |()| Flow { article_id, session, container, texts, dispatch, generation: Rc::new(Cell::new(0)) }
    });

    {
        let flow = flow.clone();
        use_effect_with((), move |_| {
            let listener = flow.clone();
            let subscription =
                flow.session.subscribe(Callback::from(move |change| listener.on_change(change)));
            flow.emit("ready", &[]);
            let first = flow.clone();
            spawn_local(async move { first.load_first().await });
            move || drop(subscription)
        });
    }
    {
        let flow = flow.clone();
        use_effect_with(state.phase.clone(), move |phase| flow.report(phase));
    }
    {
        let flow = flow.clone();
        use_effect_with(state.dialog != Dialog::Closed, move |open| {
            if *open {
                flow.emit("dialog-open", &[]);
            }
        });
    }

    let dispatch = state.dispatcher();
    let show = Callback::from(move |step| dispatch.dispatch(Action::Show(step)));
    let dispatch = state.dispatcher();
    let close_dialog = Callback::from(move |()| dispatch.dispatch(Action::CloseDialog));
    let request_code = flow.action(|flow, email: String| async move { flow.request_code(email).await });
    let sign_in_with_code = flow.action(|flow, code: CodeSignIn| async move {
        let result = flow.session.sign_in_with_code(&code.email, &code.code).await;
        flow.after_sign_in(result);
    });
    let sign_in = flow.action(|flow, credentials: PasswordSignIn| async move {
        let result = flow.session.sign_in(&credentials.email, &credentials.password).await;
        flow.after_sign_in(result);
    });
    let sign_out = flow.action(|flow, everywhere: bool| async move {
        if let Err(error) = flow.session.sign_out(everywhere).await {
            flow.report_error(&error);
        }
    });
    let retry = {
        let flow = flow.clone();
        Callback::from(move |()| {
            flow.dispatch.dispatch(Action::Retry);
            let flow = flow.clone();
            spawn_local(async move { flow.load().await });
        })
    };
    let subscribe_click = {
        let flow = flow.clone();
        Callback::from(move |()| flow.emit("subscribe-click", &[]))
    };
    PaywallHandle {
        state,
        show,
        close_dialog,
        request_code,
        sign_in_with_code,
        sign_in,
        sign_out,
        retry,
        subscribe_click,
    }
}

/// What the reader's actions need: the article, the session, and where to report.
struct Flow {
    article_id: AttrValue,
    session: Rc<Session>,
    container: Element,
    texts: &'static Texts,
    dispatch: UseReducerDispatcher<State>,
    /// Counts loads, so that an answer to an older one never overwrites a newer one.
    generation: Rc<Cell<u32>>,
}

impl Flow {
    /// A callback that runs `work` in the background, marking the dialog busy first.
    fn action<T: 'static, F: Future<Output = ()> + 'static>(
        self: &Rc<Self>,
        work: impl Fn(Rc<Flow>, T) -> F + 'static,
    ) -> Callback<T> {
        let flow = self.clone();
        Callback::from(move |input: T| {
            flow.dispatch.dispatch(Action::Busy);
            spawn_local(work(flow.clone(), input));
        })
    }

    /// The first load: as `load`, then any sign-in failure from before the widget was shown
    /// (an expired emailed link) opens the dialog with its message.
    async fn load_first(self: Rc<Self>) {
        self.load().await;
        if let Some(error) = self.session.take_notice() {
            self.dispatch.dispatch(Action::Show(Step::Email));
            self.fail(&error);
        }
    }

    /// Shows the locked sections if the session may read them, else the prompt.
    async fn load(&self) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let current = || self.generation.get() == generation;
        let mut reader = None;
        if self.session.may_be_signed_in() {
            match self.session.locked(&self.article_id).await {
                Ok(locked) => {
                    if let Some(reader) = self.session.reader().filter(|_| current()) {
                        return self
                            .dispatch
                            .dispatch(Action::Unlocked { reader, sections: locked.sections });
                    }
                }
                Err(error) if error.reason() == Some(Reason::NoSubscription) => {
                    reader = self.session.reader()
                }
                Err(Error::SignedOut) => {}
                Err(error) if error.is_unauthorized() => {}
                Err(error) => {
                    return if current() {
                        self.fail(&error)
                    };
                }
            }
        }
        match self.session.api().article(&self.article_id).await {
            Ok(summary) if current() => self.dispatch.dispatch(Action::Locked { summary, reader }),
            Ok(_) => {}
            Err(error) if current() => self.fail(&error),
            Err(_) => {}
        }
    }

    /// The shared session signed in or out, here or elsewhere, or asked for a fresh look.
    fn on_change(self: &Rc<Self>, change: Change) {
        match change {
            Change::SignedIn => {
                let email = self.session.reader().map(|reader| reader.email).unwrap_or_default();
                self.emit("signed-in", &[("email", JsValue::from_str(&email))]);
            }
            Change::SignedOut => {
                self.dispatch.dispatch(Action::SignedOut);
                self.emit("signed-out", &[]);
            }
            Change::Refresh => {}
        }
        let flow = self.clone();
        spawn_local(async move { flow.load().await });
    }

    async fn request_code(&self, email: String) {
        match self.session.request_code(&email, return_to()).await {
            Ok(sent) => {
                self.dispatch.dispatch(Action::Show(Step::Code { email: sent.email.into() }));
                self.emit("code-sent", &[]);
            }
            Err(error) => self.fail(&error),
        }
    }

    /// A successful sign-in needs nothing here: the session tells every widget, which loads.
    fn after_sign_in<T>(&self, result: Result<T, Error>) {
        if let Err(error) = result {
            self.fail(&error);
        }
    }

    fn fail(&self, error: &Error) {
        let message = self.texts.error(error).into();
        self.dispatch.dispatch(Action::Failed { message, retry: worth_retrying(error) });
        self.report_error(error);
    }

    fn report_error(&self, error: &Error) {
        let status = error.status().map_or(JsValue::NULL, JsValue::from);
        self.emit("error", &[("message", JsValue::from_str(&error.to_string())), ("status", status)]);
    }

    /// Dispatches `paywall:<name>` on the container, with the article's id in the detail.
    fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
        let mut fields = vec![("articleId", JsValue::from_str(&self.article_id))];
        fields.extend(detail.iter().cloned());
        emit(&self.container, name, &fields);
    }

    /// Reports the phases a publisher's scripts care about.
    fn report(&self, phase: &Phase) {
        match phase {
            Phase::Locked { summary, reader } => {
                let titles: js_sys::Array =
                    summary.locked_section_titles.iter().map(|t| JsValue::from_str(t)).collect();
                self.emit(
                    "locked",
                    &[("lockedSections", titles.into()), ("signedIn", reader.is_some().into())],
                );
            }
            Phase::Unlocked { sections, .. } => {
                self.emit("unlocked", &[("sections", JsValue::from(sections.len() as u32))]);
            }
            Phase::Loading | Phase::Failed { .. } => {}
        }
    }
}

/// This page's address without its fragment: where an emailed link brings the reader back.
fn return_to() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    Some(href.split('#').next().unwrap_or_default().to_owned())
}
