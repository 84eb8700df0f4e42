//! The names both sides spell alike agree with `serde`: every enum that travels by name lists
//! each of its variants in `ALL` (checked against the list `serde`'s own derive keeps, so a new
//! variant fails here until it is listed), and `as_str` is exactly the name `serde` writes and
//! reads; the header, address and tier names have the shapes their users rely on.

use std::fmt::{self, Debug, Display};

use paywall_protocol::admin::{
    DeliveryStatus, StaffRole, SubscriptionSource, SubscriptionStatus, WebhookEventType,
};
use paywall_protocol::{BillingInterval, GrantReason, PageEvent, Reason, fragments, headers, paths, tiers};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserializer, Serialize};
use serde_json::Value;

/// The names `T`'s derived `Deserialize` knows, in declaration order: the derive hands them to
/// the deserializer with the enum, and this one keeps them and reads nothing.
fn serde_names<T: DeserializeOwned>() -> Vec<&'static str> {
    match T::deserialize(VariantNames) {
        Err(Captured::Variants(names)) => names.to_vec(),
        Err(Captured::Other(message)) => panic!("{}: {message}", std::any::type_name::<T>()),
        Ok(_) => unreachable!("VariantNames reads no value"),
    }
}

/// A deserializer that asks only for an enum's variant names.
struct VariantNames;

#[derive(Debug)]
enum Captured {
    Variants(&'static [&'static str]),
    Other(String),
}

impl Display for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Captured {}

impl de::Error for Captured {
    fn custom<M: Display>(message: M) -> Self {
        Captured::Other(message.to_string())
    }
}

impl<'de> Deserializer<'de> for VariantNames {
    type Error = Captured;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
        Err(Captured::Other("not an enum".into()))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured::Variants(variants))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// `all` is every variant of `T` in declaration order, and `as_str` is each one's `serde` name,
/// both ways.
fn named_as_serde_names_them<T>(all: &[T], as_str: fn(&T) -> &'static str)
where
    T: Serialize + DeserializeOwned + Copy + PartialEq + Debug,
{
    let names: Vec<&str> = all.iter().map(as_str).collect();
    assert_eq!(names, serde_names::<T>(), "`ALL` of {}", std::any::type_name::<T>());
    for variant in all {
        let name = as_str(variant);
        assert_eq!(serde_json::to_value(variant).unwrap(), Value::from(name), "{variant:?}");
        assert_eq!(serde_json::from_value::<T>(Value::from(name)).unwrap(), *variant, "{name}");
    }
}

#[test]
fn every_enum_that_travels_by_name_lists_its_variants_under_the_names_serde_uses() {
    named_as_serde_names_them(&Reason::ALL, Reason::as_str);
    named_as_serde_names_them(&GrantReason::ALL, GrantReason::as_str);
    named_as_serde_names_them(&BillingInterval::ALL, BillingInterval::as_str);
    named_as_serde_names_them(&SubscriptionStatus::ALL, SubscriptionStatus::as_str);
    named_as_serde_names_them(&SubscriptionSource::ALL, SubscriptionSource::as_str);
    named_as_serde_names_them(&DeliveryStatus::ALL, DeliveryStatus::as_str);
    named_as_serde_names_them(&WebhookEventType::ALL, WebhookEventType::as_str);
    named_as_serde_names_them(&StaffRole::ALL, |role| role.as_str());
    named_as_serde_names_them(&PageEvent::ALL, |event| event.as_str());
}

#[test]
fn the_variant_names_come_from_serde_itself() {
    // The check above is only as good as this: a list serde keeps, not one written here.
    assert_eq!(serde_names::<BillingInterval>(), ["month", "year"]);
}

#[test]
fn header_names_are_lower_case_tokens_of_the_api_s_own() {
    for name in headers::ALL {
        assert!(name.starts_with("paywall-"), "{name}");
        // `http::HeaderName::from_static` takes only these; HTTP/2 sends nothing else.
        assert!(name.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'-'), "{name}");
    }
    assert_eq!(headers::VISITOR, "paywall-visitor");
    assert_eq!(headers::GIFT, "paywall-gift");
    assert_eq!(headers::CHECKOUT_TOKEN, "paywall-checkout-token");
}

#[test]
fn every_address_is_under_the_api() {
    for path in [
        paths::ARTICLE,
        paths::ORIGINS_CHECK,
        paths::SESSIONS,
        paths::SESSIONS_EVERYWHERE,
        paths::SESSIONS_CODE,
        paths::SESSIONS_LINK,
        paths::SESSIONS_PUBLISHER,
        paths::SESSIONS_REFRESH,
        paths::SIGN_IN_CODES,
        paths::OFFERS_FOR_ARTICLE,
        paths::CHECKOUT,
        paths::CHECKOUT_CONFIRMATION,
        paths::BILLING_PORTAL,
        paths::GIFTS,
        paths::SIGN_IN_METHODS,
        paths::PASSKEY_CHALLENGES,
        paths::PASSKEY_REGISTRATIONS,
        paths::PASSKEYS,
        paths::SESSIONS_PASSKEY,
        paths::SESSIONS_PROVIDER,
        paths::PROVIDERS,
    ] {
        let rest = path.strip_prefix(paths::API).unwrap_or_else(|| panic!("{path}"));
        assert!(rest.starts_with('/') && !rest.contains("//"), "{path}");
    }
    // An id follows these.
    assert!(paths::ARTICLE.ends_with('/') && paths::CHECKOUT_CONFIRMATION.ends_with('/'));
    assert!(paths::PROVIDERS.ends_with('/') && paths::SIGN_INS.starts_with('/'));
    assert!(paths::OFFERS_FOR_ARTICLE.ends_with('='));
    assert!(paths::LOCKED.starts_with('/') && !paths::LOCKED.ends_with('/'));
    assert_eq!(paths::SESSIONS_EVERYWHERE.split_once('?').map(|(path, _)| path), Some(paths::SESSIONS));
}

#[test]
fn fragments_are_the_widget_s_and_end_where_their_value_begins() {
    for fragment in
        [fragments::SIGN_IN_LINK, fragments::CHECKOUT, fragments::GIFT, fragments::PROVIDER_SIGN_IN]
    {
        assert!(fragment.starts_with("#paywall-") && fragment.ends_with('='), "{fragment}");
    }
}

#[test]
fn the_built_in_tiers_are_the_ones_grants_are_named_after() {
    assert_eq!(tiers::BUILT_IN, [tiers::FREE, tiers::REGISTERED]);
    assert_eq!(GrantReason::Free.as_str(), tiers::FREE);
    assert_eq!(GrantReason::Registered.as_str(), tiers::REGISTERED);
}
