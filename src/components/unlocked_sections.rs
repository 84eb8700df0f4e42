//! The unlocked sections, rendered into the article's light DOM so the publisher's
//! typography applies to them.

use std::rc::Rc;

use paywall_protocol::LockedSection;
use yew::virtual_dom::VNode;
use yew::{Callback, Html, Properties, function_component, html, use_effect_with, use_memo};

use crate::loader::Loader;
use crate::{dom, sanitize};

/// The sections to show.
#[derive(Properties, PartialEq)]
pub struct UnlockedSectionsProps {
    /// The sections, in reading order.
    pub sections: Rc<Vec<LockedSection>>,
    /// The page's Trusted Types policy, through the loader.
    pub loader: Loader,
    /// Called when the page refused the sections' HTML: the reader must not be left looking
    /// at nothing.
    pub on_refused: Callback<()>,
}

/// Each section under its heading, in order.
#[function_component]
pub fn UnlockedSections(props: &UnlockedSectionsProps) -> Html {
    // Parsing happens once per set of sections, not on every render.
    let bodies = use_memo(props.sections.clone(), |sections| {
        let document = dom::document().ok();
        sections
            .iter()
            .map(|section| {
                let document = document.as_ref()?;
                let fragment = sanitize::fragment(document, &section.html, &props.loader)?;
                let holder = dom::create_element(document, "div").ok()?;
                holder.append_child(&fragment).ok()?;
                holder.set_class_name("paywall-section-body");
                Some(VNode::VRef(holder.into()))
            })
            .collect::<Option<Vec<Html>>>()
    });
    {
        let refused = bodies.is_none();
        let on_refused = props.on_refused.clone();
        use_effect_with(refused, move |refused| {
            if *refused {
                on_refused.emit(());
            }
        });
    }
    let Some(bodies) = bodies.as_ref() else { return html! {} };
    html! {
        { for props.sections.iter().zip(bodies.iter()).map(|(section, body)| html! {
            <section class="paywall-section" data-paywall-section="">
                <h2 tabindex="-1">{section.title.clone()}</h2>
                {body.clone()}
            </section>
        }) }
    }
}
