//! `pledge export --format iati`: an IATI 2.03 activity file (iati-activities-schema.xsd). Each
//! pledge that is not void is an activity reported by the ledger: the pledger funds it (role
//! 1), the beneficiary implements it (role 4); its changes to committed are Outgoing Pledge
//! transactions (type 12) and its changes to fulfilled Disbursements (type 3), dated when
//! they happened and negative when a correction took something back. Amounts in a commodity
//! that is not an ISO 4217 currency (trees) cannot be IATI values: the activity says what
//! they were in its description instead.

use std::io::Write;

use ledger_core::Date;
use ledger_core::state::{NameKind, Status};

use super::by_pledge::{ByPledge, Transaction};
use super::{EventRow, Events};
use crate::error::{CliError, Result};
use crate::output::Money;

/// Writes the activities: each pledge's transactions are gathered while the events are walked,
/// and the pledges are then written from the walk's final fold.
pub(super) fn write(
    out: &mut impl Write,
    origin: &str,
    mut events: Events<'_>,
    today: Date,
) -> Result<()> {
    // Transactions are grouped by pledge: an activity holds all of its own.
    let sorting = |e: std::io::Error| {
        CliError::failure(format!(
            "putting the transactions in pledge order in a temporary file: {e}"
        ))
    };
    let mut transactions = ByPledge::default();
    for row in events.by_ref() {
        let row: EventRow = row?;
        let (Some(pledge), Some(date), Some((_, committed, fulfilled))) =
            (row.pledge, row.date, row.change)
        else {
            continue;
        };
        for (code, units) in [(12, committed), (3, fulfilled)] {
            if units != 0 {
                transactions
                    .push(Transaction {
                        pledge,
                        code,
                        date,
                        units,
                        id: row.id,
                        kind: row.kind,
                    })
                    .map_err(sorting)?;
            }
        }
    }
    // In pledge order, each pledge's in record order.
    let mut transactions = transactions.into_sorted().map_err(sorting)?.peekable();
    let now = &events.into_state();
    let reporter = format!("XM-PLEDGE-{}", identifier(origin));
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<iati-activities version="2.03" generated-datetime="{today}T00:00:00Z">"#
    )?;
    for pledge in now.pledges().filter(|p| !p.voided) {
        let name = |kind, id: u32| {
            now.current_name(kind, id)
                .map_or_else(String::new, |n| n.to_string())
        };
        let (from, to) = (
            name(NameKind::Party, pledge.from.0),
            name(NameKind::Party, pledge.to.0),
        );
        let amount = Money::new(now, pledge.current.amount, pledge.commodity);
        let currency = is_currency(&amount.commodity);
        let status = match pledge.current.status() {
            Status::Open | Status::Partial => 2,
            Status::Fulfilled => 4,
            Status::Cancelled | Status::Void => 5,
        };
        match currency {
            true => writeln!(
                out,
                r#"  <iati-activity default-currency="{}" xml:lang="en">"#,
                xml(&amount.commodity)
            )?,
            false => writeln!(out, r#"  <iati-activity xml:lang="en">"#)?,
        }
        writeln!(
            out,
            "    <iati-identifier>{}-{}</iati-identifier>",
            xml(&reporter),
            pledge.seq
        )?;
        writeln!(
            out,
            r#"    <reporting-org ref="{}" type="90">"#,
            xml(&reporter)
        )?;
        writeln!(out, "      <narrative>{}</narrative>", xml(origin))?;
        writeln!(out, "    </reporting-org>")?;
        writeln!(out, "    <title>")?;
        writeln!(
            out,
            "      <narrative>Pledge #{}: {} from {} to {}</narrative>",
            pledge.seq,
            xml(&amount.human()),
            xml(&from),
            xml(&to)
        )?;
        writeln!(out, "    </title>")?;
        let mut description = format!(
            "{} pledged by {from} to {to} on {}",
            amount.human(),
            pledge.date
        );
        if !currency {
            description.push_str(" (in kind: not an IATI value)");
        }
        writeln!(out, "    <description type=\"1\">")?;
        writeln!(out, "      <narrative>{}</narrative>", xml(&description))?;
        writeln!(out, "    </description>")?;
        for (role, party) in [(1, &from), (4, &to)] {
            writeln!(out, r#"    <participating-org role="{role}">"#)?;
            writeln!(out, "      <narrative>{}</narrative>", xml(party))?;
            writeln!(out, "    </participating-org>")?;
        }
        writeln!(out, r#"    <activity-status code="{status}"/>"#)?;
        // 2: actual start; 1: planned start, for a pledge announced ahead.
        let date_type = if pledge.planned { 1 } else { 2 };
        writeln!(
            out,
            r#"    <activity-date iso-date="{}" type="{date_type}"/>"#,
            pledge.date
        )?;
        if let Some(sector) = pledge.sector {
            let sector = name(NameKind::Sector, sector.0);
            // Vocabulary 99: the reporting organisation's own sectors.
            writeln!(
                out,
                r#"    <sector vocabulary="99" code="{}">"#,
                xml(&sector)
            )?;
            writeln!(out, "      <narrative>{}</narrative>", xml(&sector))?;
            writeln!(out, "    </sector>")?;
        }
        // This pledge's transactions; those of void pledges before it are passed over.
        while let Some(t) =
            transactions.next_if(|t| t.as_ref().map_or(true, |t| t.pledge <= pledge.seq))
        {
            let t = t.map_err(sorting)?;
            if t.pledge < pledge.seq || !currency {
                continue;
            }
            let value = Money::new(now, t.units, pledge.commodity);
            writeln!(out, "    <transaction>")?;
            writeln!(out, r#"      <transaction-type code="{}"/>"#, t.code)?;
            writeln!(out, r#"      <transaction-date iso-date="{}"/>"#, t.date)?;
            writeln!(
                out,
                r#"      <value currency="{}" value-date="{}">{}</value>"#,
                xml(&value.commodity),
                t.date,
                value.plain
            )?;
            writeln!(out, "      <description>")?;
            writeln!(
                out,
                "        <narrative>#{} {}</narrative>",
                t.id,
                xml(t.kind)
            )?;
            writeln!(out, "      </description>")?;
            writeln!(out, "      <provider-org>")?;
            writeln!(out, "        <narrative>{}</narrative>", xml(&from))?;
            writeln!(out, "      </provider-org>")?;
            writeln!(out, "      <receiver-org>")?;
            writeln!(out, "        <narrative>{}</narrative>", xml(&to))?;
            writeln!(out, "      </receiver-org>")?;
            writeln!(out, "    </transaction>")?;
        }
        writeln!(out, "  </iati-activity>")?;
    }
    writeln!(out, "</iati-activities>")?;
    out.flush()?;
    Ok(())
}

/// Whether a commodity is an ISO 4217 currency, which an IATI value can be in.
fn is_currency(code: &str) -> bool {
    ledger_core::amount::known_currency_code(code) == Some(code)
}

/// The ledger's origin as the tail of an organisation identifier: letters, digits and `-`.
fn identifier(origin: &str) -> String {
    origin
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Text as XML character data or an attribute value, escaped as it is written (a million
/// activities would otherwise build a string for every field).
fn xml(text: &str) -> Xml<'_> {
    Xml(text)
}

struct Xml<'a>(&'a str);

impl std::fmt::Display for Xml<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            // The special characters are ASCII: one byte, so `at + 1` is a boundary.
            let (plain, special) = rest.split_at(at);
            f.write_str(plain)?;
            let (c, after) = special.split_at(1);
            f.write_str(match c {
                "&" => "&amp;",
                "<" => "&lt;",
                ">" => "&gt;",
                "\"" => "&quot;",
                _ => "&apos;",
            })?;
            rest = after;
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_the_five_special_characters_and_nothing_else() {
        assert_eq!(
            xml("a&b<c>d\"e'f").to_string(),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f"
        );
        assert_eq!(xml("<<&&>>").to_string(), "&lt;&lt;&amp;&amp;&gt;&gt;");
        assert_eq!(xml("Électricité 日本 ü").to_string(), "Électricité 日本 ü");
        assert_eq!(xml("").to_string(), "");
    }
}
