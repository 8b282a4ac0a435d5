//! TLS + SASL: PyKafka's `KafkaClient(hosts=..., ssl_config=SslConfig(cafile=...))`, plus SASL (SCRAM-SHA-512),
//! which PyKafka lacks, over a SASL_SSL listener.
//!
//! Starts a local broker with SSL and SASL listeners (testkit users `alice` / `bob`, a test CA), connects over
//! SASL_SSL with the CA and hostname check on, produces 10 messages and reads them back; then checks that a
//! wrong password is refused with an error, not a hang.
//! With `KAFKA_BOOTSTRAP=host:port` (a SASL_SSL listener) it uses that cluster instead, with the CA in
//! `KAFKA_CA_FILE` and the user in `KAFKA_SASL_USERNAME` / `KAFKA_SASL_PASSWORD` (SCRAM-SHA-512).

mod support;

use std::time::Instant;

use ferrokafka::{ClientOptions, KafkaClient, SaslConfig, SaslMechanism, SslConfig};
use ferrokafka_testkit::{KafkaCluster, KafkaConfig, Listener};
use support::{brokers, check, fresh_topic, Outcome};

const PRODUCED: usize = 10;

/// The SASL_SSL listener, the CA file and a user: from the local broker, else from the environment.
fn secured_options(local: Option<&KafkaCluster>, hosts: String) -> Outcome<ClientOptions> {
    let env = |name: &str| {
        std::env::var(name).map_err(|_| format!("{name} must be set with KAFKA_BOOTSTRAP"))
    };
    let (hosts, cafile, username, password) = match local {
        Some(cluster) => {
            let user = cluster
                .sasl_users()
                .first()
                .ok_or("the local broker has no SASL user")?;
            (
                cluster
                    .listener_bootstrap(Listener::SaslSsl)
                    .ok_or("no SASL_SSL listener")?
                    .to_string(),
                cluster.ca_pem().ok_or("no test CA")?.to_path_buf(),
                user.username.clone(),
                user.password.clone(),
            )
        }
        None => (
            hosts,
            env("KAFKA_CA_FILE")?.into(),
            env("KAFKA_SASL_USERNAME")?,
            env("KAFKA_SASL_PASSWORD")?,
        ),
    };
    let mut options = ClientOptions::new(hosts);
    options.ssl_config = Some(SslConfig::new(cafile)); // hostname checked (PyKafka never checks)
    options.sasl_config = Some(SaslConfig {
        mechanism: SaslMechanism::ScramSha512,
        username,
        password,
    });
    Ok(options)
}

fn main() -> Outcome {
    let (hosts, local_broker) = brokers(KafkaConfig::kafka4().ssl(true).sasl(true))?;
    let options = secured_options(local_broker.as_ref(), hosts)?;
    let user = options
        .sasl_config
        .as_ref()
        .map(|s| s.username.clone())
        .unwrap_or_default();
    println!(
        "connecting to {} over SASL_SSL as {user:?} (SCRAM-SHA-512)",
        options.hosts
    );

    let client = KafkaClient::with_options(options.clone())?;
    let topic = client.topic(&fresh_topic(&client, "secured", 1)?)?;
    let producer = topic.sync_producer().build()?;
    for i in 0..PRODUCED {
        producer.produce(format!("secret {i}"))?;
    }
    producer.stop()?;
    let consumer = topic.simple_consumer().consumer_timeout_ms(3_000).build()?;
    let mut values = Vec::new();
    for message in consumer.iter() {
        values.push(
            message?
                .value
                .map(|v| String::from_utf8_lossy(&v).into_owned()),
        );
    }
    consumer.stop()?;
    println!(
        "read back {} messages, first {:?}",
        values.len(),
        values.first()
    );
    check(
        values.len() == PRODUCED && values.first() == Some(&Some("secret 0".to_string())),
        format!("{PRODUCED} messages produced and read back over SASL_SSL"),
    )?;

    let mut wrong = options;
    if let Some(sasl) = wrong.sasl_config.as_mut() {
        sasl.password.push_str("-wrong");
    }
    let started = Instant::now();
    let refused = KafkaClient::with_options(wrong);
    if let Err(e) = &refused {
        println!("wrong password: {e} (after {:?})", started.elapsed());
    }
    check(
        refused.is_err(),
        "a wrong password is refused with an error",
    )
}
