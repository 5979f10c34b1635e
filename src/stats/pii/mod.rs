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

mod detect;
#[cfg(test)]
mod tests;

use detect::{is_email, is_iban, is_ipv4, is_ipv6, is_payment_card, is_phone, is_uk_nino, is_us_ssn};

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
