//! Builder setters named after PyKafka's arguments, shared by every builder (a balanced consumer passes the
//! SimpleConsumer options to its internal consumer, as PyKafka does).

/// Setters writing `self.$field.$name` (builders keep their options in plain structs).
macro_rules! setters {
    ($field:ident { $( $(#[$doc:meta])* $name:ident: $ty:ty; )* }) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.$field.$name = value;
                self
            }
        )*
    };
}

/// The SimpleConsumer options every consumer builder has (a balanced consumer passes them to its internal
/// consumer, as PyKafka does), on a builder whose `options` field is a `ConsumerOptions`.
macro_rules! consumer_option_setters {
    () => {
        setters! { options {
            /// Per-partition max bytes of one fetch (1048576). The pure engine grows it for a larger message.
            fetch_message_max_bytes: i64;
            /// Fetcher threads (1). The pure engine runs one fetcher per leader broker regardless.
            num_consumer_fetchers: i64;
            /// Commit consumed offsets every `auto_commit_interval_ms` and on `stop` (false; needs a group).
            auto_commit_enable: bool;
            /// 60000.
            auto_commit_interval_ms: i64;
            /// Max buffered messages per partition (2000): the memory bound.
            queued_max_messages: i64;
            /// 1.
            fetch_min_bytes: i64;
            /// Backoff after a failed fetch (500).
            fetch_error_backoff_ms: i64;
            /// Broker-side max wait of a fetch (100).
            fetch_wait_max_ms: i64;
            /// Backoff unit of offset-request retries: attempt i sleeps i × this (1000).
            offsets_channel_backoff_ms: i64;
            /// Attempts of commit / offset fetch / reset (5).
            offsets_commit_max_retries: i64;
            /// Where to start without a committed offset, and on OFFSET_OUT_OF_RANGE (Earliest).
            auto_offset_reset: OffsetType;
            /// ms without a message before `consume(true)` returns `None`; -1 and 0 = forever (-1).
            consumer_timeout_ms: i64;
            /// The topic is compacted (false). Offset gaps are accepted either way.
            compacted_topic: bool;
            /// `fetch_offsets()` also moves the positions (true).
            reset_offset_on_fetch: bool;
            /// Skip aborted transactional records (isolation level read_committed). Default false.
            read_committed: bool;
            /// Verify every fetched batch's CRC (true, as the Java client; librdkafka's own default is false).
            /// A corrupted batch is then a `MessageSetDecodeFailure` naming topic, partition and offset; false
            /// saves one CRC pass over every fetched byte and delivers what the broker sent unchecked.
            check_crcs: bool;
        }}
    };
}
/// `.rdkafka_property(name, value)` on a builder with a `rdkafka_properties: Vec<(String, String)>` field.
macro_rules! rdkafka_property_setter {
    () => {
        /// Raw librdkafka property, applied after ferrokafka's mapped options (it wins over a mapped value;
        /// the few ferrokafka owns, such as `enable.auto.commit`, are refused). librdkafka engine only: the
        /// pure engine refuses a builder that has any, with a `Config` error naming the first. A balanced
        /// consumer passes them to its internal consumer.
        pub fn rdkafka_property(
            mut self,
            name: impl Into<String>,
            value: impl Into<String>,
        ) -> Self {
            self.rdkafka_properties.push((name.into(), value.into()));
            self
        }
    };
}

pub(crate) use {consumer_option_setters, rdkafka_property_setter, setters};
