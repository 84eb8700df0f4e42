//! Sign-in emails: their words, and sending them over SMTP when configured, else (in demo
//! mode) into the dev outbox.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::auth::CODE_SECONDS;
use crate::config::Config;
use crate::error::AppError;
use crate::error::StartError;
use crate::store::{Db, outbox};

/// Where an emailed sign-in link leads: the page that asks the reader to confirm.
pub const CONFIRM_PATH: &str = "/sign-in/confirm";

/// Where outgoing mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP server.
    Smtp {
        /// The connection pool to it.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The sender.
        from: Mailbox,
    },
    /// The `outbox` table, shown at `/dev/outbox` (demo mode only).
    Outbox,
    /// Nowhere: email sign-in is off.
    Disabled,
}

/// The sign-in email for `to`: the code to type, and the link to open on the server at
/// `public_url`. The link's token travels in the fragment, which browsers never send: it stays
/// out of access logs, proxies and Referer headers; the confirmation page moves it into its form.
pub fn sign_in_code(publication: &str, public_url: &str, to: &str, code: &str, link_token: &str) -> Email {
    let link = format!("{public_url}{CONFIRM_PATH}#token={link_token}");
    Email {
        to: to.to_owned(),
        subject: format!("Your sign-in code for {publication}: {code}"),
        body: format!(
            "Your code to sign in to {publication} is:\n\n    {code}\n\n\
             It works once, for the next {minutes} minutes. Or open this link to sign in:\n\n{link}\n\n\
             If you did not ask to sign in, you can ignore this email; nothing changes.\n",
            minutes = CODE_SECONDS / 60,
        ),
    }
}

/// Where the dashboard is, and where a staff sign-in link leads.
pub const ADMIN_PATH: &str = "/admin/";

/// The email with a staff member's one-time sign-in `link`, working for `seconds`.
pub fn staff_sign_in(publication: &str, to: &str, link: &str, seconds: i64) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Sign in to the {publication} dashboard"),
        body: format!(
            "Open this link to sign in to the dashboard of {publication}:\n\n{link}\n\n\
             It works once, for the next {minutes} minutes. If you did not ask for it, ignore this email.\n",
            minutes = seconds / 60,
        ),
    }
}

/// The email inviting `to` to the staff, with their first sign-in `link`.
pub fn staff_invitation(publication: &str, to: &str, link: &str, by: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("You are invited to the {publication} dashboard"),
        body: format!(
            "{by} added you to the staff of {publication}. Open this link to sign in to the dashboard:\n\n\
             {link}\n\nIt works once, for three days. After that, ask for a new link on the sign-in page.\n",
        ),
    }
}

/// One email to send.
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl Mailer {
    /// The mailer the configuration asks for.
    pub fn from_config(config: &Config) -> Result<Self, StartError> {
        match &config.mail.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|error| StartError::invalid("PAYWALL_SMTP_URL", error))?
                    .build();
                let from = config
                    .mail
                    .from
                    .parse()
                    .map_err(|error| StartError::invalid("PAYWALL_MAIL_FROM", error))?;
                Ok(Mailer::Smtp { transport, from })
            }
            None if config.demo.on => Ok(Mailer::Outbox),
            None => Ok(Mailer::Disabled),
        }
    }

    /// Sends an email (or keeps it in the outbox).
    pub async fn send(&self, db: &Db, email: Email) -> Result<(), AppError> {
        match self {
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = email.to.parse().map_err(|_| AppError::InvalidEmail)?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(email.subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.body)
                    .map_err(|error| AppError::internal("building an email", error))?;
                transport
                    .send(message)
                    .await
                    .map_err(|error| AppError::internal("sending an email", error))?;
                Ok(())
            }
            Mailer::Outbox => {
                outbox::insert(db, &email.to, &email.subject, &email.body).await?;
                Ok(())
            }
            Mailer::Disabled => Err(AppError::Unavailable("Email sign-in is not set up on this server.")),
        }
    }
}
