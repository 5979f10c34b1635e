//! Parses the profile's durations (`90s`, `15m`, `36h`, `7d`, `52w`) into seconds.

/// Seconds in a duration written as an integer and one unit, or `None` with the reason.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let unit = unit.trim_start();
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not a duration: expected a whole number and a unit, such as `90s`, `15m`, `36h`, `7d` or `52w`"
        ));
    }
    let n: i64 = digits.parse().map_err(|_| format!("`{text}` is too large for a duration"))?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        "" => return Err(format!("`{text}` has no unit: write `{n}s`, `{n}m`, `{n}h`, `{n}d` or `{n}w`")),
        other => {
            return Err(format!("`{text}` has an unknown unit `{other}`: expected one of `s`, `m`, `h`, `d`, `w`"));
        }
    };
    n.checked_mul(per).ok_or_else(|| format!("`{text}` is too large for a duration"))
}

/// The duration `text` was probably meant to be, for a "did you mean" hint: `7 days` → `7d`,
/// `36 hours` → `36h`, `7` → `None` (the unit cannot be guessed).
pub fn suggest_duration(text: &str) -> Option<String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return None;
    }
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "d" | "day" | "days" => "d",
        "w" | "wk" | "wks" | "week" | "weeks" => "w",
        _ => return None,
    };
    let suggestion = format!("{digits}{unit}");
    (suggestion != t).then_some(suggestion)
}

/// Writes seconds back in the largest unit that divides them, as a profile would.
pub fn format_duration(secs: i64) -> String {
    for (per, unit) in [(604_800, "w"), (86_400, "d"), (3_600, "h"), (60, "m")] {
        if secs != 0 && secs % per == 0 {
            return format!("{}{unit}", secs / per);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("36h"), Ok(129_600));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("52w"), Ok(31_449_600));
    }

    #[test]
    fn rejects_bad_durations_with_reason() {
        assert!(parse_duration("7").unwrap_err().contains("no unit"));
        assert!(parse_duration("7days").unwrap_err().contains("unknown unit `days`"));
        assert!(parse_duration("d").unwrap_err().contains("not a duration"));
        assert!(parse_duration("-3d").unwrap_err().contains("not a duration"));
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn suggests_the_short_form() {
        assert!(parse_duration("7 days").unwrap_err().contains("unknown unit `days`"));
        assert_eq!(suggest_duration("7 days").as_deref(), Some("7d"));
        assert_eq!(suggest_duration("36 Hours").as_deref(), Some("36h"));
        assert_eq!(suggest_duration("2 w").as_deref(), Some("2w"));
        assert_eq!(suggest_duration("7d"), None);
        assert_eq!(suggest_duration("7"), None);
        assert_eq!(suggest_duration("7 fortnights"), None);
    }

    #[test]
    fn formats_in_largest_unit() {
        assert_eq!(format_duration(604_800), "1w");
        assert_eq!(format_duration(86_400 * 9), "9d");
        assert_eq!(format_duration(90), "90s");
        assert_eq!(format_duration(0), "0s");
    }
}
