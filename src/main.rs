//! The `byline` binary: parses the command line and settings, then runs.

use std::process::ExitCode;

use byline::cli::{Cli, Command, UserCommand};
use byline::config::Settings;
use byline::{Application, db, openapi, telemetry};
use clap::Parser;

/// jemalloc, on Linux with glibc: it returns the pages it no longer uses to the system from a
/// background thread (its options are in `.cargo/config.toml`), so what renders, searches
/// and the cache free stops counting against the server. glibc keeps most of what its heaps
/// once held (`bench/RESULTS.md`, memory).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    let log = telemetry::init(&settings.log_filter, settings.log_format);
    // Events written from the command line (the seed) show what a public `GET` shows.
    byline::outbox::present::install(std::sync::Arc::new(byline::http::wire::present::Public));
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let result = run(settings, cli.command.unwrap_or(Command::Serve));
    // The queued log lines go out before anything printed below.
    drop(log);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

/// Runs a command other than `openapi`.
fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::User { command } => user(&settings, command),
        Command::Seed {
            demo,
            synthetic,
            archive,
            slugs_out,
            queries_out,
        } => {
            let generated = match (synthetic, archive) {
                (Some(n), _) => Some((n, byline::seed::Style::News)),
                // `--archive 0 --queries-out FILE` writes the query mix alone.
                (None, Some(0)) => None,
                (None, Some(n)) => Some((n, byline::seed::Style::Archive)),
                (None, None) => None,
            };
            if generated.is_none() && !demo && queries_out.is_some() {
                queries(queries_out.as_deref())
            } else {
                seed(&settings, demo, generated, slugs_out.as_deref())
                    .and_then(|()| queries(queries_out.as_deref()))
            }
        }
        Command::Export {
            out,
            include_secrets,
            no_media_files,
            json,
        } => {
            let options = byline::backup::ExportOptions {
                include_secrets,
                media_files: !no_media_files,
            };
            export(&settings, &out, options, json)
        }
        Command::Import {
            file,
            dry_run,
            json,
        } => import(
            &settings,
            &file,
            byline::backup::ImportOptions { dry_run },
            json,
        ),
        Command::ImportWordpress {
            file,
            dry_run,
            strict,
            pages_as_articles,
            uploads,
            download_media,
            json,
        } => {
            use byline::wordpress::media::Source;
            let media = match (uploads, download_media) {
                (Some(dir), _) => Source::Uploads(dir),
                (None, true) => Source::Download {
                    allow_private: settings.events.allow_private,
                },
                (None, false) => Source::Keep,
            };
            let options = byline::wordpress::service::Options {
                dry_run,
                strict,
                pages_as_articles,
                media,
                locale: settings.default_locale.clone(),
            };
            import_wordpress(&settings, &file, options, json)
        }
        Command::Openapi { .. } => Ok(()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("byline: error: {message}");
    ExitCode::FAILURE
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = actix_web::rt::System::new();
    let result = runtime.block_on(async move {
        let app = Application::build(settings)?;
        app.run_until_stopped().await?;
        tracing::info!("Byline stopped");
        Ok(())
    });
    // Dropping the runtime would wait for every blocking task it ever started, however long;
    // once the server has stopped, the process ends now and takes them with it.
    std::mem::forget(runtime);
    result
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = one_connection(settings)?;
    let applied = db::migrate(&mut conn, &settings.default_locale)?;
    println!(
        "applied {applied} migration(s) to {}",
        settings.database_url.redacted()
    );
    Ok(())
}

fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create {
        email,
        role,
        display_name,
    } = command;
    let role = byline::domain::Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role"))?;
    let password = read_password()?;
    let mut conn = one_connection(settings)?;
    db::migrate(&mut conn, &settings.default_locale)?;
    let id = byline::users::bootstrap::create_from_cli(
        &mut conn,
        &email,
        &password,
        &display_name,
        role,
    )?;
    println!("created {} user {email} ({id})", role.as_str());
    Ok(())
}

