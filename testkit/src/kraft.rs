//! KRaft nodes: `server.properties` for combined broker+controller nodes with static voters,
//! and `StorageTool format` (which also writes the SCRAM credentials).

use std::path::Path;

use crate::config::{KafkaConfig, KafkaVersion, Listener};
use crate::error::{IoContext, Result};
use crate::jvm::{java_args, write_properties, JvmOptions};
use crate::node::NodeSpec;
use crate::ports::free_port;
use crate::process::run_to_end;
use crate::sasl::{listener_properties, scram_format_args, SaslUser};
use crate::tls::TlsFiles;

/// Fixed cluster id (the one Kafka's docker examples use); clusters never meet, so one id is enough.
const CLUSTER_ID: &str = "4L6g3nShT-eMCtK--X86sw";

/// Writes configs and formats storage for every node of a KRaft cluster.
pub(crate) fn prepare(
    config: &KafkaConfig,
    root: &Path,
    jars: &Path,
    tls: Option<&TlsFiles>,
    users: &[SaslUser],
    jvm_extra: &[String],
) -> Result<Vec<NodeSpec>> {
    let n = config.nodes.max(1);
    let listeners = config.listeners();
    struct Ports {
        controller: u16,
        client: Vec<(Listener, u16)>,
    }
    let mut ports = Vec::with_capacity(n);
    for _ in 0..n {
        let controller = free_port()?;
        let mut client = Vec::new();
        for l in &listeners {
            client.push((*l, free_port()?));
        }
        ports.push(Ports { controller, client });
    }
    let voters: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}@127.0.0.1:{}", i + 1, p.controller))
        .collect();
    let voters = voters.join(",");
    let rf = n.min(3);
    let min_isr = if rf >= 3 { 2 } else { 1 };
    let opts = JvmOptions {
        heap_mb: config.heap(),
        fast_start: config.fast_start,
        extra: jvm_extra.to_vec(),
    };

    let mut specs = Vec::with_capacity(n);
    for (i, p) in ports.iter().enumerate() {
        let id = (i + 1) as i32;
        let dir = root.join(format!("node{id}"));
        std::fs::create_dir_all(dir.join("logs")).ctx(|| format!("creating {}", dir.display()))?;
        let mut listen = vec![format!("CONTROLLER://127.0.0.1:{}", p.controller)];
        let mut advertise = Vec::new();
        for (l, port) in &p.client {
            listen.push(format!("{}://127.0.0.1:{port}", l.name()));
            advertise.push(format!("{}://127.0.0.1:{port}", l.name()));
        }
        let mut props: Vec<(String, String)> = vec![
            ("process.roles".into(), "broker,controller".into()),
            ("node.id".into(), id.to_string()),
            ("controller.quorum.voters".into(), voters.clone()),
            ("listeners".into(), listen.join(",")),
            ("advertised.listeners".into(), advertise.join(",")),
            ("inter.broker.listener.name".into(), "PLAINTEXT".into()),
            ("controller.listener.names".into(), "CONTROLLER".into()),
            (
                "listener.security.protocol.map".into(),
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
                    .into(),
            ),
            ("log.dirs".into(), dir.join("data").display().to_string()),
        ];
        props.extend(common_broker_properties(rf, min_isr));
        if config.version == KafkaVersion::Kafka4 {
            props.push((
                "share.coordinator.state.topic.replication.factor".into(),
                rf.to_string(),
            ));
            props.push((
                "share.coordinator.state.topic.min.isr".into(),
                min_isr.to_string(),
            ));
        }
        props.extend(security_properties(config, tls, users));
        props.extend(config.properties.iter().cloned());
        let props_path = dir.join("server.properties");
        write_properties(&props_path, &props)?;

        let props_arg = props_path.display().to_string();
        let args = java_args(
            config.version.distribution(),
            jars,
            &dir,
            &opts,
            "kafka.Kafka",
            std::slice::from_ref(&props_arg),
        )?;
        let mut format_args = vec![
            "format".to_string(),
            "-t".to_string(),
            CLUSTER_ID.to_string(),
            "-c".to_string(),
            props_arg,
        ];
        if config.sasl {
            format_args.extend(scram_format_args(users));
        }
        // The storage tool is short-lived: a small heap and no C2 start it fastest.
        let format_opts = JvmOptions {
            heap_mb: 256,
            fast_start: true,
            // Reuse the broker's class-data archive, but never record one from the tool.
            extra: jvm_extra
                .iter()
                .filter(|a| !a.starts_with("-XX:ArchiveClassesAtExit"))
                .cloned()
                .collect(),
        };
        let format_cmd = java_args(
            config.version.distribution(),
            jars,
            &dir,
            &format_opts,
            "kafka.tools.StorageTool",
            &format_args,
        )?;
        specs.push((
            NodeSpec {
                id,
                what: format!("kafka-{} node {id}", config.version.release()),
                log: dir.join("kafka.log"),
                pidfile: dir.join("jvm.pid"),
                args,
                listeners: p
                    .client
                    .iter()
                    .map(|(l, port)| (*l, format!("127.0.0.1:{port}")))
                    .collect(),
            },
            format_cmd,
        ));
    }

    // Formatting is a JVM start per node; run them side by side.
    let results: Vec<Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .map(|(spec, cmd)| {
                s.spawn(move || {
                    run_to_end(
                        &format!("{} storage format", spec.what),
                        "java",
                        cmd,
                        &spec.log,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(crate::error::TestkitError::Io {
                        context: "storage format thread".to_string(),
                        source: std::io::Error::other("panicked"),
                    })
                })
            })
            .collect()
    });
    for r in results {
        r?;
    }
    Ok(specs.into_iter().map(|(spec, _)| spec).collect())
}

/// Settings shared by KRaft and ZooKeeper-mode brokers: small internal topics, no rebalance delay.
pub(crate) fn common_broker_properties(rf: usize, min_isr: usize) -> Vec<(String, String)> {
    [
        ("num.partitions", "1".to_string()),
        ("default.replication.factor", rf.to_string()),
        ("offsets.topic.replication.factor", rf.to_string()),
        ("offsets.topic.num.partitions", "1".to_string()),
        ("transaction.state.log.replication.factor", rf.to_string()),
        ("transaction.state.log.min.isr", min_isr.to_string()),
        ("transaction.state.log.num.partitions", "1".to_string()),
        ("group.initial.rebalance.delay.ms", "0".to_string()),
        ("auto.create.topics.enable", "true".to_string()),
        ("num.network.threads", "2".to_string()),
        ("num.io.threads", "2".to_string()),
        ("num.recovery.threads.per.data.dir", "1".to_string()),
        ("log.cleaner.dedupe.buffer.size", "2097152".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn security_properties(
    config: &KafkaConfig,
    tls: Option<&TlsFiles>,
    users: &[SaslUser],
) -> Vec<(String, String)> {
    let mut props = Vec::new();
    if let Some(tls) = tls {
        props.push(("ssl.keystore.type".into(), "PEM".into()));
        props.push((
            "ssl.keystore.location".into(),
            tls.keystore_pem.display().to_string(),
        ));
        if config.ssl_client_auth {
            props.push(("ssl.client.auth".into(), "required".into()));
            props.push(("ssl.truststore.type".into(), "PEM".into()));
            props.push((
                "ssl.truststore.location".into(),
                tls.ca_pem.display().to_string(),
            ));
        } else {
            props.push(("ssl.client.auth".into(), "none".into()));
        }
    }
    if config.sasl {
        props.extend(listener_properties("sasl_plaintext", users));
        if config.ssl {
            props.extend(listener_properties("sasl_ssl", users));
        }
    }
    props
}
