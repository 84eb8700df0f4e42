//! The commands a publisher runs on the server itself: `import` (articles), `api-key`
//! (keys for the admin API) and `readers import|export` (CSV). Each opens the database,
//! prints what it did, and records every write in the audit log as the command line.

use std::path::Path;

use crate::auth::admin::NewKey;
use crate::cli::{ApiKeyCommand, ImportArgs, ReadersCommand, StaffCommand};
use crate::config::Config;
use crate::error::StartError;
use crate::error::with_causes;
use crate::publishing::{import, readers_csv};
use crate::store::audit::{Actor, Entry};
use crate::store::{self, Db};

/// Opens (creating and migrating if need be) the database the settings name.
async fn open(config: &Config) -> Result<Db, String> {
    crate::files::create_private_dir(&config.data)
        .map_err(StartError::file("preparing the data directory", &config.data))
        .map_err(|error| with_causes(&error))?;
    store::open(&config.database_url()).await.map_err(|error| with_causes(&error))
}

/// Imports article files into the database, printing what happened to each; fails (after
/// trying every file) if any could not be imported.
pub async fn import(args: &ImportArgs) -> Result<(), String> {
    if args.id.is_some() && args.files.len() > 1 {
        return Err("--id names one article: give one file with it".into());
    }
    let db = open(&args.config).await?;
    let overrides =
        import::Overrides { id: args.id.clone(), title: args.title.clone(), tier: args.tier.clone() };
    let mut failed = 0;
    for path in &args.files {
        match import_one(&db, path, &overrides).await {
            Ok(said) => println!("{}: {said}", path.display()),
            Err(error) => {
                failed += 1;
                eprintln!("{}: not imported: {error}", path.display());
            }
        }
    }
    db.close().await;
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} of {} files not imported", args.files.len())),
    }
}

async fn import_one(db: &store::Db, path: &Path, overrides: &import::Overrides) -> Result<String, String> {
    use store::articles::{Precondition, Put, WriteError};
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    let article = import::parse(path, &text, overrides).map_err(|error| error.to_string())?;
    let actor = Actor::command_line();
    let audit = Entry {
        actor: &actor,
        action: "article.put",
        target: format!("article:{}", article.id),
        detail: format!("imported from {}", path.display()),
    };
    let put = match store::articles::put(db, &article.id, &article.stored(), &Precondition::Any, Some(&audit))
        .await
    {
        Ok(put) => put,
        Err(WriteError::UnknownTier(tier)) => {
            let ladder = store::tiers::ladder(db).await.map_err(|error| with_causes(&error))?;
            let names: Vec<&str> = ladder.iter().map(|tier| tier.name.as_str()).collect();
            return Err(format!("no tier {tier:?}: the tiers are {}", names.join(", ")));
        }
        Err(error) => return Err(with_causes(&error)),
    };
    let did = match put {
        Put::Added(_) => "added",
        Put::Replaced(_) => "replaced",
        Put::Unchanged(_) => "unchanged",
    };
    let mut said = format!(
        "{did} article {:?} ({:?}, tier {}, {} locked sections)",
        article.id,
        article.title,
        article.tier,
        article.sections.len()
    );
    if !article.removed.is_empty() {
        said.push_str(&format!("; removed as unsafe: {}", article.removed));
    }
    Ok(said)
}

/// `api-key create|list|revoke`.
pub async fn api_key(command: &ApiKeyCommand) -> Result<(), String> {
    match command {
        ApiKeyCommand::Create { name, expires_in_days, config } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err("--name must have 1 to 100 characters".into());
            }
            let db = open(config).await?;
            let key = NewKey::generate();
            let expires_at = expires_in_days.map(|days| crate::time::now() + i64::from(days) * 24 * 60 * 60);
            let actor = Actor::command_line();
            let audit = Entry {
                actor: &actor,
                action: "api_key.create",
                target: format!("api_key:{}", key.prefix),
                detail: name.to_owned(),
            };
            let created =
                store::api_keys::create(&db, name, &key.prefix, &key.hash, expires_at, None, &audit).await;
            db.close().await;
            created.map_err(|error| with_causes(&error))?;
            eprintln!(
                "Created the API key {name:?} ({}…). It is shown this once; only its hash is kept:",
                key.prefix
            );
            println!("{}", key.key);
            Ok(())
        }
        ApiKeyCommand::List { config } => {
            let db = open(config).await?;
            let keys = store::api_keys::list(&db).await;
            db.close().await;
            let keys = keys.map_err(|error| with_causes(&error))?;
            if keys.is_empty() {
                eprintln!("No API keys. Create one with `paywall-server api-key create --name NAME`.");
            }
            let now = crate::time::now();
            for key in keys {
                let state = match (key.revoked_at, key.expires_at) {
                    (Some(at), _) => format!("revoked {}", crate::time::format(at)),
                    (None, Some(at)) if at <= now => format!("expired {}", crate::time::format(at)),
                    (None, Some(at)) => format!("live until {}", crate::time::format(at)),
                    (None, None) => "live".to_owned(),
                };
                let used = key
                    .last_used_at
                    .map_or("never used".to_owned(), |at| format!("last used {}", crate::time::format(at)));
                println!(
                    "{}\t{}\t{}…\tcreated {}\t{used}\t{state}",
                    key.id,
                    key.name,
                    key.prefix,
                    crate::time::format(key.created_at)
                );
            }
            Ok(())
        }
        ApiKeyCommand::Revoke { key, config } => {
            let db = open(config).await?;
            let which = key.trim().trim_end_matches('…');
            let actor = Actor::command_line();
            let audit = Entry {
                actor: &actor,
                action: "api_key.revoke",
                target: format!("api_key:{which}"),
                detail: String::new(),
            };
            let revoked = store::api_keys::revoke(&db, which, &audit).await;
            db.close().await;
            match revoked.map_err(|error| with_causes(&error))? {
                0 => Err(format!("no live key has the id, name or prefix {which:?}")),
                n => {
                    println!("revoked {n} key{}", if n == 1 { "" } else { "s" });
                    Ok(())
                }
            }
        }
    }
}

