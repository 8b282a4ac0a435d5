//! `serialize_utf8` / `deserialize_utf8` (PyKafka's `pykafka.utils` helpers) through a real broker, on both
//! engines: text round-trips unchanged, bytes that are not UTF-8 are refused on the way out, and a message
//! that is not UTF-8 on the way in comes back as a typed error naming its topic, partition and offset.

use bytes::Bytes;
use ferrokafka::{deserialize_utf8, serialize_utf8, ErrorKind, OutgoingMessage};
use ferrokafka_testkit::unique_name;

use crate::common::{self, engines};

engines! {
    fn utf8_helpers_round_trip_and_refuse_other_bytes(cluster, client, rdkafka) {
        let topic = unique_name("utf8");
        cluster.create_topic(&topic, 1).expect("create topic");
        let t = client.topic(&topic).expect("topic");
        let producer = t
            .sync_producer()
            .use_rdkafka(rdkafka)
            .serializer(serialize_utf8)
            .build()
            .expect("producer");
        producer
            .produce_with(OutgoingMessage::new("grüße").with_key("clé"))
            .expect("utf-8 is sent");
        let refused = producer
            .produce(Bytes::from_static(b"\xc3\x28"))
            .expect_err("not utf-8");
        assert_eq!(refused.kind(), ErrorKind::InvalidInput, "{refused}");
        producer.stop().expect("stop producer");
        // A non-UTF-8 value written without the serializer, for the deserializer to meet at offset 1.
        common::produce(client, &topic, 0, &[b"\xff not utf-8".as_slice(), "après".as_bytes()]);

        let consumer = t
            .simple_consumer()
            .use_rdkafka(rdkafka)
            .consumer_timeout_ms(5_000)
            .deserializer(deserialize_utf8)
            .build()
            .expect("consumer");
        let first = consumer.consume(true).expect("first").expect("a message");
        assert_eq!(first.offset, 0);
        assert_eq!(first.value.as_deref(), Some("grüße".as_bytes()));
        assert_eq!(first.partition_key.as_deref(), Some("clé".as_bytes()));
        let bad = consumer.consume(true).expect_err("offset 1 is not utf-8");
        assert_eq!(bad.kind(), ErrorKind::InvalidInput, "{bad}");
        assert_eq!(bad.context().topic.as_deref(), Some(topic.as_str()));
        assert_eq!(bad.context().partition, Some(0));
        assert!(bad.to_string().contains("offset 1"), "{bad}");
        // The deserializer's own error is source(), so a report shows it after the message's place.
        let report = crate::common::full_text(&bad);
        assert!(report.contains("not UTF-8"), "{report}");
        // The refused message is reported, not lost silently; the next one follows.
        let next = consumer.consume(true).expect("next").expect("a message");
        assert_eq!((next.offset, next.value.as_deref()), (2, Some("après".as_bytes())));
        consumer.stop().expect("stop consumer");
    }
}
