"""HTML to readable plain text, and HTML to a safe subset of tags.

Boards send descriptions as HTML, sometimes entity-escaped once more (Greenhouse and Arbeitnow send
``&lt;p&gt;Hello&lt;/p&gt;``): such text is unescaped before parsing. Paragraphs become blank-line
separated blocks, list items ``- item`` lines, ``<br>`` a line break; scripts and styles vanish.
``sanitize_html`` keeps only formatting tags and safe links, for ``Posting.description_html``.
"""

from __future__ import annotations

import html as html_lib
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "table", "tr", "blockquote", "pre", "dl", "dt", "dd", "hr", "main", "aside",
})
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "head")
SAFE_TAGS = frozenset({
    "p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "h1", "h2", "h3", "h4", "h5",
    "h6", "a", "blockquote", "pre", "code", "table", "thead", "tbody", "tr", "td", "th", "hr",
    "dl", "dt", "dd", "span", "div", "sub", "sup",
})
SAFE_SCHEMES = ("http://", "https://", "mailto:")

_ESCAPED_TAG = re.compile(r"&lt;/?[a-zA-Z][a-zA-Z0-9]*(\s[^&]*?)?/?&gt;")
_TAG = re.compile(r"<[a-zA-Z/!]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def unescape_if_escaped(markup: str) -> str:
    """Undo one level of entity escaping when the text holds escaped tags but no real ones."""
    if _ESCAPED_TAG.search(markup) and not _TAG.search(markup):
        return html_lib.unescape(markup)
    return markup


def _soup(markup: str) -> BeautifulSoup:
    soup = BeautifulSoup(unescape_if_escaped(markup), "lxml")
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    return soup


def html_to_text(html: str | None) -> str:
    """Readable plain text of an HTML fragment (escaped or not); '' for None or empty input."""
    if not html or not html.strip():
        return ""
    if not _TAG.search(html) and not _ESCAPED_TAG.search(html):
        return _tidy(html_lib.unescape(html))
    parts: list[str] = []
    _walk(_soup(html), parts)
    return _tidy("".join(parts))


def _walk(node: Tag, parts: list[str]) -> None:
    """Append the text of ``node`` to ``parts`` with line breaks where the layout has them."""
    for child in node.children:
        if isinstance(child, NavigableString):
            parts.append(str(child).replace("\n", " "))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            parts.append("\n")
        elif name == "li":
            parts.append("\n- ")
            _walk(child, parts)
        elif name in ("td", "th"):
            _walk(child, parts)
            parts.append(" ")
        elif name in BLOCK_TAGS:
            parts.append("\n\n")
            _walk(child, parts)
            parts.append("\n\n")
        else:
            _walk(child, parts)


def _tidy(text: str) -> str:
    """Collapse runs of spaces, trim each line, and keep at most one blank line in a row."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def sanitize_html(html: str | None) -> str | None:
    """The HTML reduced to formatting tags and http(s)/mailto links; None for empty input."""
    if not html or not html.strip():
        return None
    soup = _soup(html)
    root = soup.body or soup
    for tag in root.find_all(True):
        if tag.name not in SAFE_TAGS:
            tag.unwrap()
            continue
        href = tag.get("href") if tag.name == "a" else None
        tag.attrs = {}
        if isinstance(href, str) and href.strip().lower().startswith(SAFE_SCHEMES):
            tag.attrs = {"href": href.strip(), "rel": "nofollow noopener"}
    cleaned = "".join(str(child) for child in root.children).strip()
    return cleaned or None