/// A connection (migrated first when asked), and the tools of a site file's commands.
fn site_task(
    settings: &Settings,
    json: bool,
    migrate: bool,
) -> anyhow::Result<(db::PooledConnection, byline::backup::Tools)> {
    let mut conn = one_connection(settings)?;
    if migrate {
        db::migrate(&mut conn, &settings.default_locale)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (store, _scratch) = byline::media::store::open(&settings.media, &settings.data_dir)?;
    let progress = byline::backup::progress::Progress::new(json);
    let tools = byline::backup::Tools {
        store,
        runtime,
        progress,
    };
    Ok((conn, tools))
}

fn export(
    settings: &Settings,
    out: &std::path::Path,
    options: byline::backup::ExportOptions,
    json: bool,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (mut conn, mut tools) = site_task(settings, json, false)?;
    let mut write =
        |to: &mut dyn std::io::Write| byline::backup::export(&mut conn, &mut tools, to, options);
    let to_stdout = out.as_os_str() == "-";
    let manifest = if to_stdout {
        write(&mut std::io::stdout().lock())?
    } else {
        // Written beside its final name and renamed when whole: a failed export leaves no
        // file that looks complete. It holds password hashes: readable by its owner only.
        let partial = out.with_extension("partial");
        let mut file = private_file(&partial)?;
        let written = write(&mut file).and_then(|m| {
            file.sync_all()?;
            std::fs::rename(&partial, out)?;
            Ok(m)
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written?
    };
    report("exported", &manifest, started, json && !to_stdout)
}

fn import(
    settings: &Settings,
    file: &std::path::Path,
    options: byline::backup::ImportOptions,
    json: bool,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (mut conn, mut tools) = site_task(settings, json, true)?;
    let mut read =
        |from: &mut dyn std::io::Read| byline::backup::import(&mut conn, &mut tools, from, options);
    let manifest = if file.as_os_str() == "-" {
        read(&mut std::io::stdin().lock())?
    } else {
        let mut input = std::fs::File::open(file)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
        read(&mut input)?
    };
    let verb = if options.dry_run {
        "checked (dry run, nothing written)"
    } else {
        "imported"
    };
    report(verb, &manifest, started, json)
}

fn import_wordpress(
    settings: &Settings,
    file: &std::path::Path,
    options: byline::wordpress::service::Options,
    json: bool,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut conn = one_connection(settings)?;
    db::migrate(&mut conn, &settings.default_locale)?;
    let mut progress = byline::backup::progress::Progress::new(json);
    // The scratch folder lives as long as the import.
    let mut scratch = None;
    let tools = match options.media {
        byline::wordpress::media::Source::Keep => None,
        _ => {
            let (store, folder) = byline::media::store::open(&settings.media, &settings.data_dir)?;
            let tools = byline::wordpress::media::Tools {
                store,
                runtime: tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?,
                scratch: folder.dir.clone(),
                max_bytes: settings.media.max_bytes,
                render_budget: settings.media.render_budget,
            };
            scratch = Some(folder);
            Some(tools)
        }
    };
    let report =
        byline::wordpress::service::import(&mut conn, file, options.clone(), tools, &mut progress)?;
    drop(scratch);
    let secs = started.elapsed().as_secs_f64();
    if json {
        let mut summary = serde_json::to_value(&report)?;
        summary["dry_run"] = serde_json::json!(options.dry_run);
        summary["seconds"] = serde_json::json!((secs * 10.0).round() / 10.0);
        println!("{summary}");
    } else {
        for item in report.failed.iter() {
            eprintln!(
                "not imported: {} {} {:?}: {}",
                item.kind, item.wordpress_id, item.title, item.reason
            );
        }
        let verb = if options.dry_run {
            "would import"
        } else {
            "imported"
        };
        eprintln!(
            "{verb} from {} (WXR {}) in {secs:.1} s: {} articles new, {} updated, {} unchanged; \
             {} authors, {} categories and {} tags new; {} attachments, {} media items new; \
             {} items skipped, {} failed, {} sticky",
            report.site,
            report.wxr_version,
            report.articles_created,
            report.articles_updated,
            report.articles_unchanged,
            report.authors_created,
            report.categories_created,
            report.tags_created,
            report.attachments,
            report.media_created,
            report.skipped.len(),
            report.failed.len(),
            report.sticky.len()
        );
    }
    Ok(())
}

/// A new file only its owner may read.
fn private_file(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    open.open(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// The closing summary: a line per kind on standard error, or the manifest as JSON.
fn report(
    verb: &str,
    manifest: &byline::backup::Manifest,
    started: std::time::Instant,
    json: bool,
) -> anyhow::Result<()> {
    let secs = started.elapsed().as_secs_f64();
    if json {
        let mut summary = serde_json::to_value(manifest)?;
        summary["seconds"] = serde_json::json!((secs * 10.0).round() / 10.0);
        println!("{summary}");
        return Ok(());
    }
    let rows: u64 = manifest.members.iter().map(|m| m.rows).sum();
    let files = manifest.media_files.as_ref().map_or(0, |f| f.count);
    eprintln!("{verb} {rows} rows and {files} media files in {secs:.1} s");
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        anyhow::ensure!(first == second, "the passwords differ");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Writes the archive's query mix to `path`, when given.
fn queries(path: Option<&std::path::Path>) -> anyhow::Result<()> {
    if let Some(path) = path {
        let mut text = byline::seed::archive_queries(1_000).join("\n");
        text.push('\n');
        std::fs::write(path, text)?;
    }
    Ok(())
}

fn seed(
    settings: &Settings,
    demo: bool,
    generated: Option<(usize, byline::seed::Style)>,
    slugs_out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        demo || generated.is_some(),
        "say what to load: `byline seed --demo`, `--synthetic N` or `--archive N`"
    );
    anyhow::ensure!(
        slugs_out.is_none() || generated.is_some(),
        "--slugs-out goes with --synthetic or --archive"
    );
    if let Some((n, style)) = generated {
        // A connection per core to write with, and one to set up and read.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = pool_of(settings, u32::try_from(cores + 1).unwrap_or(3))?;
        db::migrate(&mut *pool.get()?, &settings.default_locale)?;
        let started = std::time::Instant::now();
        let made = byline::seed::synthetic(&pool, n, style)?;
        if let Some(path) = slugs_out {
            let mut text = made.published_slugs.join("\n");
            text.push('\n');
            std::fs::write(path, text)?;
        }
        println!(
            "loaded {} synthetic articles ({} published) in {:.1} s",
            made.articles,
            made.published_slugs.len(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let mut conn = one_connection(settings)?;
    db::migrate(&mut conn, &settings.default_locale)?;
    match byline::seed::demo(&mut conn)? {
        0 => println!("the demo content is already there"),
        n => println!("loaded the demo content: {n} articles, 3 authors, 4 categories"),
    }
    Ok(())
}

/// One connection for a command-line task, with the settings' database options.
fn one_connection(settings: &Settings) -> anyhow::Result<db::PooledConnection> {
    Ok(pool_of(settings, 1)?.get()?)
}

/// A few connections for a command-line task, with the settings' database options.
fn pool_of(settings: &Settings, size: u32) -> anyhow::Result<db::Pool> {
    let options = db::PoolOptions {
        max_size: Some(size),
        timeout: settings.db_timeout,
        search_language: settings.search_language.clone(),
        default_locale: settings.default_locale.clone(),
    };
    Ok(db::connect(&settings.database_url, &options)?)
}
