//! The `java` command lines for brokers, controllers, ZooKeeper and tools.

use std::path::Path;

use crate::error::{IoContext, Result};
use crate::maven::{classpath, Distribution};

/// Log4j2 config for Kafka 4.x: INFO to stdout, which the testkit sends to the node's log file.
const LOG4J2: &str = "status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
";

/// How a JVM should be sized and tuned.
#[derive(Debug, Clone)]
pub(crate) struct JvmOptions {
    pub heap_mb: u32,
    /// C1-only JIT: roughly halves broker start time; not for throughput measurements.
    pub fast_start: bool,
    /// More JVM flags, e.g. the class-data archive (see `cds.rs`).
    pub extra: Vec<String>,
}

/// `java` arguments to run `main` from `dist`'s jars; `dir` receives the logging config.
pub(crate) fn java_args(
    dist: Distribution,
    jars: &Path,
    dir: &Path,
    opts: &JvmOptions,
    main: &str,
    main_args: &[String],
) -> Result<Vec<String>> {
    let mut args = vec![
        format!("-Xms{}m", (opts.heap_mb / 2).max(64)),
        format!("-Xmx{}m", opts.heap_mb),
        "-XX:+UseSerialGC".to_string(),
        "-XX:+ExitOnOutOfMemoryError".to_string(),
        "-Djava.awt.headless=true".to_string(),
        "-Djava.net.preferIPv4Stack=true".to_string(),
        format!("-Dkafka.logs.dir={}", dir.join("logs").display()),
    ];
    if opts.fast_start {
        args.push("-XX:TieredStopAtLevel=1".to_string());
        args.push("-Xshare:auto".to_string());
    }
    args.extend(opts.extra.iter().cloned());
    match dist {
        Distribution::Kafka4 | Distribution::KafkaTools => {
            let cfg = dir.join("log4j2.properties");
            std::fs::write(&cfg, LOG4J2).ctx(|| format!("writing {}", cfg.display()))?;
            args.push(format!("-Dlog4j2.configurationFile={}", cfg.display()));
        }
        // slf4j-simple: INFO and above to stderr.
        Distribution::Kafka39
        | Distribution::Kafka28
        | Distribution::Kafka11
        | Distribution::ZooKeeper => {
            args.push("-Dorg.slf4j.simpleLogger.showDateTime=true".to_string());
            args.push("-Dzookeeper.admin.enableServer=false".to_string());
        }
    }
    args.push("-cp".to_string());
    args.push(classpath(jars));
    args.push(main.to_string());
    args.extend(main_args.iter().cloned());
    Ok(args)
}

/// Writes a Java `.properties` file (keys and values escaped as Java expects).
pub(crate) fn write_properties(path: &Path, props: &[(String, String)]) -> Result<()> {
    let mut text = String::from("# written by ferrokafka-testkit\n");
    for (k, v) in props {
        text.push_str(&escape(k, true));
        text.push('=');
        text.push_str(&escape(v, false));
        text.push('\n');
    }
    std::fs::write(path, text).ctx(|| format!("writing {}", path.display()))
}

fn escape(s: &str, key: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '=' | ':' | ' ' if key => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}
