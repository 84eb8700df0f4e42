//! The unlocked sections, rendered into the article's light DOM so the publisher's
//! typography applies to them.

use std::rc::Rc;

use paywall_protocol::LockedSection;
use yew::virtual_dom::VNode;
use yew::{Html, Properties, function_component, html, use_memo};

use crate::{dom, sanitize};

/// The sections to show.
#[derive(Properties, PartialEq)]
pub struct UnlockedSectionsProps {
    /// The sections, in reading order.
    pub sections: Rc<Vec<LockedSection>>,
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
                let fragment =
                    document.as_ref().and_then(|document| sanitize::fragment(document, &section.html));
                let holder = document.as_ref().and_then(|document| dom::create_element(document, "div").ok());
                match (fragment, holder) {
                    (Some(fragment), Some(holder)) => {
                        let _ = holder.append_child(&fragment);
                        holder.set_class_name("paywall-section-body");
                        VNode::VRef(holder.into())
                    }
                    _ => html! {},
                }
            })
            .collect::<Vec<Html>>()
    });
    html! {
        { for props.sections.iter().zip(bodies.iter()).map(|(section, body)| html! {
            <section class="paywall-section" data-paywall-section="">
                <h2 tabindex="-1">{section.title.clone()}</h2>
                {body.clone()}
            </section>
        }) }
    }
}
