//! Regenerates the messages from the vendored specs (`pure/codegen/specs`) and fails if the checked-in files
//! differ. The specs are part of the repository, so a missing or incomplete spec directory is a failure, never a
//! skip: CI always checks the generated code.

use std::collections::BTreeSet;

use ferrokafka_codegen::{generate, messages_dir, spec_names, vendored_spec_dir};

#[test]
fn generated_messages_match_the_vendored_specs() {
    let spec_dir = vendored_spec_dir();
    assert!(
        spec_dir.is_dir(),
        "the vendored Kafka specs are missing: no directory {} (see pure/codegen/specs/PROVENANCE.md to restore it)",
        spec_dir.display()
    );
    let files = generate(&spec_dir).unwrap_or_else(|e| panic!("generation failed: {e}"));
    let messages = messages_dir();
    let mut problems = Vec::new();
    for (name, src) in &files {
        let path = messages.join(name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *src => {}
            Ok(_) => problems.push(format!("{name}: differs from the generator's output")),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    let entries =
        std::fs::read_dir(&messages).unwrap_or_else(|e| panic!("{}: {e}", messages.display()));
    for entry in entries {
        let name = entry
            .unwrap_or_else(|e| panic!("{}: {e}", messages.display()))
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !files.iter().any(|(n, _)| *n == name) {
            problems.push(format!("{name}: checked in but not generated"));
        }
    }
    assert!(
        problems.is_empty(),
        "generated code drifted; rerun `cargo run -p ferrokafka-codegen`:\n  {}",
        problems.join("\n  ")
    );
    assert_eq!(
        files.len(),
        spec_names().len() + 1,
        "one file per spec, plus mod.rs"
    );
}

/// `specs/` holds exactly the files the generator reads, plus its provenance note: nothing unused is vendored.
#[test]
fn vendored_specs_are_exactly_the_generator_inputs() {
    let spec_dir = vendored_spec_dir();
    let present: BTreeSet<String> = std::fs::read_dir(&spec_dir)
        .unwrap_or_else(|e| {
            panic!(
                "the vendored Kafka specs are missing: {}: {e}",
                spec_dir.display()
            )
        })
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", spec_dir.display()))
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut wanted: BTreeSet<String> = spec_names().iter().map(|n| format!("{n}.json")).collect();
    wanted.insert("PROVENANCE.md".to_string());
    let missing: Vec<_> = wanted.difference(&present).collect();
    let unused: Vec<_> = present.difference(&wanted).collect();
    assert!(
        missing.is_empty() && unused.is_empty(),
        "pure/codegen/specs: missing {missing:?}, not read by the generator {unused:?}"
    );
}
