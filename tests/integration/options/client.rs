//! Client options: what `topics()` lists, the client id the broker sees in request headers (both engines,
//! through the recording proxy) and in DescribeGroups, and TLS client certificates against a listener that
//! requires them.

use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, KafkaClient, SslConfig};
use ferrokafka_testkit::{
    shared_kafka4, unique_name, KafkaCluster, KafkaConfig, Listener, TlsFiles,
};

use super::support::{engines, new_topic, proxied_client, round_trip_each_engine, within};

#[test]
fn exclude_internal_topics_hides_consumer_offsets() {
    // A committed offset makes sure `__consumer_offsets` exists.
    let setup = super::support::client();
    let topic = new_topic(&setup, "opt-internal", 1);
    let c = topic
        .simple_consumer()
        .consumer_group(unique_name("opt-internal"))
        .consumer_timeout_ms(200)
        .build()
        .expect("consumer");
    c.commit_offsets(Some(&[(0, 0)])).expect("commit");
    c.stop().expect("stop");
    for exclude in [true, false] {
        let mut options = ClientOptions::new(shared_kafka4().bootstrap());
        options.exclude_internal_topics = exclude;
        let client = KafkaClient::with_options(options).expect("client");
        client.update_cluster().expect("refresh");
        let topics = client.topics();
        let names = topics.names();
        assert!(names.contains(&topic.name().to_string()), "{names:?}");
        assert_eq!(
            names.iter().any(|n| n == "__consumer_offsets"),
            !exclude,
            "exclude_internal_topics={exclude}: {names:?}"
        );
        assert_eq!(topics.contains("__consumer_offsets"), !exclude);
    }
}

#[test]
fn client_id_is_what_the_broker_sees() {
    for rd in engines() {
        let id = format!("opt-client-id-{rd}");
        let (wire, client) = proxied_client(Some(&id));
        let topic = new_topic(&client, "opt-client-id", 1);
        let producer = topic
            .sync_producer()
            .use_rdkafka(rd)
            .build()
            .expect("producer");
        producer.produce("x").expect("delivered");
        producer.stop().expect("stop");
        let produces = wire.requests(0);
        assert!(
            !produces.is_empty(),
            "rdkafka={rd}: no Produce through the proxy"
        );
        for p in produces {
            assert_eq!(p.client_id.as_deref(), Some(id.as_str()), "rdkafka={rd}");
        }
    }

    // The coordinator records the member's client id from its JoinGroup header.
    let mut options = ClientOptions::new(shared_kafka4().bootstrap());
    options.client_id = "opt-client-id-member".to_string();
    let client = KafkaClient::with_options(options).expect("client");
    let topic = new_topic(&client, "opt-client-id-group", 1);
    let group = unique_name("opt-client-id");
    let member = topic
        .balanced_consumer(&group)
        .consumer_timeout_ms(500)
        .build()
        .expect("member");
    let described = || {
        client.describe_groups(&[&group]).ok().and_then(|d| {
            d.get(&group)
                .and_then(|g| g.members.values().next().map(|m| m.client_id.clone()))
        })
    };
    assert!(
        within(Duration::from_secs(20), || described().is_some()),
        "the group never showed a member"
    );
    assert_eq!(described().as_deref(), Some("opt-client-id-member"));
    member.stop().expect("stop");
}

/// Options for the SSL listener at `hosts`, trusting the test CA; with the client certificate and its
/// encrypted key when `password` is given.
fn client_auth_options(hosts: &str, files: &TlsFiles, password: Option<&str>) -> ClientOptions {
    let mut options = ClientOptions::new(hosts);
    options.socket_timeout_ms = 10_000;
    let mut ssl = SslConfig::new(&files.ca_pem);
    if let Some(password) = password {
        ssl.certfile = Some(files.client_cert_pem.clone());
        ssl.keyfile = Some(files.client_key_pem.clone());
        ssl.password = Some(password.to_string());
    }
    options.ssl_config = Some(ssl);
    options
}

/// A broker whose SSL listener requires client certificates (started for this test only): the testkit's
/// client certificate with its encrypted key connects and both engines produce over it; no certificate, or
/// the wrong key password, does not connect.
#[test]
fn tls_client_certificate_with_an_encrypted_key() {
    let cluster = KafkaCluster::start(KafkaConfig::kafka4().ssl_client_auth(true))
        .expect("a broker requiring client certificates");
    let files = cluster.tls_files().expect("TLS files").clone();
    let hosts = cluster
        .listener_bootstrap(Listener::Ssl)
        .expect("SSL listener")
        .to_string();

    let client = KafkaClient::with_options(client_auth_options(
        &hosts,
        &files,
        Some(&files.client_key_password),
    ))
    .expect("the client certificate is accepted");
    let expected: Vec<String> = engines().iter().map(|rd| format!("mtls {rd}")).collect();
    assert_eq!(round_trip_each_engine(&client, "mtls"), expected);

    let started = Instant::now();
    let refused = KafkaClient::with_options(client_auth_options(&hosts, &files, None))
        .expect_err("no client certificate, no connection");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "refusal took {:?}: {refused}",
        started.elapsed()
    );
    let wrong = KafkaClient::with_options(client_auth_options(&hosts, &files, Some("not-it")))
        .expect_err("a wrong key password");
    assert!(
        wrong.to_string().contains("wrong ssl_config.password"),
        "{wrong}"
    );
}

/// A plain TCP forwarder on 127.0.0.2 (loopback, but a name the broker's certificate does not list) to the
/// shared broker's SSL listener: the TLS session runs end to end, so only the name the client dials changes.
fn forward_from_127_0_0_2(upstream: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    let addr = listener.local_addr().expect("address").to_string();
    let upstream = upstream.to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(broker) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone(), broker.try_clone()),
                (broker.try_clone(), client.try_clone()),
            ]
            .into_iter()
            .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
            {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
    addr
}

/// The broker's certificate names `localhost` and `127.0.0.1`; dialled as 127.0.0.2 it does not match, so
/// the client refuses it with `check_hostname` (the default) and accepts it without; both engines then
/// produce over the unchecked connection.
#[test]
fn check_hostname_refuses_a_certificate_for_another_name() {
    let cluster = shared_kafka4();
    let ssl = cluster
        .listener_bootstrap(Listener::Ssl)
        .expect("SSL listener");
    let hosts = forward_from_127_0_0_2(ssl);
    let mut options = ClientOptions::new(&hosts);
    options.socket_timeout_ms = 10_000;
    options.ssl_config = Some(SslConfig::new(cluster.ca_pem().expect("CA")));
    let e = KafkaClient::with_options(options.clone()).expect_err("the name does not match");
    assert!(e.to_string().contains(&hosts), "names the broker: {e}");

    options.ssl_config.as_mut().expect("ssl").check_hostname = false;
    let client = KafkaClient::with_options(options).expect("no hostname check");
    let expected: Vec<String> = engines()
        .iter()
        .map(|rd| format!("unchecked {rd}"))
        .collect();
    assert_eq!(round_trip_each_engine(&client, "unchecked"), expected);
}
