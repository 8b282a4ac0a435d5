//! Regenerates the messages from Kafka's specs and fails if the checked-in files differ.
//!
//! The specs live outside the repository (`../shared/reference/kafka-message-specs` from the repository root,
//! cloned beside it in CI); without them the test is skipped, saying so.

use std::path::Path;

const SPEC_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/kafka-message-specs"
);
const MESSAGES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/protocol/messages");

#[test]
fn generated_messages_match_the_specs() {
    let spec_dir = Path::new(SPEC_DIR);
    if !spec_dir.is_dir() {
        eprintln!("drift test skipped: no spec directory at {SPEC_DIR}");
        return;
    }
    let files = ferrokafka_codegen::generate(spec_dir).expect("generation failed");
    let mut problems = Vec::new();
    for (name, src) in &files {
        let path = Path::new(MESSAGES_DIR).join(name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *src => {}
            Ok(_) => problems.push(format!("{name}: differs from the generator's output")),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    for entry in std::fs::read_dir(MESSAGES_DIR).expect("messages dir") {
        let name = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !files.iter().any(|(n, _)| *n == name) {
            problems.push(format!("{name}: checked in but not generated"));
        }
    }
    assert!(
        problems.is_empty(),
        "generated code drifted; rerun `cargo run -p ferrokafka-codegen -- ../shared/reference/kafka-message-specs \
         pure/src/protocol/messages`:\n  {}",
        problems.join("\n  ")
    );
    println!("{} generated files match", files.len());
}
