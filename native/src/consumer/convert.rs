//! librdkafka messages → ferrokafka `Message`s (copied out: librdkafka's buffer is reused after the poll).

use bytes::Bytes;
use ferrokafka_core::{Header, Message};
use rdkafka::message::{BorrowedMessage, Message as _};
use rdkafka::topic_partition_list::TopicPartitionList;

/// Copy key, value, timestamp and headers out of a fetched message.
pub fn to_message(m: &BorrowedMessage<'_>) -> Message {
    Message {
        partition_id: m.partition(),
        offset: m.offset(),
        partition_key: m.key().map(Bytes::copy_from_slice),
        value: m.payload().map(Bytes::copy_from_slice),
        timestamp: m.timestamp().to_millis(),
        headers: headers(m),
    }
}

/// The message's headers, read through librdkafka's C API: rdkafka's `Headers::try_get` unwraps the key as
/// UTF-8 and would panic on a key another client wrote as arbitrary bytes. Such keys are kept, lossily.
fn headers(m: &BorrowedMessage<'_>) -> Vec<Header> {
    use rdkafka::bindings as rd;
    let mut out = Vec::new();
    // SAFETY: `m.ptr()` is a valid message for the borrow of `m`; librdkafka owns the header list and the
    // name/value buffers it hands out, which stay valid while the message lives. Names are NUL-terminated;
    // values are `size` bytes or NULL.
    unsafe {
        let mut hdrs: *mut rd::rd_kafka_headers_t = std::ptr::null_mut();
        if rd::rd_kafka_message_headers(m.ptr(), &mut hdrs)
            != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
            || hdrs.is_null()
        {
            return out;
        }
        let count = rd::rd_kafka_header_cnt(hdrs);
        for idx in 0..count {
            let mut name: *const std::os::raw::c_char = std::ptr::null();
            let mut value: *const std::os::raw::c_void = std::ptr::null();
            let mut size: usize = 0;
            let err = rd::rd_kafka_header_get_all(hdrs, idx, &mut name, &mut value, &mut size);
            if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || name.is_null() {
                continue;
            }
            let key = Header::key_from_wire(std::ffi::CStr::from_ptr(name).to_bytes());
            let value = (!value.is_null()).then(|| {
                Bytes::copy_from_slice(std::slice::from_raw_parts(value as *const u8, size))
            });
            out.push(Header { key, value });
        }
    }
    out
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
