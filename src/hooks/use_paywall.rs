//! `use_paywall`: the widget's state and the reader's actions (sign in three ways, sign out),
//! with the server calls behind them and the events they report.

use std::cell::Cell;
use std::rc::Rc;

use paywall_protocol::{CodeSignIn, Offer, PasswordSignIn};
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;
use yew::{
    AttrValue, Callback, UseReducerDispatcher, UseReducerHandle, hook, use_effect_with, use_memo, use_reducer,
};

use crate::access::{self, Access};
use crate::error::Error;
use crate::events::{self, PaywallEvent};
use crate::loader::Loader;
use crate::passkey;
use crate::session::{Change, Session};
use crate::state::{Action, Dialog, Gifting, PasskeyOffer, Phase, State, Step};

/// The ways to sign in besides a code and a password, and the reader's passkeys.
#[derive(PartialEq, Clone)]
pub struct MoreWays {
    /// Sign in with a passkey: from the email field's autofill (`true`), or picked in the
    /// browser's own dialog.
    pub passkey: Callback<bool>,
    /// Stop offering passkeys in the autofill.
    pub stop_autofill: Callback<()>,
    /// Go to an identity provider (its id).
    pub provider: Callback<String>,
    /// Show, add to or remove from the reader's passkeys.
    pub passkeys: Callback<PasskeyChange>,
}

/// What the reader does with their passkeys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasskeyChange {
    /// Shows them.
    Show,
    /// Adds one.
    Add,
    /// Removes this one.
    Remove(i64),
}

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
    /// Goes to the provider's checkout for an offer (its id, and the email unless signed in).
    pub checkout: Callback<(i64, String)>,
    /// The reader chose an offer: reported as Subscribe, and the dialog opens on it.
    pub choose_offer: Callback<Rc<Offer>>,
    /// Goes to the provider's billing portal.
    pub manage_subscription: Callback<()>,
    /// Makes a gift link for this article.
    pub make_gift: Callback<()>,
    /// Passkeys and identity providers.
    pub more: MoreWays,
    /// The reader answered "Not now" to the passkey offer.
    pub dismiss_offer: Callback<()>,
}

