//! Reading AMQP headers: producers in other languages, and the broker itself, send
//! the same header as different types (a count as a long or a long long, text as a
//! long or a short string), so every reader accepts each of them.

use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable};

/// Header `name` of a message, if present.
pub fn get<'a>(properties: &'a BasicProperties, name: &str) -> Option<&'a AMQPValue> {
    properties.headers().as_ref()?.inner().get(name)
}

/// A header as text; a long string that is not UTF-8 is converted lossily.
pub fn text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// A header as a count: any integer type that holds a non-negative number, or a
/// timestamp (seconds).
pub fn count(value: &AMQPValue) -> Option<u64> {
    match value {
        AMQPValue::LongLongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongUInt(n) => Some(u64::from(*n)),
        AMQPValue::ShortInt(n) => u64::try_from(*n).ok(),
        AMQPValue::ShortUInt(n) => Some(u64::from(*n)),
        AMQPValue::Timestamp(n) => Some(*n),
        _ => None,
    }
}

/// The first entry of the `x-death` header, where the broker records why, when and
/// how often a message was dead-lettered.
pub fn first_death(properties: &BasicProperties) -> Option<&FieldTable> {
    match get(properties, "x-death")? {
        AMQPValue::FieldArray(deaths) => deaths.as_slice().iter().find_map(|d| match d {
            AMQPValue::FieldTable(table) => Some(table),
            _ => None,
        }),
        _ => None,
    }
}

/// The job's id as the protocol defines it: `message_id`, else `correlation_id`
/// (empty ones do not count).
pub fn job_id(properties: &BasicProperties) -> Option<String> {
    let non_empty = |id: &Option<lapin::types::ShortString>| {
        id.as_ref()
            .map(|s| s.as_str().to_owned())
            .filter(|s| !s.is_empty())
    };
    non_empty(properties.message_id()).or_else(|| non_empty(properties.correlation_id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_text_of_every_type() {
        for value in [
            AMQPValue::LongLongInt(3),
            AMQPValue::LongInt(3),
            AMQPValue::LongUInt(3),
            AMQPValue::ShortInt(3),
            AMQPValue::ShortUInt(3),
            AMQPValue::Timestamp(3),
        ] {
            assert_eq!(count(&value), Some(3), "{value:?}");
        }
        assert_eq!(count(&AMQPValue::LongInt(-1)), None);
        assert_eq!(
            text(&AMQPValue::ShortString("a".into())).as_deref(),
            Some("a")
        );
        assert_eq!(
            text(&AMQPValue::LongString("b".into())).as_deref(),
            Some("b")
        );
        assert_eq!(text(&AMQPValue::Boolean(true)), None);
    }

    #[test]
    fn the_job_id_is_the_message_id_else_the_correlation_id() {
        let both = BasicProperties::default()
            .with_message_id("m".into())
            .with_correlation_id("c".into());
        assert_eq!(job_id(&both).as_deref(), Some("m"));
        let empty = BasicProperties::default()
            .with_message_id("".into())
            .with_correlation_id("c".into());
        assert_eq!(job_id(&empty).as_deref(), Some("c"));
        assert_eq!(job_id(&BasicProperties::default()), None);
    }
}
