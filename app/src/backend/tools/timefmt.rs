//! Times as people read them: to the minute, in the portal's zone (Europe/Berlin) on the
//! server; the browser shows its own zone once the page is hydrated.

use crate::domain::{lang::Lang, time::Timestamp};

pub const PORTAL_ZONE: &str = "Europe/Berlin";

/// `24.11.2026, 14:05 Uhr (CET)` or `24 Nov 2026, 14:05 (CET)`.
pub fn minute(at: Timestamp, lang: Lang) -> String {
    let zoned = jiff::Timestamp::from_second(at.0)
        .ok()
        .and_then(|t| jiff::tz::TimeZone::get(PORTAL_ZONE).ok().map(|tz| t.to_zoned(tz)));
    match (zoned, lang) {
        (Some(z), Lang::De) => z.strftime("%d.%m.%Y, %H:%M Uhr (%Z)").to_string(),
        (Some(z), Lang::En) => z.strftime("%-d %b %Y, %H:%M (%Z)").to_string(),
        (None, _) => format!("{} UTC", at.0),
    }
}

/// The start of the calendar day (in the portal's zone) that `now` falls on.
pub fn day_start(now: Timestamp) -> Timestamp {
    jiff::Timestamp::from_second(now.0)
        .ok()
        .and_then(|t| jiff::tz::TimeZone::get(PORTAL_ZONE).ok().map(|tz| t.to_zoned(tz)))
        .and_then(|z| z.start_of_day().ok())
        .map_or(Timestamp(now.0 - now.0.rem_euclid(86_400)), |z| Timestamp(z.timestamp().as_second()))
}

/// The calendar date (in the portal's zone) of `at`, as ISO `2026-11-24`.
pub fn date(at: Timestamp) -> String {
    jiff::Timestamp::from_second(at.0)
        .ok()
        .and_then(|t| jiff::tz::TimeZone::get(PORTAL_ZONE).ok().map(|tz| t.to_zoned(tz).date().to_string()))
        .unwrap_or_default()
}

/// A calendar date as typed in an `<input type="date">` (`2026-11-24`), within 2000–2100.
pub fn parse_date(input: &str) -> Option<String> {
    let d: jiff::civil::Date = input.trim().parse().ok()?;
    (2000..=2100).contains(&d.year()).then(|| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_midnight_in_berlin() {
        // 2026-11-24T13:05Z → 2026-11-24T00:00 CET = 2026-11-23T23:00Z.
        assert_eq!(day_start(Timestamp(1_795_525_500)), Timestamp(1_795_474_800));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-11-24").as_deref(), Some("2026-11-24"));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("24.11.2026"), None);
        assert_eq!(parse_date("1999-12-31"), None);
    }

    #[test]
    fn berlin_winter_and_summer() {
        // 2026-11-24T13:05:00Z is 14:05 CET; 2026-07-01T12:00:00Z is 14:00 CEST.
        assert_eq!(minute(Timestamp(1_795_525_500), Lang::De), "24.11.2026, 14:05 Uhr (CET)");
        assert_eq!(minute(Timestamp(1_782_907_200), Lang::En), "1 Jul 2026, 14:00 (CEST)");
    }
}
