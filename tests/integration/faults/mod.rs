//! The fault suite: hostile servers, a fault-injecting proxy in front of a real broker, head-of-line blocking,
//! input validation and time bounds. Short by default; long variants run only with `FERROKAFKA_SOAK=1`.

mod bounds;
mod consume_faults;
mod fake_servers;
mod head_of_line;
mod late_offset_fetch;
mod proxy_faults;
mod reorder;
mod soak;
mod support;
mod validation;
