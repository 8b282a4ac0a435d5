//! Failures: exit status and one clear line on stderr. Also TLS and SASL options, and --config files.

use std::net::TcpListener;

use ferrokafka_testkit::{unique_name, Listener};

use crate::common::{kafka, run, run_in, run_raw, topic};

#[test]
fn unknown_topic_is_one_line_and_never_auto_created() {
    let missing = unique_name("cli-missing");
    for args in [
        vec!["desc_topic", missing.as_str()],
        vec!["print_offsets", missing.as_str(), "latest"],
        vec!["print_consumer_lag", missing.as_str(), "g"],
        vec!["reset_offsets", missing.as_str(), "g", "earliest"],
        vec!["print_managed_consumer_groups", missing.as_str()],
        vec!["consume", missing.as_str(), "-e"],
        vec!["consume_topic", missing.as_str()],
    ] {
        run(&args).fails(1, &format!("topic \"{missing}\" does not exist"));
    }
    run_in(&["produce", &missing], b"x\n").fails(1, "does not exist");
    let json = run(&["print_topics", "--json"]).ok().json();
    assert!(!json.to_string().contains(&missing), "auto-created: {json}");
}

#[test]
fn unknown_group_and_partition() {
    let name = topic("cli-err", 1);
    run(&["print_consumer_lag", &name, &unique_name("nobody")]).fails(1, "does not exist");
    run_in(&["produce", &name, "-p", "5"], b"x\n").fails(2, "no partition 5");
    run(&["consume", &name, "-p", "3"]).fails(2, "no partition 3");
}

#[test]
fn broker_down_is_one_line() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let out = run_raw(&["-b", &addr, "print_topics"], b"").fails(1, "no brokers available");
    assert!(
        out.stderr.contains(&addr),
        "names the broker: {}",
        out.stderr
    );
    // The cause chain follows, each cause once.
    assert_eq!(
        out.stderr.matches("Connection refused").count(),
        1,
        "{}",
        out.stderr
    );
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    let name = topic("cli-badarg", 1);
    run(&["print_offsets", &name, "yesterday"]).fails(2, "OFFSET \"yesterday\"");
    run(&["consume", &name, "--frobnicate"]).fails(2, "--frobnicate");
    run(&["consume", &name, "-o", "soon"]).fails(2, "-o/--offset");
    run(&["consume", &name, "-f", "%q"]).fails(2, "%q");
    run_in(&["produce", &name, "-z", "brotli"], b"x").fails(2, "brotli");
    run_in(&["produce", &name, "--acks", "2"], b"x").fails(2, "--acks");
    run_in(&["produce", &name, "-H", "novalue"], b"x").fails(2, "name=value");
    run(&["create_topic"]).fails(2, "TOPIC");
    run(&[
        "print_topics",
        "--sasl-mechanism",
        "GSSAPI",
        "--sasl-username",
        "u",
        "--sasl-password",
        "p",
    ])
    .fails(2, "GSSAPI");
    run_raw(&["-b", "nocolon", "print_topics"], b"").fails(2, "host:port");
}

fn sasl_user() -> (String, String) {
    let u = &kafka().sasl_users()[0];
    (u.username.clone(), u.password.clone())
}

#[test]
fn sasl_right_and_wrong_password() {
    let addr = kafka()
        .listener_bootstrap(Listener::SaslPlaintext)
        .expect("SASL listener");
    let (user, password) = sasl_user();
    let name = topic("cli-sasl", 1);
    for mech in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let login = |pw: &str| {
            let args = [
                "-b",
                addr,
                "--sasl-mechanism",
                mech,
                "--sasl-username",
                &user,
                "--sasl-password",
                pw,
            ];
            args.map(str::to_string).to_vec()
        };
        describes(&login(&password), &name);
        let args: Vec<String> = login("wrong")
            .into_iter()
            .chain(["print_topics".to_string()])
            .collect();
        run_raw(&args.iter().map(String::as_str).collect::<Vec<_>>(), b"")
            .fails(1, "authentication failed");
    }
}

/// `desc_topic name` with these connection options works.
fn describes(connection: &[String], name: &str) {
    let mut args: Vec<&str> = connection.iter().map(String::as_str).collect();
    args.extend(["desc_topic", name]);
    let out = run_raw(&args, b"").ok();
    assert!(
        out.text().starts_with(&format!("Topic: {name}")),
        "{args:?}: {}",
        out.text()
    );
}

#[test]
fn tls_and_sasl_ssl_from_a_config_file_with_librdkafka_names() {
    let ca = kafka().ca_pem().expect("CA").display().to_string();
    let (user, password) = sasl_user();
    let name = topic("cli-tls", 1);
    let dir = std::env::temp_dir();
    let file = dir.join(unique_name("kafka-tools-config"));
    let ssl_addr = kafka()
        .listener_bootstrap(Listener::Ssl)
        .expect("SSL listener");
    // TLS alone, on the command line.
    let out = run_raw(
        &[
            "-b",
            ssl_addr,
            "--ssl-cafile",
            &ca,
            "print_topics",
            "--json",
        ],
        b"",
    )
    .ok();
    assert!(out.text().contains(&name));
    // SASL_SSL from a file; the command line adds nothing but the subcommand.
    let sasl_ssl = kafka()
        .listener_bootstrap(Listener::SaslSsl)
        .expect("SASL_SSL listener");
    std::fs::write(
        &file,
        format!(
            "# kafka-tools settings\nbootstrap.servers={sasl_ssl}\nsecurity.protocol=SASL_SSL\nssl.ca.location={ca}\n\
             sasl.mechanisms=SCRAM-SHA-512\nsasl.username={user}\nsasl.password={password}\n"
        ),
    )
    .unwrap();
    let path = file.display().to_string();
    describes(&["--config".to_string(), path.clone()], &name);
    // The command line wins over the file: a wrong password from the CLI fails authentication.
    run_raw(
        &[
            "--config",
            &path,
            "--sasl-password",
            "wrong",
            "print_topics",
        ],
        b"",
    )
    .fails(1, "authentication failed");
    // A CA file that holds no certificate is a bad option, named.
    std::fs::write(&file, "not a certificate\n").unwrap();
    run_raw(
        &["-b", ssl_addr, "--ssl-cafile", &path, "print_topics"],
        b"",
    )
    .fails(2, "no PEM certificate");
    std::fs::write(&file, "bootstrap.servers=x:1\nnot.a.setting=1\n").unwrap();
    run_raw(&["--config", &path, "print_topics"], b"").fails(2, "line 2");
    std::fs::write(&file, "security.protocol=ssl\n").unwrap();
    run_raw(&["--config", &path, "print_topics"], b"").fails(2, "CA file");
    let _ = std::fs::remove_file(&file);
}

/// In a `pure-only` build (`--no-default-features --features pure-only`), `--use-rdkafka` says how to get it.
#[cfg(not(feature = "native"))]
#[test]
fn use_rdkafka_without_the_native_feature_says_how_to_get_it() {
    let name = topic("cli-pure-only", 1);
    run_in(&["produce", &name, "--use-rdkafka"], b"x\n").fails(2, "`native` feature");
    run(&["consume", &name, "-e", "--use-rdkafka"]).fails(2, "`native` feature");
}
