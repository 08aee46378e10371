"""Reading documents: files and folders in, `Document`s out, with a clear error per bad file."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .model import Document

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
MAX_BYTES = 20 * 1024 * 1024

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_DATE = re.compile(rf"\b({_MONTHS})\.? (\d{{1,2}}), (\d{{4}})\b")
_SOURCE = re.compile(r"^\s*(?:Source|Sources|From)\s*:\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)


class IngestError(Exception):
    """A file that cannot be read as a document; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class Problem:
    path: str
    problem: str

    def __str__(self) -> str:
        # a file name may hold line breaks or other control characters: shown escaped, so a
        # name cannot forge a line of the report
        path = "".join(c if c.isprintable() else repr(c)[1:-1] for c in self.path)
        return f"{path}: {self.problem}"


def find_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[Problem]]:
    """Expand files and folders (recursively) into document files, sorted, with missing paths reported."""
    found, problems = find_documents(paths)
    return [path for path, _ in found], problems


def find_documents(paths: Iterable[Path | str]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Like find_files, with each file's document name: its path relative to the folder given
    (so "a/x.txt" and "b/x.txt" under one folder are two documents), or its file name when the
    file itself was given."""
    found: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() not in SUFFIXES or p.name.startswith("."):
                    continue
                if p.is_file():
                    found.append((p, p.relative_to(path).as_posix()))
                elif p.is_symlink():
                    problems.append(Problem(str(p), "a link that leads to no file (dangling, or a loop)"))
        elif path.is_file():
            found.append((path, path.name))
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    seen: set[Path] = set()
    unique = []
    for p, name in found:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append((p, name))
    return unique, problems


def read_document(path: Path | str, max_bytes: int = MAX_BYTES, name: str | None = None) -> Document:
    """Read one .txt, .md or .html file (a document named `name`, by default its file name);
    raise IngestError saying what is wrong with it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(path, f"unsupported file type {suffix or '(none)'}; expected one of "
                          + ", ".join(sorted(SUFFIXES)))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(path, f"file is {size / 2**20:.1f} MB, over the limit of "
                              f"{max_bytes / 2**20:g} MB; split it into articles")
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(path, f"cannot read: {err.strerror or err}") from err
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise IngestError(path, "not UTF-8 but UTF-16 (it starts with a byte-order mark); convert it "
                          "first, e.g. iconv -f utf-16 -t utf-8")
    if b"\x00" in data[:8192]:
        raise IngestError(path, "binary file (contains NUL bytes), not text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(
            path,
            f"not UTF-8: byte 0x{data[err.start]:02x} at offset {err.start}; "
            "convert it first, e.g. iconv -f latin1 -t utf-8",
        ) from err
    if suffix in {".html", ".htm"}:
        title, text = html_to_text(raw)
    elif suffix in {".md", ".markdown"}:
        title, text = markdown_to_text(raw)
    else:
        title, text = None, raw
    text = normalise_text(text)
    if not text.strip():
        raise IngestError(path, "empty document (no text)")
    return document_from_text(text, name=name or path.name, path=str(path),
                              sha256=hashlib.sha256(data).hexdigest(), title=title)


def document_from_text(text: str, name: str, path: str | None = None, sha256: str | None = None,
                       title: str | None = None) -> Document:
    """A Document from text already read (and normalised); title, source and date guessed from it."""
    return Document(
        name=name,
        path=path or name,
        text=text,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=title or guess_title(text),
        source=guess_source(text),
        date=guess_date(text),
    )


def iter_documents(paths: Iterable[Path | str]) -> Iterator[Document | Problem]:
    """Every document under `paths`, and a Problem (not an exception) for each one that is bad."""
    from .namespace import document_iri

    files, problems = find_documents(paths)
    yield from problems
    first: dict[str, Path] = {}  # documents are known by their name (kg.namespace.document_iri)
    for path, name in files:
        taken = first.setdefault(document_iri(name), path)
        if taken != path:
            yield Problem(str(path), f"same document name {name!r} as {taken} (documents are known by "
                          "their path inside the folder given, so one would replace the other); "
                          "give the folder that holds both instead, or rename one of them")
            continue
        try:
            yield read_document(path, name=name)
        except IngestError as err:
            yield Problem(err.path, err.problem)


def normalise_text(text: str) -> str:
    """Line endings and invisible characters; offsets refer to this text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return text


def guess_title(text: str) -> str | None:
    """The first line that reads like a headline (several words, no full stop at the end)."""
    for line in text.splitlines()[:12]:
        line = line.strip()
        if 4 <= len(line.split()) <= 30 and not line.endswith((".", ":")):
            return line
    return None


def guess_source(text: str) -> str | None:
    match = _SOURCE.search(text)
    return match.group(1) if match else None


def guess_date(text: str) -> str | None:
    """The first full date in the opening of the text (a dateline), as YYYY-MM-DD."""
    match = _DATE.search(text[:600])
    if not match:
        return None
    month = _MONTHS.split("|").index(match.group(1)) + 1
    return f"{match.group(3)}-{month:02d}-{int(match.group(2)):02d}"


class _TextOfHTML(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "footer"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
              "article", "header", "blockquote", "pre", "ul", "ol", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False
        self._title_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
            self._title_depth = self._skip_depth  # the title sits in <head>, which is skipped
        elif tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            if self._skip_depth == self._title_depth:  # a script inside the title is no part of it
                self.title_parts.append(data)
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(raw: str) -> tuple[str | None, str]:
    parser = _TextOfHTML()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n[ \n]*\n *", "\n\n", text).strip()
    title = " ".join("".join(parser.title_parts).split()) or None
    return title, text


def markdown_to_text(raw: str) -> tuple[str | None, str]:
    """Markdown to plain text, keeping offsets' meaning simple: markup is removed, text kept."""
    title = None
    lines = []
    for line in raw.splitlines():
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            line = heading.group(1)
        line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)  # images
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links
        line = re.sub(r"^\s*[-*+]\s+", "", line)  # list bullets, before emphasis takes their "*"
        line = re.sub(r"(\*\*|__|\*|`)", "", line)
        if heading and title is None:
            title = line
        lines.append(line)
    return title, "\n".join(lines)
