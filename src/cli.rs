//! The command line: `serve` (the default), `migrate`, `user`, `seed`, `export`, `import`,
//! `import-wordpress`, `openapi`.

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
        #[arg(long, value_name = "N", conflicts_with = "archive")]
        synthetic: Option<usize>,
        /// This many generated archive stories for search benchmarks: Zipf-distributed
        /// words from a 50,000-word vocabulary, 300 to 1,500 words each, over ten years.
        #[arg(long, value_name = "N", conflicts_with = "demo")]
        archive: Option<usize>,
        /// With --synthetic or --archive: write the slugs of the published articles here,
        /// one per line.
        #[arg(long, value_name = "FILE")]
        slugs_out: Option<std::path::PathBuf>,
        /// With --archive: write 1,000 searches of the archive's query mix here, one per
        /// line (one common word, one rare word, two words, a phrase, no hits, in turn).
        #[arg(long, value_name = "FILE", requires = "archive")]
        queries_out: Option<std::path::PathBuf>,
    },
    /// Write the whole site (rows and media files) to one file: a consistent snapshot,
    /// taken while the server keeps serving. See "Back up and restore" in the README.
    Export {
        /// The file to write (`-` for standard output). It is written under a temporary
        /// name and renamed when complete.
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// Include the webhooks' signing secrets (without them, imported webhooks get new
        /// secrets and start switched off).
        #[arg(long)]
        include_secrets: bool,
        /// Leave the media files out (their rows stay in).
        #[arg(long)]
        no_media_files: bool,
        /// Print a JSON summary (the manifest) at the end.
        #[arg(long)]
        json: bool,
    },
    /// Read a file written by `byline export` into an empty database (migrations applied
    /// first): all of it in one transaction, or nothing.
    Import {
        /// The site file (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Read and check everything, then write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print a JSON summary (the manifest) at the end.
        #[arg(long)]
        json: bool,
    },
    /// Import a WordPress export (WXR 1.0 to 1.2, from Tools → Export): authors,
    /// categories, tags and posts, with their old permalinks. Running it again with the same
    /// or a newer export updates what changed and duplicates nothing.
    ImportWordpress {
        /// The export file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Read, convert and check everything, then write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Refuse the whole file, writing nothing, if any post cannot be imported.
        #[arg(long)]
        strict: bool,
        /// Import pages as articles (they are skipped and reported otherwise).
        #[arg(long)]
        pages_as_articles: bool,
        /// A local copy of the old site's `wp-content/uploads`: attachments, featured images
        /// and the pictures in bodies become media items, and bodies show them.
        #[arg(long, value_name = "DIR", conflicts_with = "download_media")]
        uploads: Option<PathBuf>,
        /// Download the attachments and pictures from the old site instead (public
        /// addresses only, unless BYLINE_WEBHOOK_ALLOW_PRIVATE=true).
        #[arg(long)]
        download_media: bool,
        /// Print the report as JSON at the end.
        #[arg(long)]
        json: bool,
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
