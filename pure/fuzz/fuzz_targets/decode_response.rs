//! Decode a response frame of any API at any version (chosen by the first two input bytes). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ferrokafka_pure::protocol::fuzzing::decode_response_input(data);
});
