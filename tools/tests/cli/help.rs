//! `--help` for the tool and every subcommand: exit 0, every argument named.

use crate::common::run_raw;

const SUBCOMMANDS: &[(&str, &[&str])] = &[
    ("consume_topic", &["<TOPIC>", "--limit", "--outfile"]),
    ("desc_topic", &["<TOPIC>"]),
    ("print_managed_consumer_groups", &["<TOPIC>"]),
    ("print_consumer_lag", &["<TOPIC>", "<CONSUMER_GROUP>"]),
    (
        "print_offsets",
        &["<TOPIC>", "<OFFSET>", "earliest", "latest"],
    ),
    ("print_topics", &["--json"]),
    (
        "reset_offsets",
        &["<TOPIC>", "<CONSUMER_GROUP>", "<OFFSET>"],
    ),
    (
        "create_topic",
        &[
            "--timeout",
            "--num_partitions",
            "--replication_factor",
            "--replica_assignment",
            "--config_entries",
        ],
    ),
    ("delete_topic", &["<TOPIC>", "--timeout"]),
    (
        "produce",
        &[
            "--delimiter",
            "--key-delimiter",
            "--raw",
            "--header",
            "--partition",
            "--compression",
            "--acks",
            "--use-rdkafka",
        ],
    ),
    (
        "consume",
        &[
            "--offset",
            "--group",
            "--partition",
            "--count",
            "--exit",
            "--idle-timeout-ms",
            "--format",
            "--use-rdkafka",
            "%k",
            "%h",
            "%T",
        ],
    ),
];

#[test]
fn top_level_help_lists_every_subcommand_and_global_option() {
    for args in [&["--help"][..], &[][..]] {
        let out = run_raw(args, b"").ok();
        let text = out.text();
        for (name, _) in SUBCOMMANDS {
            assert!(text.contains(name), "{name} missing from help:\n{text}");
        }
        for opt in [
            "-b, --broker",
            "-o, --broker_version",
            "--json",
            "--config",
            "--ssl-cafile",
            "--ssl-certfile",
            "--ssl-keyfile",
            "--ssl-password",
            "--sasl-mechanism",
            "--sasl-username",
            "--sasl-password",
        ] {
            assert!(text.contains(opt), "{opt} missing from help:\n{text}");
        }
    }
}

#[test]
fn every_subcommand_has_complete_help() {
    for (name, needles) in SUBCOMMANDS {
        let text = run_raw(&[name, "--help"], b"").ok().text();
        assert!(
            text.contains(&format!("Usage: kafka-tools {name}")),
            "{text}"
        );
        for n in *needles {
            assert!(
                text.contains(n),
                "{n} missing from `{name} --help`:\n{text}"
            );
        }
        assert!(
            text.contains("--broker"),
            "connection options in `{name} --help`"
        );
    }
}
