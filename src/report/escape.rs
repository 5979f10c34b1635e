//! Escaping of text from the data for Markdown and HTML, shared by the scan report's and the
//! history's pages, so that a value holding `|`, `*`, a backtick or `<script>` stays text.

/// Data as Markdown text: whitespace runs become one space, control characters are shown
/// escaped, Markdown's punctuation is backslash-escaped and HTML's is written as entities, so
/// nothing from the data can open a link, a table cell, emphasis or an HTML tag.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

/// Data as an inline code span: a fence longer than any run of backticks inside, newlines and
/// control characters shown escaped, and `|` escaped inside a table cell (GFM splits cells
/// before it reads code spans).
pub(crate) fn code(s: &str, in_table: bool) -> String {
    let mut body = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' if in_table => body.push_str("\\|"),
            c if c.is_control() => body.extend(c.escape_debug()),
            c => body.push(c),
        }
    }
    if body.is_empty() {
        return "` `".to_string();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span starting or ending with a backtick (or a space) needs a space inside the fence,
    // which the reader strips again.
    let pad = if body.starts_with(['`', ' ']) || body.ends_with(['`', ' ']) { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text from the data as HTML (and SVG) text or attribute value: the five markup characters as
/// entities, and control characters (which XML forbids and HTML would show as nothing) escaped
/// as `\u{1b}`.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_text_escape() {
        assert_eq!(code("plain", false), "`plain`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a\nb", false), "`a\\nb`");
        assert_eq!(code("", false), "` `");
        assert_eq!(text("a_b *c*\n d"), "a\\_b \\*c\\* d");
        assert_eq!(text("<b>&"), "&lt;b&gt;&amp;");
    }
}
