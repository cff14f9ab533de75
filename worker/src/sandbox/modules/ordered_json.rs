//! JSON that keeps the order of object keys: a package's `exports` and `imports`
//! maps pick the first condition that matches in the order the author wrote them,
//! and `serde_json`'s own maps sort their keys.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value whose objects keep their keys in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderedJson {
    Null,
    Bool(bool),
    Number,
    String(String),
    Array(Vec<OrderedJson>),
    Object(Vec<(String, OrderedJson)>),
}

impl OrderedJson {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            OrderedJson::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&OrderedJson> {
        match self {
            OrderedJson::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for OrderedJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = OrderedJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }

    fn visit_none<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Bool(v))
    }

    fn visit_i64<E>(self, _: i64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number)
    }

    fn visit_u64<E>(self, _: u64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number)
    }

    fn visit_f64<E>(self, _: f64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number)
    }

    fn visit_str<E>(self, v: &str) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OrderedJson, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(OrderedJson::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedJson, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, OrderedJson>()? {
            entries.push((key, value));
        }
        Ok(OrderedJson::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_the_order_written() {
        let value: OrderedJson =
            serde_json::from_str(r#"{"z": 1, "a": {"y": "x", "b": [null, true]}}"#).unwrap();
        let OrderedJson::Object(entries) = &value else {
            panic!("{value:?}")
        };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a"]);
        let inner = value.get("a").unwrap();
        assert_eq!(inner.get("y").and_then(OrderedJson::as_str), Some("x"));
        assert_eq!(
            inner.get("b"),
            Some(&OrderedJson::Array(vec![
                OrderedJson::Null,
                OrderedJson::Bool(true)
            ]))
        );
    }
}
