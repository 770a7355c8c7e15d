//! Writing the table as HTML text: the browser parses a table's frame and a batch of new rows
//! in one call each, and a server sends the same text. Every text and attribute value passes
//! through [`escape`].

/// Appends `text` to `html`, escaped for an element's text or a quoted attribute value.
pub(super) fn escape(html: &mut String, text: &str) {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        html.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

/// Appends ` name="value"` (the value escaped).
pub(super) fn attribute(html: &mut String, name: &str, value: &str) {
    html.push(' ');
    html.push_str(name);
    html.push_str("=\"");
    escape(html, value);
    html.push('"');
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_for_elements_and_attributes() {
        let mut html = String::from("<td>");
        super::escape(&mut html, r#"<img src=x onerror="a&b">'"#);
        assert_eq!(
            html,
            "<td>&lt;img src=x onerror=&quot;a&amp;b&quot;&gt;&#39;"
        );
        let mut plain = String::new();
        super::escape(&mut plain, "portal-canary 2 · ünïcode");
        assert_eq!(plain, "portal-canary 2 · ünïcode");
        let mut attr = String::from("<th");
        super::attribute(&mut attr, "aria-label", r#"say "hi""#);
        assert_eq!(attr, r#"<th aria-label="say &quot;hi&quot;""#);
    }
}
