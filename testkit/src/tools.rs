//! Kafka's Java command-line tools (perf tests, admin commands) from the `kafka-tools` jars,
//! fetched only when first asked for.

use std::path::PathBuf;
use std::process::Command;

use crate::error::{IoContext, Result};
use crate::maven::{cache_dir, classpath, ensure_jars, require_tool, Distribution};

/// Tools log warnings only, to stderr, so their stdout stays parseable.
const TOOLS_LOG4J2: &str = "status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
";

/// A `java` command running `main_class` of Kafka 4.1.1's tools, e.g.
/// `org.apache.kafka.tools.ProducerPerformance`; add the tool's arguments and run it.
pub fn kafka_tool_command(main_class: &str) -> Result<Command> {
    require_tool("java", "openjdk-17-jre-headless")?;
    let jars = ensure_jars(Distribution::KafkaTools)?;
    let cfg: PathBuf = cache_dir().join("tools-log4j2.properties");
    std::fs::write(&cfg, TOOLS_LOG4J2).ctx(|| format!("writing {}", cfg.display()))?;
    let mut cmd = Command::new("java");
    cmd.arg("-Xmx512m")
        .arg(format!("-Dlog4j2.configurationFile={}", cfg.display()))
        .arg("-cp")
        .arg(classpath(&jars))
        .arg(main_class);
    Ok(cmd)
}
