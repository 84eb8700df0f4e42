//! The wire types the widget sends and receives, as JS values: answers read by hand, request
//! bodies written through their `serde` form (`serde-wasm-bindgen`).
//!
//! Reading through `serde` derives and `serde-wasm-bindgen` costs the reader about 13 KB of
//! download (38 KB of wasm): a visitor, a field matcher and error formatting for every type.
//! The browser already parses the JSON (`Response.json()`); what is left is a property read
//! per field, which is all the readers here do. Writing through `serde` costs 1.8 KB (the
//! serializer and nine small types), and the bodies are then written by the derives the server
//! reads them with; the browser makes the text (`JSON.stringify`). The types stay declared
//! once, in `paywall-protocol`, and so are the names of their enums' variants (`ALL`,
//! `as_str`); `tests/wire.rs` checks every reader here, and the bodies as the browser sends
//! them, against the types' `serde` form, so the two cannot drift apart unseen.

use js_sys::{Array, Reflect};
use paywall_protocol::{
    ArticleSummary, BillingInterval, CheckoutStarted, CodeSent, GiftLink, GrantReason, IdentityProvider,
    LockedSection, LockedSections, Meter, Offer, Offers, PasskeyInfo, Portal, Problem, ProviderSignInStarted,
    Reader, Reason, SessionTokens, SignInMethods,
};
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Why a value is not the wire type: the JSON name of the field that is missing or of the
/// wrong type.
pub type Mismatch = &'static str;

/// A wire type read from a parsed JSON answer.
pub trait FromJs: Sized {
    /// Reads `value`; fields the type does not know are ignored, as `serde` does.
    fn from_js(value: &JsValue) -> Result<Self, Mismatch>;
}

/// A request body as a plain JS object for `JSON.stringify`; `None` fields are left out, as
/// the protocol's `skip_serializing_if` says.
pub fn to_js(body: &impl Serialize) -> Result<JsValue, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::to_value(body)
}

/// The fields of one JSON object.
struct Fields<'a>(&'a JsValue);

impl<'a> Fields<'a> {
    fn of(value: &'a JsValue, name: Mismatch) -> Result<Self, Mismatch> {
        if value.is_object() && !Array::is_array(value) { Ok(Fields(value)) } else { Err(name) }
    }

    /// The field's value; `None` when it is absent or `null`.
    fn get(&self, name: &str) -> Option<JsValue> {
        Reflect::get(self.0, &JsValue::from_str(name))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }

    fn read<T: FromJs>(&self, name: Mismatch) -> Result<T, Mismatch> {
        self.get(name).ok_or(name).and_then(|value| T::from_js(&value).map_err(|_| name))
    }

    fn optional<T: FromJs>(&self, name: Mismatch) -> Result<Option<T>, Mismatch> {
        self.get(name).map(|value| T::from_js(&value).map_err(|_| name)).transpose()
    }

    fn integer<T: TryFrom<i64>>(&self, name: Mismatch) -> Result<T, Mismatch> {
        integer(&self.get(name).ok_or(name)?).ok_or(name)
    }

    fn optional_integer<T: TryFrom<i64>>(&self, name: Mismatch) -> Result<Option<T>, Mismatch> {
        self.get(name).map(|value| integer(&value).ok_or(name)).transpose()
    }
}

/// A JSON number that is a whole number in `T`'s range.
fn integer<T: TryFrom<i64>>(value: &JsValue) -> Option<T> {
    // Every id, amount and count the API sends is well inside the 2^53 a JS number holds exactly.
    const SAFE: f64 = 9_007_199_254_740_991.0;
    let number = value.as_f64().filter(|number| number.fract() == 0.0 && number.abs() <= SAFE)?;
    T::try_from(number as i64).ok()
}

/// Which of `names` (its JSON name) a string is, for an enum with a name per variant.
fn one_of<T: Copy>(value: &JsValue, names: &[(&str, T)]) -> Result<T, Mismatch> {
    let name = value.as_string().ok_or("")?;
    names.iter().find(|(known, _)| *known == name).map(|(_, variant)| *variant).ok_or("")
}

/// `(name, variant)` for every variant of a protocol enum, from its `ALL` and `as_str`: the
/// widget keeps no list of names of its own. Made at compile time, so what ships is the plain
/// table a hand-written list was (scanning `ALL` through `as_str` at run time cost the reader
/// about 170 bytes of brotli).
macro_rules! names {
    ($enum:ident) => {{
        const NAMES: [(&str, $enum); $enum::ALL.len()] = {
            let mut names = [("", $enum::ALL[0]); $enum::ALL.len()];
            let mut i = 0;
            while i < names.len() {
                names[i] = ($enum::ALL[i].as_str(), $enum::ALL[i]);
                i += 1;
            }
            names
        };
        &NAMES
    }};
}

impl FromJs for String {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        value.as_string().ok_or("")
    }
}

impl<T: FromJs> FromJs for Vec<T> {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        if !Array::is_array(value) {
            return Err("");
        }
        Array::from(value).iter().map(|item| T::from_js(&item)).collect()
    }
}

