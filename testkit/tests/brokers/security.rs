//! The SSL and SASL listeners of the shared Kafka 4 node accept the right credentials and
//! reject wrong ones.

use std::time::{Duration, Instant};

use ferrokafka_testkit::{shared_kafka4, unique_name, KafkaCluster, Listener, SaslMechanism};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

fn secured(cluster: &KafkaCluster) -> &KafkaCluster {
    if cluster.version().is_none() {
        eprintln!("external cluster: skipping listener checks");
    }
    cluster
}

fn client(cluster: &KafkaCluster, listener: Listener) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set(
        "bootstrap.servers",
        cluster.listener_bootstrap(listener).expect("listener"),
    );
    c.set("security.protocol", listener.name());
    if matches!(listener, Listener::Ssl | Listener::SaslSsl) {
        let ca = cluster.ca_pem().expect("CA").to_str().expect("utf-8 path");
        c.set("ssl.ca.location", ca);
    }
    c
}

fn with_user(mut c: ClientConfig, mech: SaslMechanism, user: &str, password: &str) -> ClientConfig {
    c.set("sasl.mechanism", mech.name())
        .set("sasl.username", user)
        .set("sasl.password", password);
    c
}

/// One message there and back over `config`'s listener (assigned, not subscribed: no group join).
fn works(config: &ClientConfig) {
    let topic = unique_name("secure");
    crate::produce(config, &topic, 1);
    let consumer: BaseConsumer = config
        .clone()
        .set("group.id", unique_name("secure"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("create consumer");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&topic, 0, Offset::Beginning)
        .expect("partition");
    consumer.assign(&tpl).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "no message on {topic}");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                assert_eq!(m.payload(), Some(&b"message 0"[..]));
                break;
            }
            Some(Err(e)) => panic!("consume error: {e}"),
            None => {}
        }
    }
}

/// The client must report an error matching one of `needles`, and get no metadata.
fn rejected(config: &ClientConfig, needles: &[&str]) {
    let consumer: BaseConsumer<crate::Errors> = config
        .clone()
        .set("group.id", unique_name("rejected"))
        .create_with_context(crate::Errors::default())
        .expect("create consumer");
    // The client connects on creation; its errors reach the context on poll.
    let deadline = Instant::now() + Duration::from_secs(20);
    while consumer.context().0.lock().expect("errors").is_empty() && Instant::now() < deadline {
        let _ = consumer.poll(Duration::from_millis(100));
    }
    let errors = consumer.context().0.lock().expect("errors").join("\n");
    assert!(
        needles.iter().any(|n| errors.contains(n)),
        "expected one of {needles:?} in client errors: {errors}"
    );
    assert!(
        consumer
            .fetch_metadata(None, Duration::from_secs(1))
            .is_err(),
        "metadata should fail"
    );
}

#[test]
fn ssl_listener() {
    let cluster = secured(shared_kafka4());
    if cluster.version().is_none() {
        return;
    }
    works(&client(cluster, Listener::Ssl));
    // Without the test CA the handshake must fail certificate verification.
    let mut untrusted = ClientConfig::new();
    untrusted
        .set(
            "bootstrap.servers",
            cluster.listener_bootstrap(Listener::Ssl).expect("ssl"),
        )
        .set("security.protocol", "SSL");
    rejected(
        &untrusted,
        &["certificate verify failed", "SSL handshake failed"],
    );
}

fn sasl_listener(listener: Listener) {
    let cluster = secured(shared_kafka4());
    if cluster.version().is_none() {
        return;
    }
    let users = cluster.sasl_users();
    assert!(!users.is_empty());
    for mech in SaslMechanism::ALL {
        for user in users {
            works(&with_user(
                client(cluster, listener),
                mech,
                &user.username,
                &user.password,
            ));
        }
        let wrong = with_user(
            client(cluster, listener),
            mech,
            &users[0].username,
            "wrong-password",
        );
        rejected(&wrong, &["Authentication failed", "authentication"]);
    }
}

#[test]
fn sasl_plaintext_listener() {
    sasl_listener(Listener::SaslPlaintext);
}

#[test]
fn sasl_ssl_listener() {
    sasl_listener(Listener::SaslSsl);
}
