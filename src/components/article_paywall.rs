//! The root component: one article's paywall, rendered in a shadow root, with the unlocked
//! sections portalled into the article's light DOM.

use std::rc::Rc;

use web_sys::Element;
use yew::{AttrValue, Html, Properties, create_portal, function_component, html};

use super::account_bar::AccountBar;
use super::prompt::Prompt;
use super::sign_in_dialog::SignInDialog;
use super::unlocked_sections::UnlockedSections;
use crate::config::Config;
use crate::hooks::use_paywall;
use crate::session::Session;
use crate::state::{Dialog, Phase, Step};

/// The widget's styles, scoped to its shadow root.
const STYLE: &str = include_str!("../paywall.css");

/// What the root needs from `mount`.
#[derive(Properties, PartialEq)]
pub struct ArticlePaywallProps {
    /// The article's id, from `data-paywall`.
    pub article_id: AttrValue,
    /// The embed's configuration.
    pub config: Rc<Config>,
    /// The reader's session, shared with the page's other widgets.
    pub session: Rc<Session>,
    /// The publisher's `[data-paywall]` element, where events are reported.
    pub container: Element,
    /// The light-DOM element that receives the unlocked sections.
    pub unlocked_host: Element,
}

/// One article's paywall.
#[function_component]
pub fn ArticlePaywall(props: &ArticlePaywallProps) -> Html {
    let paywall = use_paywall(
        props.article_id.clone(),
        props.session.clone(),
        props.container.clone(),
    );
    let state = &*paywall.state;
    let body = match &state.phase {
        Phase::Loading => html! {},
        Phase::Locked { summary, reader } => html! {
            <Prompt
                titles={Rc::new(summary.locked_section_titles.clone())}
                reader={reader.clone()}
                subscribe_url={AttrValue::from(props.config.subscribe_url.clone())}
                on_sign_in={paywall.show.reform(|()| Step::Email)}
                on_sign_out={paywall.sign_out.reform(|()| false)}
            />
        },
        Phase::Unlocked { reader, sections } => html! {
            <>
                {create_portal(html! { <UnlockedSections sections={sections.clone()} /> }, props.unlocked_host.clone())}
                <AccountBar email={AttrValue::from(reader.email.clone())} on_sign_out={paywall.sign_out.clone()} />
            </>
        },
        Phase::Failed(message) => {
            html! { <p class="failed" part="message" role="status">{message.clone()}</p> }
        }
    };
    html! {
        <>
            <style>{STYLE}</style>
            {body}
            if let Dialog::Open { step, status } = &state.dialog {
                <SignInDialog
                    step={step.clone()}
                    status={status.clone()}
                    on_show={paywall.show.clone()}
                    on_request_code={paywall.request_code.clone()}
                    on_code={paywall.sign_in_with_code.clone()}
                    on_password={paywall.sign_in.clone()}
                    on_close={paywall.close_dialog.clone()}
                />
            }
        </>
    }
}
