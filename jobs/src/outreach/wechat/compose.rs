//! What a WeChat message posts: the API path of its kind and the JSON body.
use serde_json::{json, Map, Value};

use super::{WechatKind, WechatMessage};

/// The most characters WeChat takes in a subscribe message's `thing*` and `name*` fields
/// (subscribeMessage.send, "订阅消息参数值内容限制"); it refuses longer values with 47003.
const THING_CHARS: usize = 20;
const NAME_CHARS: usize = 10;

/// The path under the API endpoint and the body of `message`.
pub(super) fn request(message: &WechatMessage, miniprogram_state: &str) -> (&'static str, Value) {
    match message.kind {
        WechatKind::Official => ("/cgi-bin/message/template/send", template(message)),
        WechatKind::Subscribe => ("/cgi-bin/message/subscribe/send", subscribe(message, miniprogram_state)),
    }
}

/// An Official Account template message; `url` is where a tap leads.
fn template(message: &WechatMessage) -> Value {
    let mut body = json!({
        "touser": message.openid,
        "template_id": message.template_id,
        "data": data(&message.data, |_, value| value.to_owned()),
    });
    if let Some(url) = &message.link {
        body["url"] = json!(url);
    }
    body
}

/// A mini-program subscribe message; `page` is the mini-program page a tap opens.
fn subscribe(message: &WechatMessage, miniprogram_state: &str) -> Value {
    let mut body = json!({
        "touser": message.openid,
        "template_id": message.template_id,
        "miniprogram_state": miniprogram_state,
        "lang": "zh_CN",
        "data": data(&message.data, fit),
    });
    if let Some(page) = &message.link {
        body["page"] = json!(page);
    }
    body
}

/// `{"field": {"value": "…"}}` for each field.
fn data(fields: &[(String, String)], value_of: impl Fn(&str, &str) -> String) -> Value {
    let fields: Map<String, Value> = fields
        .iter()
        .map(|(field, value)| (field.clone(), json!({ "value": value_of(field, value) })))
        .collect();
    Value::Object(fields)
}

/// A subscribe field's value cut to what WeChat takes for its type (`thing3`, `name1`, …), on
/// character boundaries; other types pass as they are.
pub(super) fn fit(field: &str, value: &str) -> String {
    let limit = if is_of_type(field, "thing") {
        THING_CHARS
    } else if is_of_type(field, "name") {
        NAME_CHARS
    } else {
        return value.to_owned();
    };
    value.chars().take(limit).collect()
}

/// Whether a field is the type followed by its number, e.g. `thing12`.
fn is_of_type(field: &str, kind: &str) -> bool {
    field
        .strip_prefix(kind)
        .is_some_and(|number| !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: WechatKind, link: Option<&str>) -> WechatMessage {
        WechatMessage {
            openid: "oABC".to_owned(),
            kind,
            template_id: "tmpl".to_owned(),
            link: link.map(str::to_owned),
            data: vec![
                (
                    "thing1".to_owned(),
                    "生日快乐，送您一张满二百减五十的生日专属优惠券".to_owned(),
                ),
                ("name2".to_owned(), "欧阳娜娜娜娜娜娜娜娜娜".to_owned()),
                ("time3".to_owned(), "2026年11月24日 10:00".to_owned()),
            ],
        }
    }

    #[test]
    fn thing_and_name_values_are_cut_on_character_boundaries() {
        assert_eq!(fit("thing1", &"生".repeat(25)), "生".repeat(20));
        assert_eq!(fit("thing12", "short"), "short");
        assert_eq!(fit("name2", "ABCDEFGHIJKL"), "ABCDEFGHIJ");
        assert_eq!(fit("time3", &"9".repeat(30)), "9".repeat(30));
        assert_eq!(fit("things", &"x".repeat(30)), "x".repeat(30), "not a thing field");
        assert_eq!(fit("name", &"x".repeat(30)), "x".repeat(30), "no number");
    }

    #[test]
    fn a_template_message_carries_its_url_and_values_uncut() {
        let (path, body) = request(
            &message(WechatKind::Official, Some("https://brand.example/c/7")),
            "formal",
        );
        assert_eq!(path, "/cgi-bin/message/template/send");
        assert_eq!(
            body,
            json!({"touser": "oABC", "template_id": "tmpl", "url": "https://brand.example/c/7",
                   "data": {"thing1": {"value": "生日快乐，送您一张满二百减五十的生日专属优惠券"},
                            "name2": {"value": "欧阳娜娜娜娜娜娜娜娜娜"},
                            "time3": {"value": "2026年11月24日 10:00"}}})
        );
        let (_, no_link) = request(&message(WechatKind::Official, None), "formal");
        assert!(no_link.get("url").is_none());
    }

    #[test]
    fn a_subscribe_message_carries_its_page_state_and_cut_values() {
        let (path, body) = request(
            &message(WechatKind::Subscribe, Some("pages/coupon/index?id=7")),
            "trial",
        );
        assert_eq!(path, "/cgi-bin/message/subscribe/send");
        assert_eq!(
            body,
            json!({"touser": "oABC", "template_id": "tmpl", "page": "pages/coupon/index?id=7",
                   "miniprogram_state": "trial", "lang": "zh_CN",
                   "data": {"thing1": {"value": "生日快乐，送您一张满二百减五十的生日专属"},
                            "name2": {"value": "欧阳娜娜娜娜娜娜娜娜"},
                            "time3": {"value": "2026年11月24日 10:00"}}})
        );
    }
}
