//! Offline generator for the Kafka protocol messages.
//!
//! Usage: `cargo run -p ferrokafka-codegen -- <spec dir> <output dir>`, e.g.
//! `cargo run -p ferrokafka-codegen -- ../shared/reference/kafka-message-specs pure/src/protocol/messages`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec_dir, out_dir] = args.as_slice() else {
        eprintln!("usage: ferrokafka-codegen <spec dir> <output dir>");
        return ExitCode::from(2);
    };
    let files = match ferrokafka_codegen::generate(&PathBuf::from(spec_dir)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out_dir = PathBuf::from(out_dir);
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
