//! The detectors, one per kind: shape checks with their check digits (Luhn for cards, mod 97
//! for IBANs) and the look-alikes (dates, thousands) a phone number must not be.

use std::net::Ipv6Addr;

use super::MAX_EMAIL_LEN;

/// `local@domain.tld`: a local part of 1–64 allowed characters (no leading, trailing or doubled
/// dot), then at least two domain labels of letters, digits and inner hyphens (1–63 bytes each),
/// the last an all-letter TLD of at least 2.
pub(super) fn is_email(b: &[u8]) -> bool {
    if b.len() > MAX_EMAIL_LEN {
        return false;
    }
    let Some(at) = memchr::memchr(b'@', b) else {
        return false;
    };
    let (Some(local), Some(domain)) = (b.get(..at), b.get(at + 1..)) else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.')
        && !local.windows(2).any(|w| w == b"..")
        && local.iter().all(|&c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_{|}~-".contains(&c));
    if !local_ok || domain.len() < 4 {
        return false;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&c| c == b'.') {
        let ok = (1..=63).contains(&label.len())
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
            && label.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-');
        if !ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic)
}

/// 13–19 digits, optionally in groups split by one space or one hyphen (the same throughout),
/// that pass the Luhn check and start with a real issuer prefix for their length (Visa,
/// Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro).
pub(super) fn is_payment_card(b: &[u8]) -> bool {
    let mut digits = [0u8; 19];
    let mut n = 0;
    let mut sep = None;
    let mut prev_digit = false;
    for &c in b {
        if c.is_ascii_digit() {
            let Some(slot) = digits.get_mut(n) else {
                return false;
            };
            *slot = c - b'0';
            n += 1;
            prev_digit = true;
        } else if (c == b' ' || c == b'-') && prev_digit && sep.is_none_or(|s| s == c) {
            sep = Some(c);
            prev_digit = false;
        } else {
            return false;
        }
    }
    let Some(digits) = digits.get(..n) else {
        return false;
    };
    prev_digit && (13..=19).contains(&n) && card_issuer_ok(digits) && luhn_ok(digits)
}

fn card_issuer_ok(d: &[u8]) -> bool {
    let n = d.len();
    let prefix = |k: usize| d.iter().take(k).fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    let (p2, p3, p4) = (prefix(2), prefix(3), prefix(4));
    match d.first() {
        // Mastercard 2-series.
        Some(2) => n == 16 && (2221..=2720).contains(&p4),
        Some(3) => {
            (matches!(p2, 34 | 37) && n == 15)
                || ((matches!(p2, 36 | 38 | 39) || (300..=305).contains(&p3) || p4 == 3095) && n >= 14)
                || ((3528..=3589).contains(&p4) && n >= 16)
        }
        Some(4) => matches!(n, 13 | 16 | 19),
        Some(5) => ((51..=55).contains(&p2) && n == 16) || matches!(p2, 50 | 56..=58),
        // Discover, UnionPay and RuPay are 16–19 digits; Maestro's 6-ranges may be shorter.
        Some(6) => n >= 16 || matches!(p2, 60 | 63 | 67),
        _ => false,
    }
}

fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 13616: an upper-case country code from the IBAN registry, 2 check digits and an
/// upper-case alphanumeric account part, at exactly that country's length, written either
/// without spaces or in groups of 4 split by single spaces, and passing mod-97 == 1. Requiring
/// the registry country and length keeps random alphanumeric ids from matching 1 time in 97.
pub(super) fn is_iban(b: &[u8]) -> bool {
    let mut compact = [0u8; 34];
    let mut n = 0;
    let mut spaces = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b' ' {
            // A space may only end a group of 4 and must be followed by more text.
            if (i + 1) % 5 != 0 || i + 1 == b.len() {
                return false;
            }
            spaces += 1;
        } else if c.is_ascii_uppercase() || c.is_ascii_digit() {
            let Some(slot) = compact.get_mut(n) else {
                return false;
            };
            *slot = c;
            n += 1;
        } else {
            return false;
        }
    }
    if spaces != 0 && spaces != n.saturating_sub(1) / 4 {
        return false;
    }
    let Some(iban) = compact.get(..n) else {
        return false;
    };
    let (Some(&c0), Some(&c1), Some(&k0), Some(&k1)) = (iban.first(), iban.get(1), iban.get(2), iban.get(3)) else {
        return false;
    };
    if !(c0.is_ascii_uppercase() && c1.is_ascii_uppercase() && k0.is_ascii_digit() && k1.is_ascii_digit()) {
        return false;
    }
    if iban_length(c0, c1) != Some(n) {
        return false;
    }
    // Mod 97 of the number formed by moving the first 4 characters to the end and writing
    // each letter as two digits (A = 10 … Z = 35), folded so it never overflows.
    let rem = iban.iter().skip(4).chain(iban.iter().take(4)).fold(0u32, |r, &c| {
        if c.is_ascii_digit() { (r * 10 + u32::from(c - b'0')) % 97 } else { (r * 100 + u32::from(c - b'A') + 10) % 97 }
    });
    rem == 1
}

