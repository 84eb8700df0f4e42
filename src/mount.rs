//! Mounting a widget on a publisher's `[data-paywall]` container, and taking it off again.

use std::rc::Rc;

use web_sys::{Element, ShadowRootInit, ShadowRootMode};
use yew::{AppHandle, AttrValue};

use crate::components::{ArticlePaywall, ArticlePaywallProps};
use crate::config::Config;
use crate::dom;
use crate::error::Error;
use crate::i18n;
use crate::session::Session;

/// Marks a container that has a widget, so mounting twice does nothing.
const MOUNTED: &str = "data-paywall-mounted";

/// A widget on the page.
pub struct Mounted {
    /// The publisher's container.
    pub container: Element,
    app: AppHandle<ArticlePaywall>,
    hosts: [Element; 2],
}

impl Mounted {
    /// Takes the widget off: its elements go, the free section stays as it always was.
    pub fn unmount(self) {
        self.app.destroy();
        for host in self.hosts {
            host.remove();
        }
        let _ = self.container.remove_attribute(MOUNTED);
    }
}

/// Mounts a widget on `container`: the free section inside it is left exactly as it is; the
/// widget's shadow host and then an empty light-DOM element for the unlocked sections are
/// appended after it. In that order, unlocking shrinks the prompt to the one-line account bar
/// and adds the sections below it: nothing the reader was looking at moves.
/// `None` if the container has a widget already.
pub fn mount(container: &Element, config: &Config, session: Rc<Session>) -> Result<Option<Mounted>, Error> {
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
    let shadow = widget_host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| Error::Browser("cannot attach a shadow root for the paywall".into()))?;
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
        article_id: AttrValue::from(article_id),
        subscribe_url: AttrValue::from(config.subscribe_url),
        texts,
        session,
        container: container.clone(),
        unlocked_host: unlocked_host.clone(),
    };
    let app = yew::Renderer::<ArticlePaywall>::with_root_and_props(root, props).render();
    Ok(Some(Mounted { container: container.clone(), app, hosts: [widget_host, unlocked_host] }))
}
