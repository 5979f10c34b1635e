//! Fast, strict timestamp parsing to UTC microseconds, and the formatting of instants and
//! durations for reports.
//!
//! The parser runs on every value of every candidate column, so it is hand-written over bytes,
//! allocates nothing and rejects anything outside the documented forms rather than guessing: a
//! column is only called a timestamp column when every value is one of these shapes.

use std::fmt::Write as _;

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;
const MICROS_PER_DAY: i64 = SECS_PER_DAY * MICROS_PER_SEC;

/// Longest accepted form: `YYYY-MM-DDTHH:MM:SS.fffffffff+HH:MM` is 35 bytes; anything longer is
/// rejected before any digit is read.
const MAX_LEN: usize = 35;

/// Beyond this the civil-date arithmetic could overflow `i64`; no real date is this far away.
const MAX_ABS_YEAR: i64 = 1_000_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedTimestamp {
    /// Microseconds since 1970-01-01T00:00:00Z.
    pub micros: i64,
    /// No offset was given, so the value was read as UTC.
    pub naive: bool,
}

/// Parses one value. Accepted forms, and nothing else (surrounding ASCII whitespace ignored):
///
/// - `YYYY-MM-DD`
/// - `YYYY-MM-DD?HH:MM` and `YYYY-MM-DD?HH:MM:SS[.f]`, where `?` is `T`, `t` or one space and
///   the fraction has 1–9 digits (truncated to microseconds);
/// - either time form optionally followed, with no space, by `Z`/`z`, `±HH:MM`, `±HHMM` or
///   `±HH` (offset hours ≤ 23, minutes ≤ 59).
///
/// Years are 0000–9999, months 1–12, days valid for the month (leap years included), hours
/// 0–23, minutes 0–59, seconds 0–59. A leap second `:60` is accepted only at minute 59 (where
/// every real leap second falls, whatever the offset) and is read as `:59.999999`, so it sorts
/// after every other instant of its minute and before the next minute instead of colliding
/// with the next minute's first microsecond.
pub fn parse_timestamp(s: &str) -> Option<ParsedTimestamp> {
    parse_timestamp_bytes(s.as_bytes())
}

/// [`parse_timestamp`] on raw bytes, so the CSV scanner need not validate UTF-8 first: every
/// accepted byte is ASCII, so any other byte simply fails to parse.
pub fn parse_timestamp_bytes(b: &[u8]) -> Option<ParsedTimestamp> {
    let b = b.trim_ascii();
    if b.len() < 10 || b.len() > MAX_LEN {
        return None;
    }
    let year = digits4(b, 0)?;
    let month = digits2(b, 5)?;
    let day = digits2(b, 8)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    if b.len() == 10 {
        return Some(ParsedTimestamp { micros: days * MICROS_PER_DAY, naive: true });
    }

    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = digits2(b, 11)?;
    let minute = digits2(b, 14)?;
    let mut pos = 16;
    let mut second = 0;
    let mut frac_micros = 0;
    if b.get(pos) == Some(&b':') {
        second = digits2(b, 17)?;
        pos = 19;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            let start = pos;
            while let Some(&c) = b.get(pos) {
                if !c.is_ascii_digit() {
                    break;
                }
                // Digits past the sixth only need to be valid; micros truncate them.
                if pos - start < 6 {
                    frac_micros = frac_micros * 10 + i64::from(c - b'0');
                }
                pos += 1;
            }
            let n = pos - start;
            if n == 0 || n > 9 {
                return None;
            }
            for _ in n..6 {
                frac_micros *= 10;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 60 || (second == 60 && minute != 59) {
        return None;
    }
    if second == 60 {
        second = 59;
        frac_micros = MICROS_PER_SEC - 1;
    }

    let (offset_secs, naive) = match b.get(pos) {
        None => (0, true),
        Some(b'Z' | b'z') if pos + 1 == b.len() => (0, false),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits2(b, pos + 1)?;
            let om = match b.len() - pos {
                3 => 0,
                5 => digits2(b, pos + 3)?,
                6 if b.get(pos + 3) == Some(&b':') => digits2(b, pos + 4)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = i64::from(oh) * 3_600 + i64::from(om) * 60;
            (if sign == b'-' { -secs } else { secs }, false)
        }
        Some(_) => return None,
    };

    let secs_of_day = i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
    let micros = days * MICROS_PER_DAY + (secs_of_day - offset_secs) * MICROS_PER_SEC + frac_micros;
    Some(ParsedTimestamp { micros, naive })
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
///
/// Callers pass a valid month and day; other values give a meaningless number, never a panic.
/// Years beyond ±10^12 are clamped so the arithmetic cannot overflow.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let m = i64::from(m);
    let d = i64::from(d);
    // The algorithm's year starts in March so the leap day is the last day of its year.
    let y = y.clamp(-MAX_ABS_YEAR, MAX_ABS_YEAR) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // mp is 0..=11 and doy 0..=365, so both fit a u32.
    (y, m as u32, d as u32)
}

/// Formats as RFC 3339 UTC with seconds (`2026-11-14T09:12:00Z`); a fraction appears only when
/// non-zero, with trailing zeros trimmed (`.25Z`). Years outside 0000–9999 (only reachable from
/// micros no parser produced) get ISO 8601's expanded form, `-0001` or `+10000`, rather than
/// being mangled.
pub fn format_micros(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = in_day / MICROS_PER_SEC;
    let frac = in_day % MICROS_PER_SEC;
    let mut out = String::with_capacity(32);
    if y < 0 {
        let _ = write!(out, "-{:04}", y.unsigned_abs());
    } else if y > 9_999 {
        let _ = write!(out, "+{y}");
    } else {
        let _ = write!(out, "{y:04}");
    }
    let _ = write!(out, "-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3_600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        let mut digits = [0u8; 6];
        let mut f = frac;
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (f % 10) as u8;
            f /= 10;
        }
        let keep = digits.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1);
        out.push('.');
        for &c in digits.iter().take(keep) {
            out.push(char::from(c));
        }
    }
    out.push('Z');
    out
}