/// Total IBAN length per country, from the SWIFT IBAN registry.
fn iban_length(c0: u8, c1: u8) -> Option<usize> {
    let len = match [c0, c1] {
        [b'N', b'O'] => 15,
        [b'B', b'E'] => 16,
        [b'D', b'K'] | [b'F', b'I'] | [b'F', b'K'] | [b'F', b'O'] | [b'G', b'L'] | [b'N', b'L'] | [b'S', b'D'] => 18,
        [b'M', b'K'] | [b'S', b'I'] => 19,
        [b'A', b'T']
        | [b'B', b'A']
        | [b'E', b'E']
        | [b'K', b'Z']
        | [b'L', b'T']
        | [b'L', b'U']
        | [b'M', b'N']
        | [b'X', b'K'] => 20,
        [b'C', b'H'] | [b'H', b'R'] | [b'L', b'I'] | [b'L', b'V'] => 21,
        [b'B', b'G']
        | [b'B', b'H']
        | [b'C', b'R']
        | [b'D', b'E']
        | [b'G', b'B']
        | [b'G', b'E']
        | [b'I', b'E']
        | [b'M', b'E']
        | [b'R', b'S']
        | [b'V', b'A'] => 22,
        [b'A', b'E'] | [b'G', b'I'] | [b'I', b'L'] | [b'I', b'Q'] | [b'O', b'M'] | [b'S', b'O'] | [b'T', b'L'] => 23,
        [b'A', b'D']
        | [b'C', b'Z']
        | [b'E', b'S']
        | [b'M', b'D']
        | [b'P', b'K']
        | [b'R', b'O']
        | [b'S', b'A']
        | [b'S', b'E']
        | [b'S', b'K']
        | [b'T', b'N']
        | [b'V', b'G'] => 24,
        [b'L', b'Y'] | [b'P', b'T'] | [b'S', b'T'] => 25,
        [b'I', b'S'] | [b'T', b'R'] => 26,
        [b'B', b'I']
        | [b'D', b'J']
        | [b'F', b'R']
        | [b'G', b'R']
        | [b'I', b'T']
        | [b'M', b'C']
        | [b'M', b'R']
        | [b'S', b'M'] => 27,
        [b'A', b'L']
        | [b'A', b'Z']
        | [b'B', b'Y']
        | [b'C', b'Y']
        | [b'D', b'O']
        | [b'G', b'T']
        | [b'H', b'N']
        | [b'H', b'U']
        | [b'L', b'B']
        | [b'N', b'I']
        | [b'P', b'L']
        | [b'S', b'V'] => 28,
        [b'B', b'R'] | [b'E', b'G'] | [b'P', b'S'] | [b'Q', b'A'] | [b'U', b'A'] => 29,
        [b'J', b'O'] | [b'K', b'W'] | [b'M', b'U'] | [b'Y', b'E'] => 30,
        [b'M', b'T'] | [b'S', b'C'] => 31,
        [b'L', b'C'] => 32,
        [b'R', b'U'] => 33,
        _ => return None,
    };
    Some(len)
}

