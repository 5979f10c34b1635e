//! Detects personal data in string values (emails, phone numbers, payment cards, IBANs, national
//! ids, IP addresses) and masks it for evidence in reports.
//!
//! `classify` runs on every string value of every column, so each detector sits behind cheap
//! byte-level prefilters (one pass counts digits and notes `@`, `:` and `.`), values are never
//! copied, and only ASCII can match: every form detected here is ASCII, so a non-ASCII value is
//! rejected after that single pass (internationalised email addresses are not detected).
//!
//! These are shape checks, tuned to be precise rather than exhaustive: a column is flagged from
//! its values, so a false positive on ids, dates, amounts or versions costs more than missing an
//! oddly written phone number.

use std::net::Ipv6Addr;

/// Longest email address (RFC 5321 path limit).
const MAX_EMAIL_LEN: usize = 254;
/// No other kind detected here is longer than this (an IPv6 text form is at most 45 bytes).
const MAX_OTHER_LEN: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Phone,
    PaymentCard,
    Iban,
    NationalId,
    IpAddress,
}

impl PiiKind {
    /// Every kind, in declaration order, so `kind as usize` indexes per-kind counters.
    pub const ALL: [PiiKind; 6] =
        [PiiKind::Email, PiiKind::Phone, PiiKind::PaymentCard, PiiKind::Iban, PiiKind::NationalId, PiiKind::IpAddress];

    pub fn name(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::PaymentCard => "payment_card",
            PiiKind::Iban => "iban",
            PiiKind::NationalId => "national_id",
            PiiKind::IpAddress => "ip_address",
        }
    }
}

/// Distinct values whose classification a column keeps, per batch.
const CACHE_CAP: usize = 1024;

/// Remembers `classify` for the values a batch column repeats. It gives up on a column whose
/// first `CACHE_CAP` distinct values were seldom repeated: there a lookup only adds work.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    map: hashbrown::HashTable<(u64, Box<[u8]>, Option<PiiKind>)>,
    hits: u64,
    off: bool,
}

impl Cache {
    /// `classify(trimmed)`, where `raw` (the untrimmed value, hashed to `hash`) is the key.
    #[inline]
    pub fn classify(&mut self, trimmed: &str, raw: &[u8], hash: u64) -> Option<PiiKind> {
        if self.off {
            return classify(trimmed);
        }
        if let Some((_, _, kind)) = self.map.find(hash, |e| e.0 == hash && &*e.1 == raw) {
            self.hits += 1;
            return *kind;
        }
        let kind = classify(trimmed);
        if self.map.len() < CACHE_CAP {
            self.map.insert_unique(hash, (hash, raw.into(), kind), |e| e.0);
        } else if self.hits < CACHE_CAP as u64 {
            self.off = true;
            self.map = hashbrown::HashTable::new();
        }
        kind
    }
}

/// Classifies one value (untrimmed; surrounding whitespace is ignored). `None` means the value is
/// not shaped like personal data. Kinds are tried in the order email, IBAN, payment card,
/// national id, IP address, phone, so a value gets at most one.
pub fn classify(value: &str) -> Option<PiiKind> {
    let v = value.trim();
    let b = v.as_bytes();
    if b.is_empty() || b.len() > MAX_EMAIL_LEN {
        return None;
    }
    if b.len() > MAX_OTHER_LEN {
        return is_email(b).then_some(PiiKind::Email);
    }

    let mut digits = 0usize;
    let (mut at, mut colon, mut dot) = (false, false, false);
    for &c in b {
        match c {
            b'0'..=b'9' => digits += 1,
            b'@' => at = true,
            b':' => colon = true,
            b'.' => dot = true,
            0x80.. => return None,
            _ => {}
        }
    }
    // Only an email may contain '@', so nothing else needs trying.
    if at {
        return is_email(b).then_some(PiiKind::Email);
    }
    if digits == 0 && !colon {
        return None;
    }
    if b.first().is_some_and(u8::is_ascii_uppercase) && is_iban(b) {
        return Some(PiiKind::Iban);
    }
    if (13..=19).contains(&digits) && is_payment_card(b) {
        return Some(PiiKind::PaymentCard);
    }
    if (digits == 9 && is_us_ssn(b)) || (digits == 6 && is_uk_nino(b)) {
        return Some(PiiKind::NationalId);
    }
    // Only an IPv6 address may contain ':', so a time such as `10:30:00` ends here.
    if colon {
        return is_ipv6(v).then_some(PiiKind::IpAddress);
    }
    if dot && digits >= 4 && b.len() <= 15 && is_ipv4(b) {
        return Some(PiiKind::IpAddress);
    }
    if (7..=15).contains(&digits) && is_phone(b) {
        return Some(PiiKind::Phone);
    }
    None
}

