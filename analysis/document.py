"""A small document model for the report, written out as Markdown and as one self-contained HTML
page (figures embedded as data: URIs, no external files, scripts or fonts).

Text may use four inline Markdown forms, which the HTML writer translates: **bold**, *italic*,
`code` and [text](relative/link). Everything else is escaped. Figures are shown at their printed
size (from the PNG's resolution), so a single-column figure looks like one next to the text.
"""

import base64
import html
import mimetypes
import os
import re
from typing import List, Optional, Sequence

_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)"
                     r"|(?<![\w*])\*(?![\s*])([^*]+?)(?<!\s)\*(?![\w*])")

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em;
     border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #444; }
.answer li { margin-bottom: 0.4em; } .warning { color: #a00; font-weight: bold; }
"""


class Doc:
    """Blocks in order; `markdown()` and `html()` render them."""

    def __init__(self, title: str):
        self.title = title
        self.blocks: List[tuple] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(("heading", level, text))

    def para(self, text: str) -> None:
        self.blocks.append(("para", text))

    def bullets(self, items: Sequence[str], css: str = "") -> None:
        self.blocks.append(("bullets", list(items), css))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blocks.append(("table", list(headers), [list(r) for r in rows]))

    def image(self, path: str, alt: str, caption: str = "") -> None:
        """`path` is relative to the directory the document is written to."""
        self.blocks.append(("image", path, alt, caption))

    def code(self, text: str) -> None:
        self.blocks.append(("code", text))

    def images(self) -> List[str]:
        return [b[1] for b in self.blocks if b[0] == "image"]

    # ------------------------------------------------------------------ Markdown

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for b in self.blocks:
            kind = b[0]
            if kind == "heading":
                out += ["#" * b[1] + " " + b[2], ""]
            elif kind == "para":
                out += [b[1], ""]
            elif kind == "bullets":
                out += [f"- {item}" for item in b[1]] + [""]
            elif kind == "table":
                out += [_md_table(b[1], b[2]), ""]
            elif kind == "image":
                out += [f"![{b[2]}]({b[1]})"] + ([f"*{b[3]}*"] if b[3] else []) + [""]
            elif kind == "code":
                out += ["```", b[1], "```", ""]
        return "\n".join(out)

    # ------------------------------------------------------------------ HTML

    def html(self, base_dir: str) -> str:
        """One page; images are read from base_dir and embedded as data: URIs."""
        body = [f"<h1>{inline(self.title)}</h1>"]
        for b in self.blocks:
            kind = b[0]
            if kind == "heading":
                body.append(f"<h{b[1]}>{inline(b[2])}</h{b[1]}>")
            elif kind == "para":
                body.append(f"<p>{inline(b[1])}</p>")
            elif kind == "bullets":
                cls = f' class="{b[2]}"' if b[2] else ""
                body.append(f"<ul{cls}>" + "".join(f"<li>{inline(i)}</li>" for i in b[1])
                            + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{inline(h)}</th>" for h in b[1])
                rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>"
                               for r in b[2])
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
                            "</table>")
            elif kind == "image":
                path = os.path.join(base_dir, b[1])
                inches = png_width_inches(path)
                size = f' style="width: {inches:.2f}in"' if inches else ""
                cap = f"<figcaption>{inline(b[3])}</figcaption>" if b[3] else ""
                body.append(f'<figure><img src="{data_uri(path)}" alt="{html.escape(b[2])}"'
                            f"{size}>{cap}</figure>")
            elif kind == "code":
                body.append(f"<pre>{html.escape(b[1])}</pre>")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title><style>{CSS}</style></head>\n<body>\n"
                + "\n".join(body) + "\n</body></html>\n")


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(_md_escape(h) for h in headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def inline(text: str) -> str:
    """Escape `text` for HTML, translating **bold**, `code` and [text](link)."""
    out, pos = [], 0
    text = str(text)
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append(f"<strong>{html.escape(m.group(1))}</strong>")
        elif m.group(2) is not None:
            out.append(f"<code>{html.escape(m.group(2))}</code>")
        elif m.group(5) is not None:
            out.append(f"<em>{html.escape(m.group(5))}</em>")
        else:
            out.append(f'<a href="{html.escape(m.group(4))}">{html.escape(m.group(3))}</a>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def png_width_inches(path: str) -> Optional[float]:
    """Printed width of a PNG from its IHDR width and pHYs resolution (None if either is
    missing or the unit is not the metre)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width = int.from_bytes(data[16:20], "big")
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"pHYs" and length == 9:
            ppm = int.from_bytes(data[pos + 8:pos + 12], "big")
            unit = data[pos + 16]
            return width / (ppm * 0.0254) if unit == 1 and ppm > 0 else None
        if kind == b"IDAT":
            return None
        pos += 12 + length
    return None


def data_uri(path: str, mime: Optional[str] = None) -> str:
    mime = mime or mimetypes.guess_type(path)[0] or "application/octet-stream"
    with open(path, "rb") as fh:
        return f"data:{mime};base64," + base64.b64encode(fh.read()).decode("ascii")
