//! Mounting a widget on a publisher's `[data-paywall]` container, and taking it off again.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, ShadowRootInit, ShadowRootMode};
use yew::{AppHandle, AttrValue};

use crate::components::{ArticlePaywall, ArticlePaywallProps};
use crate::config::Config;
use crate::dom;
use crate::error::Error;
use crate::i18n;
use crate::loader::Loader;
use crate::session::Session;

/// Marks a container that has a widget, so mounting twice does nothing.
const MOUNTED: &str = "data-paywall-mounted";

/// A widget on the page.
pub struct Mounted {
    /// The publisher's container.
    pub container: Element,
    /// The article it shows, as `data-paywall` named it when mounted.
    article_id: String,
    app: AppHandle<ArticlePaywall>,
    hosts: [Element; 2],
}

impl Mounted {
    /// Whether the widget still stands where it was mounted: its container in the document,
    /// naming the same article, with the widget's elements inside it. A single-page app that
    /// removes or replaces the article, points it at another one or re-renders its children
    /// leaves a widget that is not.
    pub fn in_place(&self) -> bool {
        let article = self.container.get_attribute("data-paywall");
        self.container.is_connected()
            && article.as_deref().map(str::trim) == Some(self.article_id.as_str())
            && self.hosts.iter().all(|host| host.parent_element().as_ref() == Some(&self.container))
    }

    /// Takes the widget off: its elements go, the free section stays as it always was.
    pub fn unmount(self) {
        self.app.destroy();
        for host in self.hosts {
            host.remove();
        }
        let _ = self.container.remove_attribute(MOUNTED);
    }
}

/// Removes what a copy of the page left in `container`: a mark saying it has a widget, and the
/// widget's elements, unlocked text included, copied with a clone of the page (as Turbo's
/// snapshot cache or htmx's history keep one) but with no widget behind them. Only for a
/// container the caller knows has no widget of this page.
pub fn clear_copies(container: &Element) {
    if !container.has_attribute(MOUNTED) {
        return;
    }
    if let Ok(copies) = container.query_selector_all(":scope > .paywall-widget, :scope > .paywall-unlocked") {
        for index in 0..copies.length() {
            if let Some(copy) = copies.item(index).and_then(|node| node.dyn_into::<Element>().ok()) {
                copy.remove();
            }
        }
    }
    let _ = container.remove_attribute(MOUNTED);
}

/// Mounts a widget on `container`: the free section inside it is left exactly as it is; the
/// widget's shadow host and then an empty light-DOM element for the unlocked sections are
/// appended after it. In that order, unlocking shrinks the prompt to the one-line account bar
/// and adds the sections below it: nothing the reader was looking at moves.
/// `None` if the container has a widget already.
pub fn mount(
    container: &Element,
    config: &Config,
    session: Rc<Session>,
    loader: Loader,
) -> Result<Option<Mounted>, Error> {
    let article_id = container
        .get_attribute("data-paywall")
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Error::Config("the container's data-paywall attribute must name an article id".into())
        })?;
    if container.has_attribute(MOUNTED) {
        return Ok(None);
    }
    let config = config.for_container(container);
    let texts = i18n::texts(&config.language());
    let document = dom::document()?;
    let unlocked_host = dom::create_element(&document, "div")?;
    unlocked_host.set_class_name("paywall-unlocked");
    let widget_host = dom::create_element(&document, "div")?;
    widget_host.set_class_name("paywall-widget");
    let _ = widget_host.set_attribute("lang", texts.lang);
    if let Some(theme) = &config.theme {
        let _ = widget_host.set_attribute("data-theme", theme);
    }
    // Where the loader drew the server's prompt, the widget draws beside it unseen, and takes
    // its place once it has drawn (`Loader::shown`).
    if container.query_selector(":scope > .paywall-facade").ok().flatten().is_some() {
        let _ = widget_host.set_attribute("hidden", "");
    }
    let shadow = widget_host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| Error::Browser("cannot attach a shadow root for the paywall".into()))?;
    dom::adopt_styles(&document, &shadow, paywall_ui::STYLE)?;
    let root = dom::create_element(&document, "div")?;
    root.set_class_name("root");
    shadow.append_child(&root).map_err(|_| Error::Browser("cannot fill the paywall's shadow root".into()))?;
    for host in [&widget_host, &unlocked_host] {
        container
            .append_child(host)
            .map_err(|_| Error::Browser("cannot add the paywall to the article".into()))?;
    }
    let _ = container.set_attribute(MOUNTED, "");

    let props = ArticlePaywallProps {
        article_id: AttrValue::from(article_id.clone()),
        subscribe_url: AttrValue::from(config.subscribe_url),
        texts,
        session,
        container: container.clone(),
        unlocked_host: unlocked_host.clone(),
        loader,
    };
    let app = yew::Renderer::<ArticlePaywall>::with_root_and_props(root, props).render();
    Ok(Some(Mounted { container: container.clone(), article_id, app, hosts: [widget_host, unlocked_host] }))
}
