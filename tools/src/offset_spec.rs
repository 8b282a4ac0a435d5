//! PyKafka's OFFSET argument: `earliest`, `latest` (any case) or a UTC time `YYYY-MM-DDTHH:MM:SS`; also a
//! number of ms since the epoch. Parsed without a date library (a civil-date day count).

use ferrokafka::OffsetsBefore;

use crate::error::{CliError, CliResult};

/// Parse an OFFSET argument.
pub fn parse_offset(s: &str) -> CliResult<OffsetsBefore> {
    match s.to_ascii_lowercase().as_str() {
        "earliest" => Ok(OffsetsBefore::Earliest),
        "latest" => Ok(OffsetsBefore::Latest),
        _ => parse_time_ms(s).map(OffsetsBefore::Timestamp).ok_or_else(|| {
            CliError::usage(format!(
                "OFFSET {s:?} is not earliest, latest, a UTC time YYYY-MM-DDTHH:MM:SS or ms since the epoch"
            ))
        }),
    }
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC, optional trailing `Z`) or a non-negative integer of ms → ms since the epoch.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, time) = s.split_once('T')?;
    let d: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let ([y, m, day], [hh, mm, ss]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let valid = (1..=12).contains(m)
        && (1..=days_in_month(*y, *m)).contains(day)
        && (0..24).contains(hh)
        && (0..60).contains(mm)
        && (0..60).contains(ss);
    valid.then(|| ((days_from_civil(*y, *m, *day) * 24 + hh) * 60 + mm) * 60_000 + ss * 1000)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_and_keywords() {
        assert_eq!(parse_time_ms("1970-01-01T00:00:00"), Some(0));
        assert_eq!(
            parse_time_ms("2024-02-29T12:34:56Z"),
            Some(1_709_210_096_000)
        );
        assert_eq!(parse_time_ms("1700000000000"), Some(1_700_000_000_000));
        assert_eq!(parse_time_ms("2023-02-29T00:00:00"), None);
        assert_eq!(parse_time_ms("2023-01-01 00:00:00"), None);
        assert_eq!(parse_offset("EARLIEST").unwrap(), OffsetsBefore::Earliest);
        assert_eq!(parse_offset("latest").unwrap(), OffsetsBefore::Latest);
        assert!(parse_offset("yesterday").is_err());
    }
}
