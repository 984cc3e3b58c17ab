"""Check that generated pages only ever point at local files (or data: URIs)."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data",
             "srcset", "background", "manifest", "ping", "cite", "longdesc"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)
JS_NETWORK = re.compile(r"\b(fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts)"
                        r"\b|\bimport\s*\(")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []  # (tag.attr, value)
        self.inline_css: list[str] = []
        self.inline_js: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRS:
                values = [v.strip().split()[0] for v in value.split(",")] if name == "srcset" \
                    else [value]
                self.refs += [(f"{tag}.{name}", v) for v in values if v]
            if name == "style":
                self.inline_css.append(value)
            if name.startswith("on"):
                self.inline_js.append(value)
        self._in = tag if tag in {"style", "script"} else None
        if tag == "script" and dict(attrs).get("type") == "application/json":
            self._in = None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.inline_css.append(data)
        elif self._in == "script":
            self.inline_js.append(data)


def non_local_references(page: Path) -> list[str]:
    """Every reference in ``page`` (and the CSS/JS it loads) that is not a local file."""
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    problems: list[str] = []
    css = list(parser.inline_css)
    js = list(parser.inline_js)
    for where, ref in parser.refs:
        parts = urlsplit(ref)
        if parts.scheme == "data" or ref.startswith("#"):
            continue
        if parts.scheme or parts.netloc or ref.startswith("//"):
            problems.append(f"{page.name}: {where}={ref!r} is not a relative local path")
            continue
        target = (page.parent / unquote(parts.path)).resolve()
        if not target.is_file():
            problems.append(f"{page.name}: {where}={ref!r} points at a missing file")
            continue
        if target.suffix == ".css":
            css.append(target.read_text(encoding="utf-8"))
        elif target.suffix == ".js":
            js.append(target.read_text(encoding="utf-8"))
    for text in css:
        for m in CSS_URL.finditer(text):
            ref = m.group(1) or m.group(2)
            if not ref.startswith(("data:", "#")):
                problems.append(f"{page.name}: CSS loads {ref!r}")
    for text in js:
        if m := JS_NETWORK.search(text):
            problems.append(f"{page.name}: script uses {m.group(0)!r}")
        if re.search(r"https?://", text):
            problems.append(f"{page.name}: script mentions an http(s) URL")
    return problems
