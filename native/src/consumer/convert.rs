//! librdkafka messages → ferrokafka `Message`s (copied out: librdkafka's buffer is reused after the poll).

use bytes::Bytes;
use ferrokafka_core::{Header, Message};
use rdkafka::message::{BorrowedMessage, Headers, Message as _};
use rdkafka::topic_partition_list::TopicPartitionList;

/// Copy key, value, timestamp and headers out of a fetched message.
pub fn to_message(m: &BorrowedMessage<'_>) -> Message {
    let headers = m
        .headers()
        .map(|hs| {
            hs.iter()
                .map(|h| Header {
                    key: h.key.to_string(),
                    value: h.value.map(Bytes::copy_from_slice),
                })
                .collect()
        })
        .unwrap_or_default();
    Message {
        partition_id: m.partition(),
        offset: m.offset(),
        partition_key: m.key().map(Bytes::copy_from_slice),
        value: m.payload().map(Bytes::copy_from_slice),
        timestamp: m.timestamp().to_millis(),
        headers,
    }
}

/// The commit metadata of element `index`, read without rdkafka's `metadata()`, which panics on non-UTF-8
/// bytes (metadata written by another client is not ours to trust).
pub fn metadata_lossy(tpl: &TopicPartitionList, index: usize) -> Option<String> {
    if index >= tpl.count() {
        return None;
    }
    // SAFETY: `tpl.ptr()` is a valid list owned by `tpl` for this borrow, `index < cnt`, and librdkafka keeps
    // `metadata`/`metadata_size` consistent (NULL/0 when absent).
    let bytes = unsafe {
        let list = &*tpl.ptr();
        let elem = &*list.elems.add(index);
        if elem.metadata.is_null() || elem.metadata_size == 0 {
            return None;
        }
        std::slice::from_raw_parts(elem.metadata as *const u8, elem.metadata_size)
    };
    Some(String::from_utf8_lossy(bytes).into_owned())
}