/// Masks a value so its shape stays recognisable but the person does not:
///
/// - email: first character of the local part and the whole domain (`j***@example.com`);
/// - payment card: last 4 digits (`****-****-****-1111`);
/// - IBAN: the country code and the last 2 characters (`GB** **** **** **** **** 32`), the check
///   digits and the rest of the account number masked;
/// - phone: the last 2 digits (`+* ***-***-**32`);
/// - national id: the last 2 letters or digits (`***-**-**89`, `*******6C`);
/// - IP address: the first IPv4 octet (`10.*.*.*`) or the first IPv6 group (`2001:*`).
///
/// Otherwise separators and punctuation are kept and each letter or digit becomes one `*`. Works on any
/// UTF-8 (whole characters are masked), and a value too short to keep anything back is masked
/// entirely rather than shown whole.
pub fn mask(value: &str, kind: PiiKind) -> String {
    let v = value.trim();
    match kind {
        PiiKind::Email => mask_email(v),
        PiiKind::PaymentCard => mask_alnum(v, 0, 4),
        PiiKind::Iban => mask_alnum(v, 2, 2),
        PiiKind::Phone | PiiKind::NationalId => mask_alnum(v, 0, 2),
        PiiKind::IpAddress => mask_ip(v),
    }
}

/// `local@domain.tld`: a local part of 1–64 allowed characters (no leading, trailing or doubled
/// dot), then at least two domain labels of letters, digits and inner hyphens (1–63 bytes each),
/// the last an all-letter TLD of at least 2.
fn is_email(b: &[u8]) -> bool {
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
fn is_payment_card(b: &[u8]) -> bool {
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
fn is_iban(b: &[u8]) -> bool {
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
fn is_us_ssn(b: &[u8]) -> bool {
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
fn is_uk_nino(b: &[u8]) -> bool {
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
fn is_ipv4(b: &[u8]) -> bool {
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
fn is_ipv6(v: &str) -> bool {
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
fn is_phone(b: &[u8]) -> bool {
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

fn mask_email(v: &str) -> String {
    match v.rsplit_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}***@{domain}")
        }
        None => mask_alnum(v, 0, 0),
    }
}

/// Replaces every letter or digit with `*` except the first `head` and last `tail` of them;
/// everything else (separators, `+`, parentheses) is kept so the shape stays visible. When the
/// value has no more letters and digits than would be kept, all are masked.
fn mask_alnum(v: &str, head: usize, tail: usize) -> String {
    let total = v.chars().filter(|c| c.is_alphanumeric()).count();
    let (head, tail) = if total <= head + tail { (0, 0) } else { (head, tail) };
    let mut seen = 0;
    v.chars()
        .map(|c| {
            if !c.is_alphanumeric() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > total - tail { c } else { '*' }
        })
        .collect()
}

/// Keeps the network-most part of an address: the first IPv4 octet or the first IPv6 group.
fn mask_ip(v: &str) -> String {
    if v.contains(':') {
        return match v.split_once(':') {
            Some((first, _)) if !first.is_empty() && first.chars().all(|c| c.is_ascii_hexdigit()) => {
                format!("{first}:*")
            }
            _ => "::*".to_string(),
        };
    }
    let mut parts = v.split('.');
    match parts.next() {
        Some(first) if first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() => {
            let mut out = first.to_string();
            for _ in parts {
                out.push_str(".*");
            }
            out
        }
        _ => mask_alnum(v, 0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_classifies_as_classify_does_and_gives_up_on_unique_values() {
        let values: Vec<String> = (0..5000)
            .map(|i| match i % 4 {
                0 => format!("agent{}@example.com", i % 7),
                1 => "+44 20 7946 0958".to_string(),
                2 => format!("ticket {i}"),
                _ => format!("unique-{i}@example.org"),
            })
            .collect();
        let mut cache = Cache::default();
        for v in &values {
            let h = xxhash_rust::xxh3::xxh3_64(v.as_bytes());
            assert_eq!(cache.classify(v, v.as_bytes(), h), classify(v), "{v}");
        }
        let mut unique = Cache::default();
        for i in 0..3000 {
            let v = format!("value {i}");
            unique.classify(&v, v.as_bytes(), xxhash_rust::xxh3::xxh3_64(v.as_bytes()));
        }
        assert!(unique.off, "a column of distinct values stops caching");
    }

    fn kind(s: &str) -> Option<PiiKind> {
        classify(s)
    }

    #[test]
    fn names_and_order() {
        let names: Vec<_> = PiiKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["email", "phone", "payment_card", "iban", "national_id", "ip_address"]);
        for (i, k) in PiiKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i);
        }
    }

    #[test]
    fn emails() {
        for s in [
            "test@test.com",
            "jane.doe@example.com",
            "  jane.doe@example.com\t",
            "a@b.co",
            "x+tag@mail.example.co.uk",
            "o'brien@example.ie",
            "user_name-1@sub-domain.example.org",
            "!#$%&'*+/=?^_{|}~-@example.com",
        ] {
            assert_eq!(kind(s), Some(PiiKind::Email), "{s}");
        }
        let long_local = format!("{}@example.com", "a".repeat(64));
        assert_eq!(kind(&long_local), Some(PiiKind::Email));
        let too_long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(kind(&too_long_local), None);
        let long_domain = format!("a@{}.com", vec!["b".repeat(60); 3].join("."));
        assert!(long_domain.len() > MAX_OTHER_LEN);
        assert_eq!(kind(&long_domain), Some(PiiKind::Email));
        let too_long = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert!(too_long.len() > MAX_EMAIL_LEN);
        assert_eq!(kind(&too_long), None);
        for s in [
            "@",
            "a@b",
            "a@b.c",
            "a@b.c1",
            "@example.com",
            "a@",
            "a@.com",
            "a@example..com",
            "a@-example.com",
            "a@example-.com",
            "a b@example.com",
            "a@exa mple.com",
            ".a@example.com",
            "a.@example.com",
            "a..b@example.com",
            "a@b@example.com",
            "jané@example.com",
            "a@例え.jp",
            "mailto:a@example.com",
            "a@example.com.",
        ] {
            assert_eq!(kind(s), None, "{s}");
        }
    }

    #[test]
    fn payment_cards() {
        for s in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111111111111111",
            "5555555555554444",
            "2223003122003222",
            "378282246310005",
            "3782 822463 10005",
            "6011111111111117",
            "3530111333300000",
            "30569309025904",
            "6200000000000005",
            "4222222222222",
        ] {
            assert_eq!(kind(s), Some(PiiKind::PaymentCard), "{s}");
        }
        for s in [
            "4111111111111112",
            "4111 1111 1111 1112",
            "4111  1111 1111 1111",
            "4111-1111 1111-1111",
            "-4111111111111111",
            "4111111111111111-",
            "79927398713000000",
            "1111111111111111111",
            "0000000000000000",
            "411111111111111",
        ] {
            assert_ne!(kind(s), Some(PiiKind::PaymentCard), "{s}");
        }
    }

    #[test]
    fn ibans() {
        for s in [
            "GB82 WEST 1234 5698 7654 32",
            "GB82WEST12345698765432",
            "DE89370400440532013000",
            "DE89 3704 0044 0532 0130 00",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "NO9386011117947",
            "MT84MALT011000012345MTLCAST001S",
        ] {
            assert_eq!(kind(s), Some(PiiKind::Iban), "{s}");
        }
        for s in [
            "DE89370400440532013001",
            "DE8937040044053201300",
            "GB82 WEST12345698765432",
            "GB82  WEST 1234 5698 7654 32",
            "gb82west12345698765432",
            "XX82WEST12345698765432",
            "GB82-WEST-1234-5698-7654-32",
        ] {
            assert_ne!(kind(s), Some(PiiKind::Iban), "{s}");
        }
    }

    #[test]
    fn national_ids() {
        for s in ["123-45-6789", "078-05-1120", "AB123456C", "AB 12 34 56 C", "ab123456c", "AB 123456 D"] {
            assert_eq!(kind(s), Some(PiiKind::NationalId), "{s}");
        }
        for s in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
            "123456789",
            "12-345-6789",
            "AB123456E",
            "DA123456C",
            "AO123456C",
            "GB123456C",
            "AB12345C",
            "AB  123456C",
            "AB1 23456C",
            " AB123456C ",
        ] {
            let got = kind(s);
            // Valid NINOs with surrounding whitespace are fine: that is trimmed.
            if s.trim() == "AB123456C" {
                assert_eq!(got, Some(PiiKind::NationalId));
            } else {
                assert_ne!(got, Some(PiiKind::NationalId), "{s}");
            }
        }
    }

    #[test]
    fn ip_addresses() {
        for s in [
            "192.168.1.10",
            "10.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "2001:db8::1",
            "::1",
            "fe80::1ff:fe23:4567:890a",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "::ffff:192.0.2.128",
        ] {
            assert_eq!(kind(s), Some(PiiKind::IpAddress), "{s}");
        }
        for s in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "1.2.3.4.",
            "10:30:00",
            "12:30",
            "2001:db8:::1",
            "2001:db8::g",
            "1:2:3:4:5:6:7:8:9",
            "v1.2.3.4",
        ] {
            assert_ne!(kind(s), Some(PiiKind::IpAddress), "{s}");
        }
    }

    #[test]
    fn phones() {
        for s in [
            "+1 415-555-0132",
            "(415) 555-0132",
            "(415)555-0132",
            "+1 (415) 555-0132",
            "+1(415)555-0132",
            "+44 20 7946 0958",
            "415.555.0132",
            "+4915123456789",
            "415-555-0132",
            "555-0132",
            "1-800-555-0199",
            "01 23 45 67 89",
            "020 7946 0958",
            "020 123 456",
            "+33 1 23 45 67 89",
        ] {
            assert_eq!(kind(s), Some(PiiKind::Phone), "{s}");
        }
        for s in [
            "12345",
            "12345678",
            "1704412800",
            "000123",
            "42",
            "1.5",
            "3.14",
            "1234.5678",
            "2024-01-05",
            "2024.01.05",
            "05.01.2024",
            "12/31/2024",
            "1-5-2024",
            "10:30:00",
            "2024-01-05 10:30:00",
            "C-000123",
            "-4155550132",
            "+1234567",
            "+0 415 555 0132",
            "1990-2024",
            "94105-1234",
            "20240105 103000",
            "1 234 567",
            "12.345.678",
            "1 234 567.89",
            "1 2 3 4 5 6 7",
            "978-3-16-148410-0",
            "415--555-0132",
            "415-555-0132-",
            "(415 555-0132",
            "415) 555-0132",
            "(415)(555)0132",
            "(41555) 5-0132",
            "+1 415.555.0132",
            "1234567890123456",
        ] {
            assert_ne!(kind(s), Some(PiiKind::Phone), "{s}");
        }
    }

    #[test]
    fn ordinary_values_are_not_pii() {
        for s in [
            "",
            "   ",
            "\t\n",
            "hello",
            "Hello, world",
            "true",
            "null",
            "N/A",
            "-17",
            "1e10",
            "0.000001",
            "2024-01-05T10:30:00Z",
            "2024-01-05T10:30:00+01:00",
            "10:30",
            "550e8400-e29b-41d4-a716-446655440000",
            "d41d8cd98f00b204e9800998ecf8427e",
            "v2.3.1",
            "SKU-12345-XL",
            "ünïcödé",
            "東京都",
            "🙂🙂🙂",
            "\u{0}",
        ] {
            assert_eq!(kind(s), None, "{s:?}");
        }
        assert_eq!(kind(&"9".repeat(10_000)), None);
        assert_eq!(kind(&format!("{}@example.com", "a".repeat(10_000))), None);
        assert_eq!(kind(&"a@b.co ".repeat(100)), None);
    }

    #[test]
    fn masks() {
        use PiiKind::*;
        let cases = [
            ("jane.doe@example.com", Email, "j***@example.com"),
            ("  jane.doe@example.com ", Email, "j***@example.com"),
            ("éva@example.com", Email, "é***@example.com"),
            ("@example.com", Email, "***@example.com"),
            ("4111-1111-1111-1111", PaymentCard, "****-****-****-1111"),
            ("4111 1111 1111 1111", PaymentCard, "**** **** **** 1111"),
            ("4111111111111111", PaymentCard, "************1111"),
            ("GB82 WEST 1234 5698 7654 32", Iban, "GB** **** **** **** **** 32"),
            ("DE89370400440532013000", Iban, "DE******************00"),
            ("+1 415-555-0132", Phone, "+* ***-***-**32"),
            ("(415) 555-0132", Phone, "(***) ***-**32"),
            ("123-45-6789", NationalId, "***-**-**89"),
            ("AB 12 34 56 C", NationalId, "** ** ** *6 C"),
            ("192.168.1.10", IpAddress, "192.*.*.*"),
            ("2001:db8::1", IpAddress, "2001:*"),
            ("::1", IpAddress, "::*"),
            // Wrong or tiny input is masked, never shown.
            ("12", Phone, "**"),
            ("", Phone, ""),
            ("no at sign", Email, "** ** ****"),
            ("héllo wörld", IpAddress, "***** *****"),
            ("日本語テキスト", NationalId, "*****スト"),
        ];
        for (value, k, want) in cases {
            assert_eq!(mask(value, k), want, "{value} as {k:?}");
        }
    }

    #[test]
    fn masking_is_char_boundary_safe() {
        for s in ["日本語テキスト", "🙂a🙂b🙂", "é", "a\u{301}b", "x@ü.example"] {
            // Email and IP masks collapse parts on purpose; the others mask char for char.
            for k in [PiiKind::Phone, PiiKind::PaymentCard, PiiKind::Iban, PiiKind::NationalId] {
                let m = mask(s, k);
                assert_eq!(m.chars().count(), s.trim().chars().count(), "{s} {k:?} -> {m}");
            }
        }
    }

    #[test]
    fn classify_never_panics_on_pseudo_random_bytes() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Biased toward the bytes the detectors care about so deep paths run too.
        let alphabet = b"0123456789 -.+()@:ABCDEFGZabcdefz_\xc3\xa9\xff";
        for _ in 0..5_000 {
            let len = (next() % 80) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let s = String::from_utf8_lossy(&bytes);
            if let Some(k) = classify(&s) {
                let _ = mask(&s, k);
            }
            for k in PiiKind::ALL {
                let _ = mask(&s, k);
            }
        }
    }
}
