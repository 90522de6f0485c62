//! Progress of a long command on standard error: a line redrawn in place on a terminal
//! (count, rate, time left), a plain line every few seconds otherwise, and a line per
//! finished step either way.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Reports one step at a time.
pub struct Progress {
    terminal: bool,
    quiet: bool,
    step: String,
    total: u64,
    done: u64,
    started: Instant,
    shown: Instant,
}

impl Progress {
    /// Progress on standard error; `quiet` keeps only the final lines of each step.
    pub fn new(quiet: bool) -> Self {
        let now = Instant::now();
        Self {
            terminal: std::io::stderr().is_terminal(),
            quiet,
            step: String::new(),
            total: 0,
            done: 0,
            started: now,
            shown: now,
        }
    }

    /// Starts a step of `total` items (0 when unknown).
    pub fn start(&mut self, step: &str, total: u64) {
        self.step = step.to_owned();
        self.total = total;
        self.done = 0;
        self.started = Instant::now();
        self.shown = self.started;
    }

    /// Counts `n` more items done.
    pub fn add(&mut self, n: u64) {
        self.done += n;
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        if !self.quiet && self.shown.elapsed() >= every {
            self.shown = Instant::now();
            let line = self.line();
            let mut err = std::io::stderr().lock();
            let _ = if self.terminal {
                write!(err, "\r\x1b[2K{line}")
            } else {
                writeln!(err, "{line}")
            };
        }
    }

    /// Ends the step with its count and rate.
    pub fn finish(&mut self) {
        let secs = self.started.elapsed().as_secs_f64();
        let clear = if self.terminal && !self.quiet {
            "\r\x1b[2K"
        } else {
            ""
        };
        eprintln!(
            "{clear}{}: {} in {secs:.1} s ({:.0}/s)",
            self.step,
            self.done,
            rate(self.done, secs)
        );
    }

    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        let per_second = rate(self.done, secs);
        if self.total == 0 {
            return format!("{}: {} ({per_second:.0}/s)", self.step, self.done);
        }
        let left = self.total.saturating_sub(self.done);
        let eta = if per_second > 0.0 {
            format!("{:.0} s left", left as f64 / per_second)
        } else {
            "time left unknown".to_owned()
        };
        format!(
            "{}: {}/{} ({:.0} %, {per_second:.0}/s, {eta})",
            self.step,
            self.done,
            self.total,
            100.0 * self.done as f64 / self.total as f64
        )
    }
}

fn rate(done: u64, secs: f64) -> f64 {
    if secs > 0.0 { done as f64 / secs } else { 0.0 }
}
