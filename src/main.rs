//! The `handoff` binary.

fn main() {
    std::process::exit(handoff::cli::main());
}
