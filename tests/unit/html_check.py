"""A small well-formedness check for the rendered e-mails."""

from html.parser import HTMLParser


class TagBalance(HTMLParser):
    """Records the document's elements and whether every opened element is closed."""

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def parsed(html: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(html)
    parser.close()
    return parser


def visible(html: str) -> str:
    """The text a reader sees of ``html``: tags dropped, entities read (a sentence whose amount is
    wrapped to stay on one line still reads as one sentence)."""
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html))
