//! Readers to and from CSV (`paywall-server readers import|export`): the columns publishers
//! export from other systems (Ghost's and Memberful's member exports are the models).
//!
//! Columns: `email`, `name`, `tier`, `status`, `current_period_end`, `customer_id`, in any
//! order; only `email` is required, and the usual other names are read too (`plan`,
//! `expires_at`, `stripe_customer_id`, …). A row with a tier is a subscription, whose end is
//! an RFC 3339 time, a `YYYY-MM-DD` date or Unix seconds. Exported cells that a spreadsheet
//! would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) get a `'` in front,
//! which importing takes off again, so that export then import gives back the same rows.

use std::io;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::store::readers::valid_email;
pub use crate::store::readers_csv::{Member, MemberSubscription};
use paywall_protocol::admin::SubscriptionStatus;

/// The columns `export` writes, in order.
pub const COLUMNS: [&str; 6] = ["email", "name", "tier", "status", "current_period_end", "customer_id"];

/// Why a file could not be read; nothing of it was imported.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvError {
    /// The line the problem is on (1 is the header).
    pub line: u64,
    /// What is wrong there.
    pub message: String,
}

/// The rows of a CSV file, or the first problem in it.
pub fn read(input: impl io::Read) -> Result<Vec<Member>, CsvError> {
    check(input).map_err(|mut problems| problems.swap_remove(0))
}

/// The rows of a CSV file, or every problem in it, line by line (a problem with the header
/// alone, when there is one: the lines cannot be read without it).
pub fn check(input: impl io::Read) -> Result<Vec<Member>, Vec<CsvError>> {
    // Excel's "CSV UTF-8" and other exports begin with a byte-order mark, which would otherwise
    // become part of the first column's title.
    let mut input = io::BufReader::new(input);
    let start = io::BufRead::fill_buf(&mut input).map_err(|error| {
        vec![CsvError { line: 1, message: format!("the file could not be read: {error}") }]
    })?;
    if start.starts_with(b"\xEF\xBB\xBF") {
        io::BufRead::consume(&mut input, 3);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(input);
    let header = reader.headers().map_err(|error| vec![csv_error(&error, 1)])?.clone();
    let column = |names: &[&str]| header.iter().position(|title| names.contains(&normalise(title).as_str()));
    let email = column(&["email", "email_address"])
        .ok_or_else(|| vec![CsvError { line: 1, message: "there is no `email` column".to_owned() }])?;
    let name = column(&["name", "full_name"]);
    let tier = column(&["tier", "tiers", "plan", "product"]);
    let status = column(&["status", "subscription_status"]);
    let period_end =
        column(&["current_period_end", "expires_at", "expiration_date", "renews_at", "period_end"]);
    let customer = column(&["customer_id", "stripe_customer_id"]);
    if tier.is_some() && period_end.is_none() {
        return Err(vec![CsvError {
            line: 1,
            message: "a `tier` column needs a `current_period_end` column".to_owned(),
        }]);
    }
    let mut members: Vec<Member> = Vec::new();
    let mut problems: Vec<CsvError> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(csv_error(&error, 0));
                continue;
            }
        };
        match member(&record, &mut seen, Columns { email, name, tier, status, period_end, customer }) {
            Ok(member) => members.push(member),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() { Ok(members) } else { Err(problems) }
}

/// Where each column is in the file.
#[derive(Clone, Copy)]
struct Columns {
    email: usize,
    name: Option<usize>,
    tier: Option<usize>,
    status: Option<usize>,
    period_end: Option<usize>,
    customer: Option<usize>,
}

/// One line's reader, or what is wrong with it.
fn member(
    record: &csv::StringRecord,
    seen: &mut std::collections::HashSet<String>,
    columns: Columns,
) -> Result<Member, CsvError> {
    let Columns { email, name, tier, status, period_end, customer } = columns;
    let line = record.position().map_or(0, csv::Position::line);
    let cell = |index: Option<usize>| {
        index.and_then(|index| record.get(index)).map(inert_undone).filter(|cell| !cell.is_empty())
    };
    let fail = |message: String| CsvError { line, message };
    let given = cell(Some(email)).unwrap_or_default();
    let email = valid_email(&given).ok_or_else(|| fail(format!("{given:?} is not an email address")))?;
    if !seen.insert(email.clone()) {
        return Err(fail(format!("{email} is on an earlier line too")));
    }
    let subscription = match cell(tier) {
        Some(tier) if !tier.eq_ignore_ascii_case(paywall_protocol::tiers::FREE) => {
            let status = cell(status).map_or(Ok(SubscriptionStatus::Active), |status| {
                parse_status(&status).ok_or_else(|| fail(format!("{status:?} is not a subscription status")))
            })?;
            let end =
                cell(period_end).ok_or_else(|| fail("a subscription needs its current_period_end".into()))?;
            let current_period_end = parse_time(&end).ok_or_else(|| {
                fail(format!("{end:?} is not a date (2026-12-31, 2026-12-31T23:59:59Z or Unix seconds)"))
            })?;
            Some(MemberSubscription { tier, status, current_period_end })
        }
        _ => None,
    };
    Ok(Member { email, name: cell(name), subscription, customer_id: cell(customer) })
}

