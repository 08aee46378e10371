"""From files to a graph: ingest -> spaCy -> resolve -> RDF, one document at a time."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import rdf
from .ingest import Problem, iter_documents
from .model import Document, Extraction
from .nlp import load_pipeline
from .resolve import extract

log = logging.getLogger(__name__)
BATCH_SIZE = 16


@dataclass
class BuildReport:
    """What a build did: documents read, and every file that could not be used and why."""

    documents: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def extractions(
    paths: Iterable[Path | str],
    model: str | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
    skip: Callable[[Document], bool] | None = None,
) -> Iterator[Extraction]:
    """Extractions of every readable document under `paths`; bad files go to `report.problems`.
    Documents for which `skip(document)` is true are left out before any language processing
    (and listed in `report.unchanged`)."""
    report = report if report is not None else BuildReport()
    nlp = load_pipeline(model)
    items = list(iter_documents(paths))
    documents = [item for item in items if isinstance(item, Document)]
    if skip is not None:
        skipped = {d.name for d in documents if skip(d)}
        report.unchanged.extend(sorted(skipped))
        documents = [d for d in documents if d.name not in skipped]
    report.problems.extend(item for item in items if isinstance(item, Problem))
    with _progress(progress, len(documents)) as bar:
        for start in range(0, len(documents), BATCH_SIZE):
            batch = documents[start:start + BATCH_SIZE]
            for document, doc in _parse(nlp, batch, report):
                try:
                    yield extract(document, doc)
                    report.documents.append(document.name)
                except Exception as err:  # one bad document never loses the others' work
                    log.exception("extraction failed for %s", document.path)
                    report.problems.append(Problem(document.path, f"extraction failed: {err}"))
                bar.advance()


def _parse(nlp, batch: list[Document], report: BuildReport):
    try:
        docs = list(nlp.pipe(d.text for d in batch))
        yield from zip(batch, docs)
    except Exception:
        # find the culprit: parse one by one, keep the rest
        for document in batch:
            try:
                yield document, nlp(document.text)
            except Exception as err:
                log.exception("NLP failed for %s", document.path)
                report.problems.append(Problem(document.path, f"language processing failed: {err}"))


def build(
    paths: Iterable[Path | str] | Path | str,
    model: str | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
) -> Graph:
    """The knowledge graph of the documents under `paths` (files or folders)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    graph = rdf.new_graph()
    for extraction in extractions(paths, model=model, report=report, progress=progress):
        rdf.add_extraction(graph, extraction)
    return graph


class _NoBar:
    def advance(self) -> None:
        pass


class _progress:
    """A rich progress bar on long work, nothing on short or quiet work."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 1
        self.total = total

    def __enter__(self):
        if not self.enabled:
            return _NoBar()
        self.progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=True)
        self.progress.start()
        task = self.progress.add_task("documents", total=self.total)
        progress = self.progress

        class _Bar:
            def advance(self) -> None:
                progress.advance(task)

        return _Bar()

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.progress.stop()


def extract_text(text: str, name: str = "text.txt", model: str | None = None) -> Extraction:
    """The extraction of a text given as a string (a document named `name`)."""
    import hashlib

    from .ingest import guess_date, guess_source, guess_title, normalise_text

    text = normalise_text(text)
    document = Document(name=name, path=name, text=text,
                        sha256=hashlib.sha256(text.encode()).hexdigest(),
                        title=guess_title(text), source=guess_source(text), date=guess_date(text))
    return extract(document, load_pipeline(model)(text))
