//! Offline generator for the Kafka protocol messages.
//!
//! Usage: `cargo run -p ferrokafka-codegen` regenerates `pure/src/protocol/messages` from the vendored specs in
//! `pure/codegen/specs`; `cargo run -p ferrokafka-codegen -- <spec dir> <output dir>` reads and writes elsewhere
//! (e.g. a newer Kafka checkout's `clients/src/main/resources/common/message`, before vendoring it).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (spec_dir, out_dir) = match args.as_slice() {
        [] => (
            ferrokafka_codegen::vendored_spec_dir(),
            ferrokafka_codegen::messages_dir(),
        ),
        [spec_dir, out_dir] => (PathBuf::from(spec_dir), PathBuf::from(out_dir)),
        _ => {
            eprintln!("usage: ferrokafka-codegen [<spec dir> <output dir>]");
            return ExitCode::from(2);
        }
    };
    let files = match ferrokafka_codegen::generate(&spec_dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        eprintln!("error: {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }
    for (name, src) in &files {
        let path = out_dir.join(name);
        if let Err(e) = std::fs::write(&path, src) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("wrote {} files to {}", files.len(), out_dir.display());
    ExitCode::SUCCESS
}