/// US Social Security number shape `ddd-dd-dddd` with the never-issued blocks excluded (area
/// 000, 666 or 900–999, group 00, serial 0000). A shape check only: it cannot tell whether the
/// number was ever issued.
pub(super) fn is_us_ssn(b: &[u8]) -> bool {
    if b.len() != 11 || b.get(3) != Some(&b'-') || b.get(6) != Some(&b'-') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        b.get(r)
            .and_then(|s| s.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))))
    };
    let (Some(area), Some(group), Some(serial)) = (num(0..3), num(4..6), num(7..11)) else {
        return false;
    };
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// UK National Insurance number shape: two prefix letters (excluding the letters and pairs HMRC
/// never allocates), six digits and a suffix A–D, e.g. `AB123456C`; single spaces are allowed
/// between the letter and digit pairs (`AB 12 34 56 C`). Either case is accepted. A shape check
/// only: it cannot tell whether the number was ever issued.
pub(super) fn is_uk_nino(b: &[u8]) -> bool {
    let mut compact = [0u8; 9];
    let mut n = 0;
    let mut prev_space = true;
    for &c in b {
        if c == b' ' {
            // Only between the pairs: after the prefix and after each digit pair.
            if prev_space || !matches!(n, 2 | 4 | 6 | 8) {
                return false;
            }
            prev_space = true;
        } else {
            let Some(slot) = compact.get_mut(n) else {
                return false;
            };
            *slot = c.to_ascii_uppercase();
            n += 1;
            prev_space = false;
        }
    }
    if n != 9 {
        return false;
    }
    let [p0, p1, d0, d1, d2, d3, d4, d5, suffix] = compact;
    let prefix_ok = p0.is_ascii_uppercase()
        && p1.is_ascii_uppercase()
        && !b"DFIQUV".contains(&p0)
        && !b"DFIOQUV".contains(&p1)
        && !matches!(&[p0, p1], b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ");
    prefix_ok && [d0, d1, d2, d3, d4, d5].iter().all(u8::is_ascii_digit) && (b'A'..=b'D').contains(&suffix)
}

/// Dotted-quad IPv4: exactly four decimal octets 0–255, no leading zeros (so `01.2.3.4`, which
/// some parsers read as octal, is not taken).
pub(super) fn is_ipv4(b: &[u8]) -> bool {
    let mut parts = 0;
    for part in b.split(|&c| c == b'.') {
        parts += 1;
        let ok = match part {
            [d] => d.is_ascii_digit(),
            [b'1'..=b'9', rest @ ..] if rest.len() <= 2 && rest.iter().all(u8::is_ascii_digit) => {
                part.iter().fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0')) <= 255
            }
            _ => false,
        };
        if !ok || parts > 4 {
            return false;
        }
    }
    parts == 4
}

/// IPv6 text form, as std parses it; the byte checks first keep the parser off ordinary text.
pub(super) fn is_ipv6(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() <= 45
        && b.iter().filter(|&&c| c == b':').count() >= 2
        && b.iter().all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        && v.parse::<Ipv6Addr>().is_ok()
}

/// Phone numbers, written for people. The rules, all of which must hold:
///
/// - characters: an optional leading `+`, then digits in groups split by one space, hyphen or
///   dot, plus at most one parenthesised area code of 1–4 digits (`(415)`, which needs no
///   separator around it); it ends with a digit;
/// - 7–15 digits (E.164 allows at most 15), at least 8 after a `+`, whose country code does
///   not start with 0;
/// - a run of bare digits is a phone only after `+` (`+4915123456789`): otherwise it is
///   indistinguishable from an id, an amount or a Unix timestamp;
/// - every group after the first has at least 2 digits (kills `1 2 3 4 5 6 7`, ISBNs), except
///   the one after a `+` country code (`+33 1 23 45 67 89`);
/// - dots may not be mixed with other separators and need at least 3 groups (kills decimals
///   such as `1234.5678` and amounts such as `1 234 567.89`);
/// - without `+` or parentheses: two groups only as `ddd-dddd` (a local number; kills year
///   ranges `1990-2024`, ZIP+4 `94105-1234`, `20240105 103000`), no date shapes (`2024-01-05`,
///   `05.01.2024`) and no thousands grouping (`1 234 567`, `12.345.678`) unless it starts with
///   a trunk `0`.
pub(super) fn is_phone(b: &[u8]) -> bool {
    let (plus, body) = match b.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, b),
    };
    if plus && !matches!(body.first(), Some(b'1'..=b'9')) {
        return false;
    }
    let mut lens = [0usize; 15];
    let mut vals = [0u64; 15];
    let mut n = 0;
    let mut digits = 0;
    let (mut dots, mut other_seps, mut parens) = (0, 0, false);
    let mut i = 0;
    loop {
        let open = body.get(i) == Some(&b'(');
        if open {
            if parens {
                return false;
            }
            parens = true;
            i += 1;
        }
        let start = i;
        let mut val = 0u64;
        while let Some(&c) = body.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            val = val.saturating_mul(10).saturating_add(u64::from(c - b'0'));
            i += 1;
        }
        let len = i - start;
        if len == 0 || (open && (len > 4 || body.get(i) != Some(&b')'))) {
            return false;
        }
        if open {
            i += 1;
        }
        let (Some(l), Some(v)) = (lens.get_mut(n), vals.get_mut(n)) else {
            return false;
        };
        (*l, *v) = (len, val);
        n += 1;
        digits += len;
        match body.get(i) {
            None if open => return false,
            None => break,
            Some(b'(') => {}
            Some(c) if open && c.is_ascii_digit() => {}
            Some(&c @ (b' ' | b'-' | b'.')) => {
                if c == b'.' {
                    dots += 1;
                } else {
                    other_seps += 1;
                }
                i += 1;
                if !matches!(body.get(i), Some(b'0'..=b'9' | b'(')) {
                    return false;
                }
            }
            Some(_) => return false,
        }
    }
    let (Some(lens), Some(vals)) = (lens.get(..n), vals.get(..n)) else {
        return false;
    };
    if !(7..=15).contains(&digits) || (plus && digits < 8) {
        return false;
    }
    if dots > 0 && (other_seps > 0 || n < 3) {
        return false;
    }
    if n == 1 {
        return plus;
    }
    // After a `+`, the group right after the country code may be one digit (`+33 1 23 45 67 89`).
    let single_ok = usize::from(plus);
    if lens.iter().enumerate().skip(1).any(|(g, &l)| l < 2 && g != single_ok) {
        return false;
    }
    if plus || parens {
        return true;
    }
    if n == 2 {
        return lens == [3, 4];
    }
    !looks_like_date(lens, vals) && !looks_like_thousands(body.first() == Some(&b'0'), lens)
}

/// `YYYY-MM-DD` or `DD-MM-YYYY` / `MM-DD-YYYY` with plausible field values, whatever the
/// separator.
fn looks_like_date(lens: &[usize], vals: &[u64]) -> bool {
    let day_or_month = |v: u64| (1..=31).contains(&v);
    match (lens, vals) {
        ([4, 2, 2], [_, m, d]) => (1..=12).contains(m) && day_or_month(*d),
        ([1 | 2, 2, 4], [a, b, _]) => day_or_month(*a) && day_or_month(*b) && (*a <= 12 || *b <= 12),
        _ => false,
    }
}

/// A number written with thousands separators: 1–3 leading digits, then groups of exactly 3.
fn looks_like_thousands(trunk_zero: bool, lens: &[usize]) -> bool {
    !trunk_zero && lens.first().is_some_and(|&l| l <= 3) && lens.iter().skip(1).all(|&l| l == 3)
}