/// An answer passed on to the browser as it came (a passkey challenge).
impl FromJs for JsValue {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        Ok(value.clone())
    }
}

impl FromJs for SignInMethods {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "sign-in methods")?;
        Ok(SignInMethods { passkeys: fields.optional("passkeys")?, providers: fields.read("providers")? })
    }
}

impl FromJs for IdentityProvider {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "provider")?;
        Ok(IdentityProvider { id: fields.read("id")?, name: fields.read("name")? })
    }
}

impl FromJs for PasskeyInfo {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "passkey")?;
        Ok(PasskeyInfo {
            id: fields.integer("id")?,
            created_at: fields.integer("created_at")?,
            last_used_at: fields.optional_integer("last_used_at")?,
        })
    }
}

impl FromJs for ProviderSignInStarted {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "provider sign-in")?;
        Ok(ProviderSignInStarted { url: fields.read("url")?, binding: fields.read("binding")? })
    }
}

/// An answer the widget does not read (a `204`, a sign-out).
impl FromJs for () {
    fn from_js(_: &JsValue) -> Result<Self, Mismatch> {
        Ok(())
    }
}

impl FromJs for ArticleSummary {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "article")?;
        Ok(ArticleSummary {
            id: fields.read("id")?,
            title: fields.read("title")?,
            tier: fields.read("tier")?,
            tier_label: fields.optional("tier_label")?.unwrap_or_default(),
            locked_section_titles: fields.read("locked_section_titles")?,
            metered: fields.optional("metered")?.unwrap_or_default(),
        })
    }
}

impl FromJs for LockedSection {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "section")?;
        Ok(LockedSection { title: fields.read("title")?, html: fields.read("html")? })
    }
}

impl FromJs for GrantReason {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        one_of(value, names!(GrantReason))
    }
}

impl FromJs for bool {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        value.as_bool().ok_or("")
    }
}

impl FromJs for Meter {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "meter")?;
        Ok(Meter {
            articles_read: fields.integer("articles_read")?,
            articles_left: fields.integer("articles_left")?,
            limit: fields.integer("limit")?,
            resets_at: fields.integer("resets_at")?,
            registered_limit: fields.optional_integer("registered_limit")?.unwrap_or_default(),
        })
    }
}

impl FromJs for LockedSections {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "locked sections")?;
        Ok(LockedSections {
            article_id: fields.read("article_id")?,
            sections: fields.read("sections")?,
            grant_reason: fields.optional("grant_reason")?.unwrap_or_default(),
            meter: fields.optional("meter")?,
        })
    }
}

impl FromJs for Reader {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "reader")?;
        Ok(Reader { id: fields.integer("id")?, email: fields.read("email")? })
    }
}

impl FromJs for SessionTokens {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "session")?;
        Ok(SessionTokens {
            access_token: fields.read("access_token")?,
            expires_in: fields.integer("expires_in")?,
            refresh_token: fields.read("refresh_token")?,
            reader: fields.read("reader")?,
        })
    }
}

impl FromJs for CodeSent {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "code sent")?;
        Ok(CodeSent { email: fields.read("email")?, expires_in: fields.integer("expires_in")? })
    }
}

impl FromJs for BillingInterval {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        one_of(value, names!(BillingInterval))
    }
}

impl FromJs for Offer {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "offer")?;
        Ok(Offer {
            id: fields.integer("id")?,
            tier: fields.read("tier")?,
            name: fields.read("name")?,
            amount: fields.integer("amount")?,
            currency: fields.read("currency")?,
            interval: fields.read("interval")?,
            trial_days: fields.integer("trial_days")?,
        })
    }
}

impl FromJs for Offers {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        Ok(Offers { offers: Fields::of(value, "offers")?.read("offers")? })
    }
}

impl FromJs for CheckoutStarted {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "checkout")?;
        Ok(CheckoutStarted {
            url: fields.read("url")?,
            checkout_id: fields.read("checkout_id")?,
            checkout_token: fields.read("checkout_token")?,
        })
    }
}

impl FromJs for Portal {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        Ok(Portal { url: Fields::of(value, "portal")?.read("url")? })
    }
}

impl FromJs for Reason {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        one_of(value, names!(Reason))
    }
}

impl FromJs for Problem {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "problem")?;
        Ok(Problem {
            kind: fields.read("type")?,
            title: fields.read("title")?,
            status: fields.integer("status")?,
            detail: fields.optional("detail")?,
            // A reason this widget does not know yet (a newer server) is a problem without one,
            // not an unreadable problem.
            reason: fields.get("reason").and_then(|reason| Reason::from_js(&reason).ok()),
            retry_after: fields.optional_integer("retry_after")?,
            attempts_left: fields.optional_integer("attempts_left")?,
            tier: fields.optional("tier")?,
            meter: fields.optional("meter")?,
        })
    }
}

impl FromJs for GiftLink {
    fn from_js(value: &JsValue) -> Result<Self, Mismatch> {
        let fields = Fields::of(value, "gift")?;
        Ok(GiftLink {
            id: fields.integer("id")?,
            url: fields.read("url")?,
            expires_at: fields.integer("expires_at")?,
        })
    }
}
