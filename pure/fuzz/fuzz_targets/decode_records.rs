//! Decode the records bytes of a fetch response (MessageSet v0/v1, RecordBatch v2, every codec). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrokafka_pure::records::fuzzing::fuzz_decode_records(data);
});
