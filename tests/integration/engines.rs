//! Engine selection: `use_rdkafka(true)` on a producer, simple consumer or balanced consumer gives the librdkafka engine when it is compiled in, and in a
//! `pure-only` build a typed `EngineUnavailable` that says how to enable it.

use ferrokafka::ErrorKind;
use ferrokafka_testkit::{shared_kafka4, unique_name};

use crate::common;

#[test]
fn use_rdkafka_selects_the_engine_or_says_how_to_enable_it() {
    let cluster = shared_kafka4();
    let client = common::client(cluster);
    let name = unique_name("engines");
    cluster.create_topic(&name, 1).expect("create topic");
    let topic = client.topic(&name).expect("topic");

    let producer = topic.producer().use_rdkafka(true).build();
    let consumer = topic.simple_consumer().use_rdkafka(true).build();
    let balanced = topic
        .balanced_consumer(unique_name("engines-group"))
        .use_rdkafka(true)
        .build();
    if cfg!(feature = "native") {
        let producer = producer.expect("native producer");
        assert_eq!(producer.engine_name(), "librdkafka");
        producer.stop().expect("stop");
        let consumer = consumer.expect("native consumer");
        assert_eq!(consumer.engine_name(), "librdkafka");
        consumer.stop().expect("stop");
        let balanced = balanced.expect("balanced consumer over the native engine");
        assert_eq!(balanced.engine_name(), "librdkafka");
        balanced.stop().expect("stop");
    } else {
        for (what, result) in [
            ("producer", producer.map(|_| ())),
            ("simple consumer", consumer.map(|_| ())),
            ("balanced consumer", balanced.map(|_| ())),
        ] {
            match result {
                Err(e) if e.kind() == ErrorKind::EngineUnavailable => {
                    assert!(e.reason().contains("`native` feature"), "{what}: {e}")
                }
                Ok(()) => panic!("{what}: use_rdkafka(true) built without the native engine"),
                Err(e) => panic!("{what}: expected EngineUnavailable, got {e}"),
            }
        }
    }

    // The pure engine is always there.
    let producer = topic.producer().build().expect("pure producer");
    assert_eq!(producer.engine_name(), "pure");
    producer.stop().expect("stop");
    let consumer = topic.simple_consumer().build().expect("pure consumer");
    assert_eq!(consumer.engine_name(), "pure");
    consumer.stop().expect("stop");
}
