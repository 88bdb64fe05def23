//! How exact decimals depend on what the deserializer is (see `exact_decimal`).

use brokerhooks_models::kite::KitePostback;
use brokerhooks_models::smallcase::HeldSecurity;
use serde::Deserialize;
use serde_json::Value;

const HELD: &str =
    r#"{"ticker":"INFY","shares":2.50,"averagePrice":1474.2927272727275,"name":"x"}"#;

fn shown(held: &HeldSecurity) -> (String, String) {
    (
        held.shares.unwrap().to_string(),
        held.average_price.unwrap().to_string(),
    )
}

#[test]
fn from_text_every_digit_and_the_scale_survive() {
    let held: HeldSecurity = serde_json::from_str(HELD).unwrap();
    assert_eq!(shown(&held), ("2.50".into(), "1474.2927272727275".into()));
    let held: HeldSecurity = serde_json::from_slice(HELD.as_bytes()).unwrap();
    assert_eq!(shown(&held), ("2.50".into(), "1474.2927272727275".into()));
    let held: HeldSecurity = serde_json::from_reader(HELD.as_bytes()).unwrap();
    assert_eq!(shown(&held), ("2.50".into(), "1474.2927272727275".into()));
}

/// Through a `serde_json::Value` the number was already an `f64`: documented, and pinned
/// here so a change in serde_json's behaviour is noticed.
#[test]
fn through_a_value_numbers_are_f64_readings_but_strings_stay_exact() {
    let value: Value = serde_json::from_str(HELD).unwrap();
    let owned: HeldSecurity = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(shown(&owned), ("2.5".into(), "1474.2927272727277".into()));
    let borrowed = HeldSecurity::deserialize(&value).unwrap();
    assert_eq!(borrowed, owned);

    let postback: Value = serde_json::from_str(
        r#"{"order_id":"1","order_timestamp":"t","status":"OPEN","price":"1474.2927272727275","quantity":"2.50"}"#,
    )
    .unwrap();
    let postback: KitePostback = serde_json::from_value(postback).unwrap();
    assert_eq!(postback.price.unwrap().to_string(), "1474.2927272727275");
    assert_eq!(postback.quantity.unwrap().to_string(), "2.50");
}

/// serde's buffering constructs cannot carry the raw text: an error, never an approximation.
#[test]
fn inside_serde_buffering_a_decimal_is_an_error_not_an_approximation() {
    #[derive(Deserialize, Debug)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Untagged {
        Held(HeldSecurity),
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Flattened {
        #[serde(flatten)]
        held: HeldSecurity,
    }
    #[derive(Deserialize, Debug)]
    #[serde(tag = "kind")]
    #[allow(dead_code)]
    enum Tagged {
        Held(HeldSecurity),
    }
    assert!(serde_json::from_str::<Untagged>(HELD).is_err());
    assert!(serde_json::from_str::<Flattened>(HELD).is_err());
    let tagged = HELD.replacen('{', r#"{"kind":"Held","#, 1);
    assert!(serde_json::from_str::<Tagged>(&tagged).is_err());
    // Without decimals in it, the same model reads fine there.
    assert!(serde_json::from_str::<Untagged>(r#"{"ticker":"INFY"}"#).is_ok());
}

/// serde_json's `arbitrary_precision` must stay off in this workspace: it would change
/// how the receiver's canonical JSON prints numbers, and so its content-derived ids.
#[test]
fn serde_json_arbitrary_precision_is_off() {
    let value: Value = serde_json::from_str("[2.50, 1474.2927272727275]").unwrap();
    assert_eq!(value.to_string(), "[2.5,1474.2927272727277]");
}
