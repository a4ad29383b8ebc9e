//! `handoff scan --all-files`: a whole-repository scan whose findings are
//! written as they are found (see [`crate::scan::AllFilesScan`]).

use super::{FailOn, ScanArgs, text_style};
use crate::report::ReportStream;
use crate::rules::Severity;
use crate::scan::AllFilesScan;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufWriter, ErrorKind, Write};

/// Run a whole-repository scan; returns the exit code. `--fail-on` counts
/// every finding: in an audit they are all `existing`.
pub(super) fn run(args: &ScanArgs) -> Result<i32> {
    let scan = AllFilesScan::prepare(&args.revisions.options(true))?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut stream =
        ReportStream::new(out, args.format, text_style(args), scan.base(), scan.head());
    let (report, config) = scan.run(&mut |finding| stream.finding(finding))?;
    let threshold = match args.fail_on {
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Never => None,
    };
    let reached = threshold.is_some_and(|t| stream.worst_severity().is_some_and(|w| w >= t));
    match stream.finish(report) {
        // A closed pipe (`handoff scan --all-files | head`) is not an error.
        Err(error) if error.kind() == ErrorKind::BrokenPipe => {}
        other => other.with_context(|| match &args.output {
            Some(path) => format!("cannot write {}", path.display()),
            None => "cannot write to standard output".to_string(),
        })?,
    }
    std::mem::forget(config);
    Ok(i32::from(reached))
}
