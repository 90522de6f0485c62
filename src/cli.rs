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
    /// Manage staff accounts.
    User {
        /// What to do.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load content into the database.
    Seed {
        /// A few sample authors, categories and articles (once; later runs change nothing).
        #[arg(long, conflicts_with = "synthetic")]
        demo: bool,
        /// This many generated articles (with 200 authors and 20 categories), for benchmarks.
        #[arg(long, value_name = "N")]
        synthetic: Option<usize>,
        /// With --synthetic: write the slugs of the published articles here, one per line.
        #[arg(long, value_name = "FILE", requires = "synthetic")]
        slugs_out: Option<std::path::PathBuf>,
    },
    /// Print the OpenAPI document.
    Openapi {
        /// Write it to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// `byline user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from a prompt, or from standard input when it is
    /// not a terminal (never from the command line, where other users could see it).
    Create {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Role: author, editor or admin.
        #[arg(long, value_parser = ["author", "editor", "admin"], default_value = "admin")]
        role: String,
        /// Name shown to other staff.
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
}
