//! The command line: `serve`, `migrate`, and the commands a publisher runs on the server
//! itself (`import`, `api-key`, `readers import|export`, `staff`).

pub mod commands;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

/// The command line: what to do, and the settings to do it with (flags or environment).
#[derive(Debug, Parser)]
#[command(name = "paywall-server", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The settings, when no command is named.
    #[command(flatten)]
    pub config: Config,
}

/// What the binary does.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the paywall (the default).
    Serve(Config),
    /// Bring the database's schema up to date and exit (for deploy pipelines).
    Migrate(Config),
    /// Import articles from HTML or Markdown files: the free part before a
    /// `<!-- paywall -->` line stays on your page; each heading after it (`##`, `<h2>`) starts
    /// a locked section. Re-importing an unchanged file changes nothing.
    Import(ImportArgs),
    /// Keys for the admin API (`/v1/admin`): create one (shown once), list them, revoke one.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Readers and their subscriptions to or from a CSV file (email, name, tier, status,
    /// current_period_end, customer_id), e.g. moving them over from another system.
    #[command(subcommand)]
    Readers(ReadersCommand),
    /// The people who sign in to the dashboard at `/admin`: add one (printing a one-time
    /// sign-in link), print a new link for one, list them.
    #[command(subcommand)]
    Staff(StaffCommand),
}

/// What `staff` does.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of the staff and print a one-time link that signs them in to `/admin`
    /// (it works for three days; the server's public URL, `PAYWALL_PUBLIC_URL`, starts it).
    Add {
        /// Their email address.
        email: String,
        /// What they may do: `owner` (everything), `editor` (articles, tiers, offers, the
        /// meter, gift links) or `viewer` (read only).
        #[arg(long, value_parser = ["owner", "editor", "viewer"])]
        role: String,
        /// The server's settings (the database, the public URL).
        #[command(flatten)]
        config: Box<Config>,
    },
    /// Print a new one-time sign-in link for a member (one who lost theirs).
    Link {
        /// Their email address.
        email: String,
        /// The server's settings (the database, the public URL).
        #[command(flatten)]
        config: Box<Config>,
    },
    /// List the staff: email and role.
    List {
        /// The server's settings (the database).
        #[command(flatten)]
        config: Box<Config>,
    },
}

/// What `api-key` does.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key and print it: it is shown this once, and only its hash is kept.
    Create {
        /// What the key is for (e.g. `cms`); the audit log names the key by it.
        #[arg(long)]
        name: String,
        /// Days until the key stops working (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
        /// The server's settings (the database).
        #[command(flatten)]
        config: Box<Config>,
    },
    /// List the keys: name, first characters, when made, last used, revoked or expired.
    List {
        /// The server's settings (the database).
        #[command(flatten)]
        config: Box<Config>,
    },
    /// Revoke a key, named by its id, its name or the first characters `list` shows.
    Revoke {
        /// The key's id, name or shown prefix.
        key: String,
        /// The server's settings (the database).
        #[command(flatten)]
        config: Box<Config>,
    },
}

/// What `readers` does.
#[derive(Debug, Subcommand)]
pub enum ReadersCommand {
    /// Add or update readers and their subscriptions from a CSV file; all or nothing, and
    /// importing the same file again changes nothing.
    Import {
        /// The CSV file, with a header line.
        file: PathBuf,
        /// The server's settings (the database).
        #[command(flatten)]
        config: Box<Config>,
    },
    /// Write every reader, with their latest subscription, as CSV.
    Export {
        /// The file to write (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The server's settings (the database).
        #[command(flatten)]
        config: Box<Config>,
    },
}

/// What `import` reads, and the settings to store it with.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The files: `.md`/`.markdown` are read as Markdown, anything else as HTML.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The article's id (the page's `data-paywall`); default: front matter `id:`, else the
    /// file's name without its extension. Only with one file.
    #[arg(long)]
    pub id: Option<String>,
    /// The title; default: front matter `title:`, else the first `# ` / `<h1>` heading.
    #[arg(long)]
    pub title: Option<String>,
    /// The tier the locked sections need; default: front matter `tier:`, else `premium`.
    #[arg(long)]
    pub tier: Option<String>,
    /// The server's settings (the database).
    #[command(flatten)]
    pub config: Config,
}

impl Cli {
    /// The command to run, with its settings: `serve` when none is named.
    pub fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.config))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn every_command_is_well_formed() {
        // Names unique across the settings' groups and each command's own arguments, and the
        // like: what clap otherwise checks only when that command is first run.
        <Cli as CommandFactory>::command().debug_assert();
    }
}
