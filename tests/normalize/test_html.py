"""HTML to text and HTML sanitizing, on the shapes boards really send."""

from __future__ import annotations

import html

from pipeline.normalize import html_to_text, sanitize_html

DESCRIPTION = (
    "<h2>About the role</h2><p>Coordinate care for <strong>high-risk</strong> members.</p>"
    "<ul><li>Assess needs</li><li>Build care plans</li></ul>"
    "<p>Requirements:<br>RN license<br>CCM preferred</p>"
    "<script>track()</script><style>p{color:red}</style><!-- hidden -->"
)


def test_paragraphs_and_lists_stay_readable():
    assert html_to_text(DESCRIPTION) == (
        "About the role\n\n"
        "Coordinate care for high-risk members.\n\n"
        "- Assess needs\n- Build care plans\n\n"
        "Requirements:\nRN license\nCCM preferred"
    )


def test_entity_escaped_html_as_greenhouse_sends_it():
    escaped = html.escape(DESCRIPTION)  # "&lt;h2&gt;About the role..."
    assert escaped.startswith("&lt;h2&gt;")
    assert html_to_text(escaped) == html_to_text(DESCRIPTION)


def test_double_escaped_ampersand_becomes_one_character():
    assert html_to_text("&lt;p&gt;Care &amp;amp; Case Management&lt;/p&gt;") == (
        "Care & Case Management")


def test_plain_text_with_entities_and_ampersands():
    assert html_to_text("Salary &amp; benefits") == "Salary & benefits"
    assert html_to_text("AT&T <3 nurses") == "AT&T <3 nurses"


def test_script_style_and_comments_are_dropped():
    text = html_to_text(DESCRIPTION)
    assert "track" not in text and "color" not in text and "hidden" not in text


def test_empty_input_gives_empty_text():
    assert html_to_text(None) == ""
    assert html_to_text("   ") == ""
    assert html_to_text("<p></p>") == ""


def test_table_cells_are_separated():
    assert html_to_text("<table><tr><td>Pay</td><td>$30/hr</td></tr></table>") == "Pay $30/hr"


def test_sanitize_keeps_formatting_and_drops_dangerous_parts():
    dirty = ('<div onclick="steal()"><p style="x">Hi <b>there</b></p>'
             '<a href="javascript:alert(1)">bad</a> <a href="https://example.org/apply">apply</a>'
             '<img src="x" onerror="alert(1)"><script>alert(1)</script><iframe src="x"></iframe>'
             "</div>")
    clean = sanitize_html(dirty)
    assert "<p>Hi <b>there</b></p>" in clean
    assert '<a href="https://example.org/apply" rel="nofollow noopener">apply</a>' in clean
    for bad in ("onclick", "javascript", "script", "onerror", "<img", "iframe", "style"):
        assert bad not in clean


def test_sanitize_unescapes_escaped_html_first():
    assert sanitize_html("&lt;p&gt;Hello&lt;/p&gt;") == "<p>Hello</p>"


def test_sanitize_empty_is_none():
    assert sanitize_html("") is None
    assert sanitize_html(None) is None
