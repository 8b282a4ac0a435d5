//! PyKafka's `pykafka.utils.serialize_utf8` / `deserialize_utf8`, ready for the builders' `.serializer()` and
//! `.deserializer()`. Rust strings are UTF-8 already, so both check rather than convert: bytes that are not
//! UTF-8 are refused with an `InvalidInput` error instead of travelling on (PyKafka's `UnicodeError`).
//!
//! ```no_run
//! use ferrokafka::{deserialize_utf8, serialize_utf8};
//! let client = ferrokafka::KafkaClient::new("127.0.0.1:9092")?;
//! let topic = client.topic("events")?;
//! let producer = topic.producer().serializer(serialize_utf8).build()?;
//! let consumer = topic.simple_consumer().deserializer(deserialize_utf8).build()?;
//! # Ok::<(), ferrokafka::Error>(())
//! ```

use bytes::Bytes;
use ferrokafka_core::{Error, Result};

/// A producer's serializer: passes `(value, key)` on, refusing either when it is not UTF-8.
pub fn serialize_utf8(
    value: Option<Bytes>,
    key: Option<Bytes>,
) -> Result<(Option<Bytes>, Option<Bytes>)> {
    check("message value", value.as_ref())?;
    check("partition key", key.as_ref())?;
    Ok((value, key))
}

/// A consumer's deserializer: passes `(value, key)` on, refusing either when it is not UTF-8. The consumer
/// returns the refusal naming the message's topic, partition and offset.
pub fn deserialize_utf8(
    value: Option<Bytes>,
    key: Option<Bytes>,
) -> Result<(Option<Bytes>, Option<Bytes>)> {
    serialize_utf8(value, key)
}

fn check(what: &str, bytes: Option<&Bytes>) -> Result<()> {
    match bytes.map(|b| std::str::from_utf8(b)) {
        Some(Err(e)) => Err(Error::invalid_input(what, format!("not UTF-8: {e}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka_core::ErrorKind;

    #[test]
    fn utf8_passes_unchanged_and_anything_else_is_refused() {
        let (v, k) = serialize_utf8(Some(Bytes::from("héllo")), None).expect("utf-8");
        assert_eq!(v.as_deref(), Some("héllo".as_bytes()));
        assert_eq!(k, None);
        let bad = deserialize_utf8(
            Some(Bytes::from("ok")),
            Some(Bytes::from_static(b"\xff\xfe")),
        )
        .expect_err("not utf-8");
        assert_eq!(bad.kind(), ErrorKind::InvalidInput);
        assert!(bad.to_string().contains("partition key"), "{bad}");
    }
}