/// `readers import FILE` and `readers export [-o FILE]`.
pub async fn readers(command: &ReadersCommand) -> Result<(), String> {
    match command {
        ReadersCommand::Import { file, config } => {
            let text = std::fs::File::open(file).map_err(|error| format!("{}: {error}", file.display()))?;
            let mut rows = readers_csv::read(std::io::BufReader::new(text))
                .map_err(|error| format!("{}: {error}; nothing was imported", file.display()))?;
            let db = open(config).await?;
            let result = import_readers(&db, file, &mut rows).await;
            db.close().await;
            let done = result?;
            println!(
                "{}: {} rows: {} readers added, {} updated; {} subscriptions added, {} updated; {} unchanged",
                file.display(),
                rows.len(),
                done.readers_added,
                done.readers_updated,
                done.subscriptions_added,
                done.subscriptions_updated,
                done.unchanged
            );
            Ok(())
        }
        ReadersCommand::Export { output, config } => {
            let db = open(config).await?;
            let rows = store::readers_csv::export(&db).await;
            db.close().await;
            let rows = rows.map_err(|error| with_causes(&error))?;
            match output {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .map_err(|error| format!("{}: {error}", path.display()))?;
                    readers_csv::write(&rows, file)
                        .map_err(|error| format!("{}: {error}", path.display()))?;
                    eprintln!("wrote {} readers to {}", rows.len(), path.display());
                }
                None => {
                    readers_csv::write(&rows, std::io::stdout().lock()).map_err(|error| error.to_string())?
                }
            }
            Ok(())
        }
    }
}

async fn import_readers(
    db: &Db,
    file: &Path,
    rows: &mut [readers_csv::Member],
) -> Result<store::readers_csv::Imported, String> {
    let unknown = store::readers_csv::resolve_tiers(db, rows).await.map_err(|error| with_causes(&error))?;
    if !unknown.is_empty() {
        return Err(format!(
            "{}: no tier a subscription can open is named {}; nothing was imported (see the ladder with GET /v1/admin/tiers)",
            file.display(),
            unknown.join(", ")
        ));
    }
    let actor = Actor::command_line();
    let audit = Entry {
        actor: &actor,
        action: "readers.import",
        target: "readers".to_owned(),
        detail: format!("{} rows from {}", rows.len(), file.display()),
    };
    store::readers_csv::import(db, rows, &audit).await.map_err(|error| with_causes(&error))
}

/// `staff add|link|list`.
pub async fn staff(command: &StaffCommand) -> Result<(), String> {
    use crate::routes::admin::staff::{INVITATION_SECONDS, new_link};
    use paywall_protocol::admin::StaffRole;

    let public_url = |config: &Config| match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}", config.addr),
    };
    let valid =
        |email: &str| store::readers::valid_email(email).ok_or(format!("{email:?} is not an email address"));
    match command {
        StaffCommand::Add { email, role, config } => {
            let email = valid(email)?;
            let role = StaffRole::parse(role).ok_or("--role must be owner, editor or viewer")?;
            let db = open(config).await?;
            let actor = Actor::command_line();
            let audit = Entry {
                actor: &actor,
                action: "staff.add",
                target: format!("staff:{email}"),
                detail: format!("role {}", role.as_str()),
            };
            let added = match store::staff::add(&db, &email, role, &audit).await {
                Ok(Some(member)) => new_link(&db, &public_url(config), &member, INVITATION_SECONDS)
                    .await
                    .map_err(|error| with_causes(&error)),
                Ok(None) => Err(format!(
                    "{email} is on the staff already: `paywall-server staff link {email}` prints a new link"
                )),
                Err(error) => Err(with_causes(&error)),
            };
            db.close().await;
            let link = added?;
            eprintln!("Added {email} as {}. This link signs them in once, within three days:", role.as_str());
            println!("{link}");
            Ok(())
        }
        StaffCommand::Link { email, config } => {
            let email = valid(email)?;
            let db = open(config).await?;
            let link = match store::staff::by_email(&db, &email).await {
                Ok(Some(member)) => {
                    let actor = Actor::command_line();
                    let audit = Entry {
                        actor: &actor,
                        action: "staff.link",
                        target: format!("staff:{email}"),
                        detail: "a sign-in link".into(),
                    };
                    match store::audit::insert(&db, &audit).await {
                        Ok(()) => new_link(&db, &public_url(config), &member, INVITATION_SECONDS)
                            .await
                            .map_err(|error| with_causes(&error)),
                        Err(error) => Err(with_causes(&error)),
                    }
                }
                Ok(None) => Err(format!("{email} is not on the staff: `paywall-server staff add` adds them")),
                Err(error) => Err(with_causes(&error)),
            };
            db.close().await;
            let link = link?;
            eprintln!("This link signs {email} in once, within three days:");
            println!("{link}");
            Ok(())
        }
        StaffCommand::List { config } => {
            let db = open(config).await?;
            let staff = store::staff::list(&db).await;
            db.close().await;
            for member in staff.map_err(|error| with_causes(&error))? {
                println!("{}\t{}", member.email, member.role.as_str());
            }
            Ok(())
        }
    }
}
