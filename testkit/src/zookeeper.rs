//! A standalone ZooKeeper server, and the Kafka 3.9 broker that runs in ZooKeeper mode on it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::{KafkaConfig, Listener};
use crate::error::{IoContext, Result, TestkitError};
use crate::jvm::{java_args, write_properties, JvmOptions};
use crate::kraft::common_broker_properties;
use crate::maven::{ensure_jars, Distribution};
use crate::node::NodeSpec;
use crate::ports::free_port;
use crate::process::Supervised;

/// A running ZooKeeper 3.8 server on a loopback port; stopped on drop.
#[derive(Debug)]
pub struct ZooKeeper {
    connect: String,
    log: PathBuf,
    process: Supervised,
}

impl ZooKeeper {
    /// Starts ZooKeeper with its data and log in `dir`, and waits until it serves requests.
    pub fn start(dir: &Path, timeout: Duration) -> Result<ZooKeeper> {
        let jars = ensure_jars(Distribution::ZooKeeper)?;
        std::fs::create_dir_all(dir.join("data")).ctx(|| format!("creating {}", dir.display()))?;
        let port = free_port()?;
        let cfg = dir.join("zoo.cfg");
        let text = format!(
            "tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={port}\n\
             clientPortAddress=127.0.0.1\nmaxClientCnxns=0\nadmin.enableServer=false\n\
             4lw.commands.whitelist=ruok,stat,srvr\n",
            dir.join("data").display()
        );
        std::fs::write(&cfg, text).ctx(|| format!("writing {}", cfg.display()))?;
        let opts = JvmOptions {
            heap_mb: 128,
            fast_start: true,
        };
        let args = java_args(
            Distribution::ZooKeeper,
            &jars,
            dir,
            opts,
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            &[cfg.display().to_string()],
        )?;
        let log = dir.join("zookeeper.log");
        let mut process =
            Supervised::spawn("zookeeper-3.8.4", "java", &args, &log, &dir.join("jvm.pid"))?;
        let connect = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + timeout;
        loop {
            if !process.is_running() {
                return Err(process.failure("ZooKeeper exited during startup"));
            }
            if serving(&connect) {
                break;
            }
            if Instant::now() > deadline {
                return Err(process.failure("ZooKeeper was not serving before the timeout"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(ZooKeeper {
            connect,
            log,
            process,
        })
    }

    /// `host:port` for `zookeeper.connect` or a ZooKeeper client.
    pub fn connect(&self) -> &str {
        &self.connect
    }

    /// The server's stdout/stderr log.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The JVM's process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}

/// ZooKeeper's `srvr` four-letter command: unlike `ruok`, it tells whether the server really serves.
fn serving(addr: &str) -> bool {
    let Ok(sock) = addr.parse() else {
        return false;
    };
    let Ok(mut s) = TcpStream::connect_timeout(&sock, Duration::from_secs(1)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"srvr").is_err() {
        return false;
    }
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply.starts_with("Zookeeper version")
}

/// Writes the `server.properties` of ZooKeeper-mode broker(s) on `zk_connect`.
pub(crate) fn prepare_brokers(
    config: &KafkaConfig,
    root: &Path,
    jars: &Path,
    zk_connect: &str,
) -> Result<Vec<NodeSpec>> {
    if config.ssl || config.sasl {
        return Err(TestkitError::Config(
            "SSL/SASL listeners are only offered in KRaft mode".to_string(),
        ));
    }
    let n = config.nodes.max(1);
    let rf = n.min(3);
    let min_isr = if rf >= 3 { 2 } else { 1 };
    let opts = JvmOptions {
        heap_mb: config.heap(),
        fast_start: config.fast_start,
    };
    let mut specs = Vec::with_capacity(n);
    for i in 0..n {
        let id = (i + 1) as i32;
        let dir = root.join(format!("node{id}"));
        std::fs::create_dir_all(dir.join("logs")).ctx(|| format!("creating {}", dir.display()))?;
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let mut props: Vec<(String, String)> = vec![
            ("broker.id".into(), id.to_string()),
            ("zookeeper.connect".into(), zk_connect.to_string()),
            ("zookeeper.connection.timeout.ms".into(), "30000".into()),
            ("listeners".into(), format!("PLAINTEXT://{addr}")),
            ("advertised.listeners".into(), format!("PLAINTEXT://{addr}")),
            ("log.dirs".into(), dir.join("data").display().to_string()),
        ];
        props.extend(common_broker_properties(rf, min_isr));
        props.extend(config.properties.iter().cloned());
        let props_path = dir.join("server.properties");
        write_properties(&props_path, &props)?;
        let args = java_args(
            config.version.distribution(),
            jars,
            &dir,
            opts,
            "kafka.Kafka",
            &[props_path.display().to_string()],
        )?;
        specs.push(NodeSpec {
            id,
            what: format!(
                "kafka-{} (zookeeper mode) broker {id}",
                config.version.release()
            ),
            log: dir.join("kafka.log"),
            pidfile: dir.join("jvm.pid"),
            args,
            listeners: vec![(Listener::Plaintext, addr)],
        });
    }
    Ok(specs)
}