/// Writes rows as CSV with the [`COLUMNS`] header, formulas made inert.
pub fn write(members: &[Member], output: impl io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(COLUMNS)?;
    for member in members {
        let subscription = member.subscription.as_ref();
        let cells = [
            member.email.clone(),
            member.name.clone().unwrap_or_default(),
            subscription.map(|subscription| subscription.tier.clone()).unwrap_or_default(),
            subscription.map(|subscription| subscription.status.as_str().to_owned()).unwrap_or_default(),
            subscription
                .map(|subscription| crate::time::format(subscription.current_period_end))
                .unwrap_or_default(),
            member.customer_id.clone().unwrap_or_default(),
        ];
        writer.write_record(cells.iter().map(|cell| inert(cell)))?;
    }
    writer.flush()?;
    Ok(())
}

/// `Current Period End` → `current_period_end`.
fn normalise(title: &str) -> String {
    title.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

fn csv_error(error: &csv::Error, fallback_line: u64) -> CsvError {
    let line = error.position().map_or(fallback_line, csv::Position::line);
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} cells where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
        _ => error.to_string(),
    };
    CsvError { line, message }
}

/// Whether a spreadsheet would take a cell starting so for a formula.
fn looks_like_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The cell with a `'` in front if it would run as a formula, or already starts with one (so
/// that taking it off again gives back exactly what was stored).
fn inert(cell: &str) -> String {
    if looks_like_formula(cell) || cell.starts_with('\'') { format!("'{cell}") } else { cell.to_owned() }
}

/// The cell as it was before [`inert`].
fn inert_undone(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) || rest.starts_with('\'') => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// Our statuses, and the words other systems export for them.
fn parse_status(status: &str) -> Option<SubscriptionStatus> {
    let status = normalise(status);
    // The API's own names first, then what other systems write for the same states.
    SubscriptionStatus::ALL.into_iter().find(|known| known.as_str() == status).or(match status.as_str() {
        "paid" | "comped" | "complimentary" => Some(SubscriptionStatus::Active),
        "trial" => Some(SubscriptionStatus::Trialing),
        "cancelled" | "expired" | "ended" | "inactive" => Some(SubscriptionStatus::Canceled),
        _ => None,
    })
}

/// RFC 3339, a date (its first second, UTC), or Unix seconds.
fn parse_time(text: &str) -> Option<i64> {
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(time.unix_timestamp());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(text, &date_format) {
        return Some(date.midnight().assume_utc().unix_timestamp());
    }
    text.parse::<i64>().ok().filter(|seconds| *seconds > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(csv: &str) -> CsvError {
        read(csv.as_bytes()).unwrap_err()
    }

    #[test]
    fn reads_the_columns_other_systems_export_under_their_names() {
        let csv = "Email,Name,Plan,Status,Expires At,Stripe Customer ID,Labels\n\
                   Ada@Example.com,Ada,Premium,paid,2027-01-31,cus_1,x\n\
                   bo@example.com,,free,,,,\n";
        let members = read(csv.as_bytes()).unwrap();
        assert_eq!(members[0].email, "ada@example.com");
        assert_eq!(members[0].name.as_deref(), Some("Ada"));
        assert_eq!(members[0].customer_id.as_deref(), Some("cus_1"));
        let subscription = members[0].subscription.as_ref().unwrap();
        // As the file names it; the import gives it the ladder's name.
        assert_eq!(
            (subscription.tier.as_str(), subscription.status),
            ("Premium", SubscriptionStatus::Active)
        );
        assert_eq!(subscription.current_period_end, 1_801_353_600);
        assert_eq!(members[1].subscription, None);
    }

    #[test]
    fn reads_a_file_that_begins_with_a_byte_order_mark_as_excel_saves_it() {
        let members = read("\u{feff}Email,Name\r\nada@example.com,Ada\r\n".as_bytes()).unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].email, "ada@example.com");
    }

    #[test]
    fn names_the_line_of_each_mistake() {
        assert_eq!(error("name\nAda\n"), CsvError { line: 1, message: "there is no `email` column".into() });
        assert_eq!(error("email,tier,current_period_end\na@example.com,premium,soon\n").line, 2);
        assert_eq!(
            error("email,tier,current_period_end\na@example.com,premium,2027-01-01\nnot-an-email,,\n").line,
            3
        );
        assert_eq!(error("email,tier\na@example.com,premium\n").line, 1);
        assert_eq!(
            error("email,tier,status,current_period_end\na@example.com,premium,maybe,2027-01-01\n").line,
            2
        );
        assert_eq!(error("email,name\na@example.com,A\nb@example.com\n").line, 3);
        assert_eq!(error("email\na@example.com\nA@example.com\n").line, 3);
    }

    #[test]
    fn formulas_go_out_inert_and_come_back_as_they_were() {
        let member = Member {
            email: "a@example.com".into(),
            name: Some("=HYPERLINK(\"https://evil.example\",\"x\")".into()),
            subscription: Some(MemberSubscription {
                tier: "premium".into(),
                status: SubscriptionStatus::PastDue,
                current_period_end: 1_801_353_600,
            }),
            customer_id: Some("@cus".into()),
        };
        let mut out = Vec::new();
        write(std::slice::from_ref(&member), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"'=HYPERLINK(") && text.contains(",'@cus"), "{text}");
        assert!(text.contains("2027-01-31T00:00:00Z"), "{text}");
        assert_eq!(read(text.as_bytes()).unwrap(), vec![member.clone()]);
        // A value that already starts with the quote comes back with it.
        let quoted = Member { name: Some("'=1+1".into()), customer_id: Some("'plain".into()), ..member };
        let mut out = Vec::new();
        write(std::slice::from_ref(&quoted), &mut out).unwrap();
        assert_eq!(read(out.as_slice()).unwrap(), vec![quoted]);
    }
}
