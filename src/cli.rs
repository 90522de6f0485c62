//! The command line: `serve` (the default), `migrate`, `openapi`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Byline, a headless CMS JSON API. Settings come from byline.toml and the environment
/// (see the README); DATABASE_URL picks the database.
#[derive(Debug, Parser)]
#[command(name = "byline", version, about)]
pub struct Cli {
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi {
        /// Write it to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}