/// Formats a duration for people: `9d`, `36h`, `15m`, `45s`, `2d 3h`, negative as `-…`.
///
/// The leading unit is the largest one the duration holds at least twice, or exactly (so a day
/// and a half reads `36h`, but one day reads `1d`); the next smaller unit follows when it is
/// non-zero, and anything smaller is dropped.
pub fn format_duration_secs(secs: i64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let sign = if secs < 0 { "-" } else { "" };
    let abs = secs.unsigned_abs();
    if abs == 0 {
        return "0s".to_string();
    }
    let lead = UNITS.iter().position(|&(per, _)| abs >= 2 * per || abs.is_multiple_of(per)).unwrap_or(UNITS.len() - 1);
    let Some(&(per, unit)) = UNITS.get(lead) else {
        return format!("{secs}s");
    };
    let mut out = format!("{sign}{}{unit}", abs / per);
    if let Some(&(next_per, next_unit)) = UNITS.get(lead + 1) {
        let rest = abs % per / next_per;
        if rest != 0 {
            let _ = write!(out, " {rest}{next_unit}");
        }
    }
    out
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[inline]
fn digit(b: &[u8], i: usize) -> Option<u32> {
    let v = b.get(i)?.wrapping_sub(b'0');
    (v < 10).then_some(u32::from(v))
}

#[inline]
fn digits2(b: &[u8], i: usize) -> Option<u32> {
    Some(digit(b, i)? * 10 + digit(b, i + 1)?)
}

#[inline]
fn digits4(b: &[u8], i: usize) -> Option<u32> {
    Some(digits2(b, i)? * 100 + digits2(b, i + 2)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};

    fn micros(s: &str) -> Option<i64> {
        parse_timestamp(s).map(|p| p.micros)
    }

    /// The same instant built with chrono from its parts.
    fn chrono_micros((y, mo, d): (i32, u32, u32), (h, mi, s, nanos): (u32, u32, u32, u32), off: i64) -> i64 {
        let date = NaiveDate::from_ymd_opt(y, mo, d).expect("valid test date");
        let dt = date.and_hms_nano_opt(h, mi, s, nanos).expect("valid test time");
        dt.and_utc().timestamp_micros() - off * 1_000_000
    }

    #[test]
    fn accepts_documented_forms() {
        let base = 1_704_450_600_000_000; // 2024-01-05T10:30:00Z
        let cases: &[(&str, i64, bool)] = &[
            ("2024-01-05T10:30:00Z", base, false),
            ("2024-01-05t10:30:00z", base, false),
            ("2024-01-05 10:30:00Z", base, false),
            ("2024-01-05T10:30:00", base, true),
            ("2024-01-05 10:30", base, true),
            ("2024-01-05T10:30", base, true),
            ("2024-01-05T10:30Z", base, false),
            ("2024-01-05T10:30:00.5Z", base + 500_000, false),
            ("2024-01-05T10:30:00.123456789Z", base + 123_456, false),
            ("2024-01-05T10:30:00.000001", base + 1, true),
            ("2024-01-05T11:30:00+01:00", base, false),
            ("2024-01-05T11:30:00+0100", base, false),
            ("2024-01-05T11:30:00+01", base, false),
            ("2024-01-05T05:00:00-05:30", base, false),
            ("2024-01-05T10:30:00-00:00", base, false),
            ("  2024-01-05T10:30:00Z\t\r\n", base, false),
            ("2024-01-05", base - 37_800_000_000, true),
            ("1970-01-01", 0, true),
            ("1969-12-31T23:59:59.999999Z", -1, false),
            ("2024-02-29", 1_709_164_800_000_000, true),
            ("2000-02-29", 951_782_400_000_000, true),
            ("0000-01-01", -62_167_219_200_000_000, true),
            ("9999-12-31T23:59:59Z", 253_402_300_799_000_000, false),
            ("2016-12-31T23:59:60Z", 1_483_228_799_999_999, false),
            ("2017-01-01T00:59:60+01:00", 1_483_228_799_999_999, false),
        ];
        for &(s, want, naive) in cases {
            assert_eq!(parse_timestamp(s), Some(ParsedTimestamp { micros: want, naive }), "{s}");
            assert_eq!(parse_timestamp_bytes(s.as_bytes()).map(|p| p.micros), Some(want), "{s}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        let cases = [
            "",
            "   ",
            "2024-02-30",
            "2023-02-29",
            "1900-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-1-5",
            "24-01-05",
            "2024-01-05X",
            "2024-01-05T",
            "2024-01-05 25:00:00",
            "2024-01-05 24:00:00",
            "2024-01-05 10:60:00",
            "2024-01-05 10:30:61",
            "2024-01-05 10:30:60",
            "2024-01-05 10:30:0",
            "2024-01-05 10:3",
            "2024-01-05  10:30:00",
            "2024-01-05_10:30:00",
            "2024/01/05",
            "20240105",
            "2024-01-05T10:30:00.",
            "2024-01-05T10:30:00.1234567890Z",
            "2024-01-05T10:30:00,5Z",
            "2024-01-05T10:30:00 Z",
            "2024-01-05T10:30:00 +01:00",
            "2024-01-05T10:30:00ZZ",
            "2024-01-05T10:30:00+24:00",
            "2024-01-05T10:30:00+01:60",
            "2024-01-05T10:30:00+1",
            "2024-01-05T10:30:00+010",
            "2024-01-05T10:30:00+01:0",
            "2024-01-05T10:30:00+01:00:00",
            "2024-01-05T10:30:00+01-00",
            "-2024-01-05",
            "+2024-01-05",
            "10:30:00",
            "2024-01-05T10:30:00Z trailing",
            "２０２４-01-05",
            "2024-01-05\u{a0}",
            "12345",
            "3.14",
        ];
        for s in cases {
            assert_eq!(parse_timestamp(s), None, "{s:?}");
        }
        assert_eq!(parse_timestamp_bytes(b"2024-01-05\xff"), None);
        assert_eq!(parse_timestamp_bytes(b"\xff\xfe"), None);
    }

    #[test]
    fn never_panics_on_pseudo_random_bytes() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet = b"0123456789-:T tZz+.,\x00\xff";
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let mut buf = [0u8; 40];
            let mut y = x;
            for slot in buf.iter_mut().take(len) {
                y ^= y << 13;
                y ^= y >> 7;
                y ^= y << 17;
                *slot = alphabet[(y % alphabet.len() as u64) as usize];
            }
            let _ = parse_timestamp_bytes(&buf[..len]);
        }
    }

    #[test]
    fn days_from_civil_known_points() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1600, 2, 29), -135_081);
        assert_eq!(days_from_civil(0, 1, 1), -719_528);
        for days in (-800_000..3_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // Out-of-range input is meaningless but must not panic.
        let _ = days_from_civil(i64::MIN, u32::MAX, u32::MAX);
        let _ = days_from_civil(i64::MAX, 0, 0);
    }

    #[test]
    fn cross_checks_chrono_on_pseudo_random_datetimes() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for i in 0..100_000u32 {
            let y = next(10_000) as u32;
            let mo = next(12) as u32 + 1;
            let d = next(u64::from(days_in_month(y, mo))) as u32 + 1;
            let h = next(24) as u32;
            let mi = next(60) as u32;
            let s = next(60) as u32;
            let frac_digits = next(10) as usize; // 0 = no fraction
            let frac_value = next(1_000_000_000) as u32;
            let off_h = next(24) as i64;
            let off_m = next(60) as i64;
            let sep = [b'T', b't', b' '][next(3) as usize] as char;
            let date = format!("{y:04}-{mo:02}-{d:02}");
            // Fraction text of `frac_digits` digits and the nanos it stands for.
            let frac_text = format!("{frac_value:09}");
            let frac_text = &frac_text[..frac_digits];
            let nanos = if frac_digits == 0 {
                0
            } else {
                let padded = format!("{frac_text:0<9}");
                padded.parse::<u32>().expect("digits")
            };
            let form = i % 8;
            let (text, want, naive) = match form {
                0 => (date.clone(), chrono_micros((y as i32, mo, d), (0, 0, 0, 0), 0), true),
                1 => (format!("{date}{sep}{h:02}:{mi:02}"), chrono_micros((y as i32, mo, d), (h, mi, 0, 0), 0), true),
                2 | 3 => {
                    let dot = if frac_digits == 0 { "" } else { "." };
                    (
                        format!("{date}{sep}{h:02}:{mi:02}:{s:02}{dot}{frac_text}"),
                        chrono_micros((y as i32, mo, d), (h, mi, s, nanos), 0),
                        true,
                    )
                }
                _ => {
                    let dot = if frac_digits == 0 { "" } else { "." };
                    let sign = if next(2) == 0 { '+' } else { '-' };
                    let (off_text, off_secs) = match form {
                        4 => ("Z".to_string(), 0),
                        5 => (format!("{sign}{off_h:02}:{off_m:02}"), off_h * 3600 + off_m * 60),
                        6 => (format!("{sign}{off_h:02}{off_m:02}"), off_h * 3600 + off_m * 60),
                        _ => (format!("{sign}{off_h:02}"), off_h * 3600),
                    };
                    let off_secs = if sign == '-' { -off_secs } else { off_secs };
                    (
                        format!("{date}{sep}{h:02}:{mi:02}:{s:02}{dot}{frac_text}{off_text}"),
                        chrono_micros((y as i32, mo, d), (h, mi, s, nanos), off_secs),
                        false,
                    )
                }
            };
            assert_eq!(parse_timestamp(&text), Some(ParsedTimestamp { micros: want, naive }), "{text}");
            // Where chrono's own RFC 3339 parser applies, its reading must agree too.
            if form == 4 || form == 5 {
                let c = DateTime::parse_from_rfc3339(&text).expect("chrono parses RFC 3339");
                assert_eq!(c.timestamp_micros(), want, "{text}");
            }
        }
    }

    #[test]
    fn format_then_parse_round_trips() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Anywhere in 0000-01-01 ..= 9999-12-31.
            let lo = -62_167_219_200_000_000i64;
            let hi = 253_402_300_799_999_999i64;
            let m = lo + (x % (hi - lo + 1) as u64) as i64;
            let m = if x & 1 == 0 { m - m % 1_000_000 } else { m };
            let text = format_micros(m);
            assert_eq!(micros(&text), Some(m), "{text}");
            let c = DateTime::parse_from_rfc3339(&text).expect("chrono parses our output");
            assert_eq!(c.timestamp_micros(), m, "{text}");
        }
    }

    #[test]
    fn formats_micros() {
        assert_eq!(format_micros(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_micros(1_794_647_520_000_000), "2026-11-14T09:12:00Z");
        assert_eq!(format_micros(1_794_647_520_250_000), "2026-11-14T09:12:00.25Z");
        assert_eq!(format_micros(1_794_647_520_000_001), "2026-11-14T09:12:00.000001Z");
        assert_eq!(format_micros(-1), "1969-12-31T23:59:59.999999Z");
        assert_eq!(format_micros(-86_400_000_000), "1969-12-31T00:00:00Z");
        assert_eq!(format_micros(-62_167_219_200_000_000), "0000-01-01T00:00:00Z");
        assert_eq!(format_micros(-62_167_219_200_000_001), "-0001-12-31T23:59:59.999999Z");
        // The extremes must format, whatever they look like.
        assert!(format_micros(i64::MIN).ends_with('Z'));
        assert!(format_micros(i64::MAX).starts_with('+'));
    }

    #[test]
    fn pre_1970_dates() {
        assert_eq!(micros("1969-12-31"), Some(-86_400_000_000));
        assert_eq!(micros("1900-01-01T00:00:00Z"), Some(-2_208_988_800_000_000));
        assert_eq!(micros("1969-12-31T23:00:00-01:00"), Some(0));
        assert_eq!(micros("1583-10-15"), Some(days_from_civil(1583, 10, 15) * MICROS_PER_DAY));
        assert_eq!(micros("1000-06-15T12:00:00.5Z"), Some(chrono_micros((1000, 6, 15), (12, 0, 0, 500_000_000), 0)));
    }

    #[test]
    fn formats_durations() {
        let cases = [
            (0, "0s"),
            (45, "45s"),
            (60, "1m"),
            (90, "90s"),
            (119, "119s"),
            (120, "2m"),
            (900, "15m"),
            (3_600, "1h"),
            (5_400, "90m"),
            (7_260, "2h 1m"),
            (86_400, "1d"),
            (129_600, "36h"),
            (131_400, "36h 30m"),
            (86_400 * 9, "9d"),
            (86_400 * 2 + 3_600 * 3, "2d 3h"),
            (86_400 * 2 + 3_600 * 3 + 59, "2d 3h"),
            (86_400 * 2 + 300, "2d"),
            (-45, "-45s"),
            (-(86_400 * 2 + 3_600 * 3), "-2d 3h"),
        ];
        for (secs, want) in cases {
            assert_eq!(format_duration_secs(secs), want, "{secs}");
        }
        assert!(format_duration_secs(i64::MIN).starts_with("-106751991167300d"));
        assert!(format_duration_secs(i64::MAX).starts_with("106751991167300d"));
    }

    /// chrono's reading of a string of the generated shapes: `None` where chrono refuses it.
    fn chrono_reads(s: &str) -> Option<ParsedTimestamp> {
        if s.len() == 10 {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            return Some(ParsedTimestamp { micros: d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros(), naive: true });
        }
        // chrono's formats want an upper-case `T`; the accepted forms take `t` and a space too.
        let t = format!("{}T{}", s.get(..10)?, s.get(11..)?);
        if t.ends_with('Z') || t.get(19..).is_some_and(|rest| rest.contains(['+', '-'])) {
            let dt = DateTime::parse_from_rfc3339(&t).ok()?;
            return Some(ParsedTimestamp { micros: dt.timestamp_micros(), naive: false });
        }
        let dt = chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
        Some(ParsedTimestamp { micros: dt.and_utc().timestamp_micros(), naive: true })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

        /// Guards timestamp parsing against chrono on generated strings of the accepted shapes,
        /// valid or not (month 13, day 39, hour 29, an offset or none): accepted exactly when
        /// chrono accepts, at the same instant, naive exactly when no offset is written.
        #[test]
        fn parsing_agrees_with_chrono(
            s in "[0-9]{4}-[01][0-9]-[0-3][0-9]([Tt ][0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-][01][0-9]:[0-5][0-9])?)?"
        ) {
            proptest::prop_assert_eq!(parse_timestamp(&s), chrono_reads(&s), "{}", s);
        }

        /// Guards against panics on any text, printable or not, near the accepted forms or not.
        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}", b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let _ = parse_timestamp(&s);
            let _ = parse_timestamp_bytes(&b);
        }
    }
}
