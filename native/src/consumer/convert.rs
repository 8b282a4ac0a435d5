//! librdkafka messages → ferrokafka `Message`s, copied out.
//!
//! Why not zero-copy (a `Bytes` owning the `rd_kafka_message_t`): every fetched message holds a reference on
//! the whole FetchResponse buffer it was parsed from (`rd_kafka_op_new_fetch_msg` keeps the `rkbuf`), and once
//! the application holds a message librdkafka no longer counts it against `queued.min.messages` /
//! `queued.max.messages.kbytes`. One kept 100-byte message would then pin up to `fetch.max.bytes` (50 MB), so
//! memory would no longer be bounded by the prefetch options; the message would also have to keep the client
//! alive (a message destroyed after `rd_kafka_destroy` is a use after free). The copy it saves is one
//! allocation plus a `memcpy` of the value, which `Bytes::from_owner` would replace by an allocation of its own.

use bytes::Bytes;
use ferrokafka_core::{Header, Message};
use rdkafka::bindings as rd;
use rdkafka::topic_partition_list::TopicPartitionList;

/// Copy key, value, timestamp and headers out of a fetched message.
///
/// # Safety
/// `m` must be a message librdkafka handed out (from a consume call) and not yet destroyed.
pub unsafe fn to_message(m: &rd::rd_kafka_message_t) -> Message {
    // SAFETY (all blocks): librdkafka keeps `payload`/`key` valid for `len`/`key_len` bytes (or NULL) while
    // the message lives, which the caller guarantees.
    Message {
        partition_id: m.partition,
        offset: m.offset,
        partition_key: unsafe { copy(m.key, m.key_len) },
        value: unsafe { copy(m.payload, m.len) },
        timestamp: unsafe { timestamp(m) },
        headers: unsafe { headers(m) },
    }
}

/// A NULL pointer is a null key/value (rdkafka's `payload()`/`key()` read it the same way).
unsafe fn copy(ptr: *const std::os::raw::c_void, len: usize) -> Option<Bytes> {
    (!ptr.is_null()).then(|| {
        Bytes::copy_from_slice(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
    })
}

/// Milliseconds since the epoch; `None` when the message has none (magic 0), as rdkafka's `to_millis`.
unsafe fn timestamp(m: &rd::rd_kafka_message_t) -> Option<i64> {
    let mut kind = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    // SAFETY: `m` is a live message (caller); librdkafka only reads it and writes `kind`.
    let ts = unsafe { rd::rd_kafka_message_timestamp(m, &mut kind) };
    (kind != rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts != -1)
        .then_some(ts)
}

/// The message's headers, read through librdkafka's C API: rdkafka's `Headers::try_get` unwraps the key as
/// UTF-8 and would panic on a key another client wrote as arbitrary bytes. Such keys are kept, lossily.
unsafe fn headers(m: &rd::rd_kafka_message_t) -> Vec<Header> {
    let mut out = Vec::new();
    // SAFETY: `m` is a live message (caller); librdkafka owns the header list and the name/value buffers it
    // hands out, which stay valid while the message lives. Names are NUL-terminated; values are `size` bytes
    // or NULL. `rd_kafka_message_headers` takes a `*const` message and parses lazily behind it.
    unsafe {
        let mut hdrs: *mut rd::rd_kafka_headers_t = std::ptr::null_mut();
        if rd::rd_kafka_message_headers(m, &mut hdrs)
            != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
            || hdrs.is_null()
        {
            return out;
        }
        let count = rd::rd_kafka_header_cnt(hdrs);
        out.reserve_exact(count);
        for idx in 0..count {
            let mut name: *const std::os::raw::c_char = std::ptr::null();
            let mut value: *const std::os::raw::c_void = std::ptr::null();
            let mut size: usize = 0;
            let err = rd::rd_kafka_header_get_all(hdrs, idx, &mut name, &mut value, &mut size);
            if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || name.is_null() {
                continue;
            }
            let key = Header::key_from_wire(std::ffi::CStr::from_ptr(name).to_bytes());
            out.push(Header {
                key,
                value: copy(value, size),
            });
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