/// Runs one article's paywall: on mount, restores a stored session (showing the locked sections
/// straight away for an entitled reader) or shows the prompt; then follows every sign-in and
/// sign-out of the shared session.
#[hook]
pub fn use_paywall(
    article_id: AttrValue,
    session: Rc<Session>,
    container: Element,
    loader: Loader,
) -> PaywallHandle {
    let state = use_reducer(State::default);
    let controller = use_memo((), {
        let dispatch = state.dispatcher();
        move |()| ArticleController {
            article_id,
            session,
            container,
            loader,
            dispatch,
            generation: Rc::new(Cell::new(0)),
            mounted: Cell::new(true),
        }
    });

    {
        let controller = controller.clone();
        use_effect_with((), move |_| {
            let listener = controller.clone();
            let subscription =
                controller.session.subscribe(Callback::from(move |change| listener.on_change(change)));
            controller.emit(PaywallEvent::Ready);
            let first = controller.clone();
            spawn_local(async move { first.load_first().await });
            move || {
                drop(subscription);
                // Loads and actions still under way end in silence.
                controller.mounted.set(false);
            }
        });
    }
    {
        let controller = controller.clone();
        use_effect_with(state.phase.clone(), move |phase| controller.report(phase));
    }
    {
        let controller = controller.clone();
        use_effect_with(state.dialog != Dialog::Closed, move |open| {
            if *open {
                controller.emit(PaywallEvent::DialogOpen);
                spawn_local(async move { controller.load_methods().await });
            } else {
                controller.session.stop_autofill();
            }
        });
    }

    let dispatch = state.dispatcher();
    let show = Callback::from(move |step| dispatch.dispatch(Action::Show(step)));
    let dispatch = state.dispatcher();
    let close_dialog = Callback::from(move |()| dispatch.dispatch(Action::CloseDialog));
    let request_code =
        controller.action(|controller, email: String| async move { controller.request_code(email).await });
    let sign_in_with_code = controller.action(|controller, code: CodeSignIn| async move {
        let result = controller.session.sign_in_with_code(&code.email, &code.code).await;
        controller.after_sign_in(result);
    });
    let sign_in = controller.action(|controller, credentials: PasswordSignIn| async move {
        let result = controller.session.sign_in(&credentials.email, &credentials.password).await;
        controller.after_sign_in(result);
    });
    let sign_out = controller.action(|controller, everywhere: bool| async move {
        if let Err(error) = controller.session.sign_out(everywhere).await {
            controller.report_error(&error);
        }
    });
    let retry = {
        let controller = controller.clone();
        Callback::from(move |()| {
            controller.dispatch.dispatch(Action::Retry);
            let controller = controller.clone();
            spawn_local(async move { controller.load().await });
        })
    };
    let subscribe_click = {
        let controller = controller.clone();
        Callback::from(move |()| controller.emit(PaywallEvent::SubscribeClick))
    };
    let checkout = controller.action(|controller, (offer, email): (i64, String)| async move {
        let email = (!email.trim().is_empty()).then_some(email);
        let page = return_to().unwrap_or_default();
        match controller.session.checkout(offer, email, page, &controller.article_id).await {
            Ok(url) => leave_for(&url),
            Err(error) => controller.fail(&error),
        }
    });
    let manage_subscription = {
        let controller = controller.clone();
        Callback::from(move |()| {
            let controller = controller.clone();
            spawn_local(async move {
                match controller.session.billing_portal(&return_to().unwrap_or_default()).await {
                    Ok(url) => leave_for(&url),
                    Err(error) => controller.report_error(&error),
                }
            });
        })
    };
    let make_gift = {
        let controller = controller.clone();
        Callback::from(move |()| {
            controller.dispatch.dispatch(Action::Gifting(Gifting::Busy));
            let controller = controller.clone();
            spawn_local(async move {
                let page = return_to().unwrap_or_default();
                let gifting = match controller.session.make_gift(&controller.article_id, page).await {
                    Ok(url) => Gifting::Made(url.into()),
                    Err(error) => {
                        controller.report_error(&error);
                        Gifting::Failed(error)
                    }
                };
                controller.dispatch.dispatch(Action::Gifting(gifting));
            });
        })
    };
    let passkey = {
        let controller = controller.clone();
        Callback::from(move |autofill: bool| {
            if !autofill {
                controller.dispatch.dispatch(Action::Busy);
            }
            let controller = controller.clone();
            spawn_local(async move {
                let session = &controller.session;
                let result = if autofill {
                    session.sign_in_with_autofill().await
                } else {
                    session.sign_in_with_passkey().await
                };
                match result {
                    // Stopped or unavailable, the autofill says nothing; a refusal is the reader's to see.
                    Err(Error::PasskeyCancelled) if autofill => {}
                    other => controller.after_sign_in(other),
                }
            });
        })
    };
    let stop_autofill = {
        let session = controller.session.clone();
        Callback::from(move |()| session.stop_autofill())
    };
    let provider = controller.action(|controller, id: String| async move {
        let page = return_to().unwrap_or_default();
        match controller.session.provider_sign_in(&id, page).await {
            Ok(url) => leave_for(&url),
            Err(error) => controller.fail(&error),
        }
    });
    let passkeys = {
        let controller = controller.clone();
        Callback::from(move |change| {
            // Added from the offer as from the list, a passkey is made with the list open,
            // which shows it (or what went wrong).
            controller.dispatch.dispatch(Action::Show(Step::Passkeys { list: None }));
            let controller = controller.clone();
            spawn_local(async move { controller.change_passkeys(change).await });
        })
    };
    let dismiss_offer = {
        let controller = controller.clone();
        Callback::from(move |()| {
            controller.session.passkey_offer_done();
            controller.dispatch.dispatch(Action::Offer(PasskeyOffer::Hidden));
        })
    };
    let choose_offer = {
        let (controller, dispatch) = (controller.clone(), state.dispatcher());
        Callback::from(move |offer| {
            controller.emit(PaywallEvent::SubscribeClick);
            dispatch.dispatch(Action::Show(Step::Checkout { offer }));
        })
    };
    PaywallHandle {
        state,
        more: MoreWays { passkey, stop_autofill, provider, passkeys },
        dismiss_offer,
        checkout,
        choose_offer,
        manage_subscription,
        make_gift,
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

/// Drives one article's paywall: loads what the reader may see, carries out the reader's
/// actions against the session, and reports each step to the page.
struct ArticleController {
    article_id: AttrValue,
    session: Rc<Session>,
    container: Element,
    loader: Loader,
    dispatch: UseReducerDispatcher<State>,
    /// Counts loads, so that an answer to an older one never overwrites a newer one.
    generation: Rc<Cell<u32>>,
    /// Whether the widget is still on the page: one taken off shows and reports nothing more.
    mounted: Cell<bool>,
}

impl ArticleController {
    /// A callback that runs `work` in the background, marking the dialog busy first.
    fn action<T: 'static, F: Future<Output = ()> + 'static>(
        self: &Rc<Self>,
        work: impl Fn(Rc<ArticleController>, T) -> F + 'static,
    ) -> Callback<T> {
        let controller = self.clone();
        Callback::from(move |input: T| {
            controller.dispatch.dispatch(Action::Busy);
            spawn_local(work(controller.clone(), input));
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

    /// Asks what the reader may see and shows it.
    async fn load(&self) {
        if let Some(access) = self.check().await {
            self.show(access);
        }
    }

    /// What the reader may see, or `None` when a newer load has started meanwhile (its answer
    /// is the one to show), or when the loader took the widget's place. A read that got no
    /// answer at all may be the page's doing (its origin not allowed by the server, its policy
    /// refusing the connection): the loader then says so and puts the plain link in the
    /// widget's place, since Retry cannot help.
    async fn check(&self) -> Option<Result<Access, Error>> {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let access = access::check(&self.session, &self.article_id).await;
        if self.generation.get() != generation
            || matches!(access, Err(Error::Network))
                && self.loader.took_over_unreachable(&self.container).await
        {
            return None;
        }
        Some(access)
    }

    fn show(&self, access: Result<Access, Error>) {
        if !self.mounted.get() {
            return;
        }
        match access {
            Ok(access) => {
                let (Access::Unlocked { meter, .. } | Access::Locked { meter, .. }) = &access;
                if let Some(meter) = meter {
                    self.emit(PaywallEvent::metered(meter));
                }
                self.dispatch.dispatch(Action::Checked(access))
            }
            Err(error) => self.fail(&error),
        }
    }

    /// The shared session signed in or out, here or elsewhere, or asked for a fresh look.
    fn on_change(self: &Rc<Self>, change: Change) {
        let controller = self.clone();
        match change {
            Change::SignedIn => {
                // Signed in here, the reader is known at once; signed in in another tab, only
                // with the first request to the server: the event waits for it then, and still
                // comes before what the sign-in unlocks.
                let known = self.session.reader();
                if let Some(reader) = &known {
                    self.emit(PaywallEvent::SignedIn { email: reader.email.clone() });
                }
                spawn_local(async move {
                    let access = controller.check().await;
                    if known.is_none()
                        && let Some(reader) = controller.session.reader()
                    {
                        controller.emit(PaywallEvent::SignedIn { email: reader.email });
                    }
                    if let Some(access) = access {
                        controller.show(access);
                    }
                })
            }
            Change::SignedOut => {
                self.dispatch.dispatch(Action::SignedOut);
                self.emit(PaywallEvent::SignedOut);
                spawn_local(async move { controller.load().await });
            }
            Change::Refresh => spawn_local(async move { controller.load().await }),
        }
    }

    async fn request_code(&self, email: String) {
        match self.session.request_code(&email, return_to()).await {
            Ok(sent) => {
                self.dispatch.dispatch(Action::Show(Step::Code {
                    email: sent.email.into(),
                    minutes: sent.expires_in.div_ceil(60),
                }));
                self.emit(PaywallEvent::CodeSent);
            }
            Err(error) => self.fail(&error),
        }
    }

    /// What the server offers besides codes and passwords, asked once per page; and, to a
    /// reader who just signed in with an emailed code or link here, the offer of a passkey.
    async fn load_methods(&self) {
        let methods = self.session.sign_in_methods().await;
        let offer = passkey::usable(&methods) && self.session.offers_passkey();
        if self.mounted.get() {
            self.dispatch.dispatch(Action::Methods(methods));
            if offer {
                self.dispatch.dispatch(Action::Offer(PasskeyOffer::Shown));
            }
        }
    }

    /// Does what the reader asked of their passkeys, then shows them in the dialog (or what
    /// went wrong).
    async fn change_passkeys(&self, change: PasskeyChange) {
        let done = match change {
            PasskeyChange::Show => Ok(()),
            PasskeyChange::Add => {
                self.dispatch.dispatch(Action::Busy);
                let added = self.session.add_passkey().await;
                if added.is_ok() {
                    self.dispatch.dispatch(Action::Offer(PasskeyOffer::Added));
                }
                added.map(drop)
            }
            PasskeyChange::Remove(id) => {
                self.dispatch.dispatch(Action::Busy);
                self.session.remove_passkey(id).await
            }
        };
        let list = self.session.passkeys().await;
        match (done, list) {
            (Ok(()), Ok(list)) => {
                self.dispatch.dispatch(Action::Show(Step::Passkeys { list: Some(Rc::new(list)) }))
            }
            (Err(error), list) => {
                let list = list.ok().map(Rc::new);
                self.dispatch.dispatch(Action::Show(Step::Passkeys { list }));
                self.fail(&error);
            }
            (Ok(()), Err(error)) => self.fail(&error),
        }
    }

    /// A successful sign-in needs nothing here: the session tells every widget, which loads.
    fn after_sign_in<T>(&self, result: Result<T, Error>) {
        if let Err(error) = result {
            self.fail(&error);
        }
    }

    fn fail(&self, error: &Error) {
        self.dispatch.dispatch(Action::Failed(error.clone()));
        self.report_error(error);
    }

    fn report_error(&self, error: &Error) {
        self.emit(PaywallEvent::Error { message: error.to_string(), status: error.status() });
    }

    /// Reports `event` on the container: the one place the widget sends events from (and
    /// only while it is on the page).
    fn emit(&self, event: PaywallEvent) {
        if self.mounted.get() {
            events::emit(&self.container, &self.article_id, &event);
        }
    }

    /// Reports the phases a publisher's scripts care about (and, once a reader is signed in,
    /// asks what the server offers them).
    fn report(self: &Rc<Self>, phase: &Phase) {
        if let Phase::Unlocked { reader: Some(_), .. } | Phase::Locked { reader: Some(_), .. } = phase {
            let controller = self.clone();
            spawn_local(async move { controller.load_methods().await });
        }
        match phase {
            Phase::Locked { summary, reader, .. } => self.emit(PaywallEvent::Locked {
                locked_sections: summary.locked_section_titles.clone(),
                signed_in: reader.is_some(),
            }),
            Phase::Unlocked { sections, .. } => self
                .emit(PaywallEvent::Unlocked { sections: u32::try_from(sections.len()).unwrap_or(u32::MAX) }),
            Phase::Loading | Phase::Failed(_) => {}
        }
    }
}

/// Goes to the payment provider's page (it brings the reader back to this one).
fn leave_for(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// This page's address without its fragment: where an emailed link brings the reader back.
fn return_to() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    Some(href.split('#').next().unwrap_or_default().to_owned())
}
