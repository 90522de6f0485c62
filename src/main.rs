//! The `byline` binary: parses the command line and settings, then runs.

use std::process::ExitCode;

use byline::cli::{Cli, Command};
use byline::config::Settings;
use byline::{Application, db, openapi, telemetry};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi { output }) = &cli.command {
        let json = openapi::document_json();
        return match output {
            Some(path) => match std::fs::write(path, json) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("cannot write {}: {e}", path.display())),
            },
            None => {
                print!("{json}");
                ExitCode::SUCCESS
            }
        };
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    telemetry::init(&settings.log_filter, settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::Openapi { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("byline: error: {message}");
    ExitCode::FAILURE
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let app = Application::build(settings)?;
        app.run_until_stopped().await?;
        tracing::info!("Byline stopped");
        Ok(())
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let options = db::PoolOptions {
        max_size: Some(1),
        timeout: settings.db_timeout,
    };
    let pool = db::connect(&settings.database_url, &options)?;
    let mut conn = pool.get()?;
    let applied = db::migrate(&mut conn)?;
    println!(
        "applied {applied} migration(s) to {}",
        settings.database_url.redacted()
    );
    Ok(())
}
