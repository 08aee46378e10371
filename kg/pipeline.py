"""From files to a graph: ingest -> spaCy -> resolve -> RDF, streamed batch by batch."""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

from rdflib import Graph
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from . import rdf
from .ingest import Problem, find_files, iter_documents
from .model import Document, Extraction
from .query import query, resolve_query, rows
from .reference import add_reference, is_reference_graph
from .store import Store

log = logging.getLogger(__name__)

BATCH_SIZE = 16
# Documents written to a store per transaction (Store.ingest_many): a kill loses at most the
# batch under way, and one transaction per document cost ~4x what loading at once does.
INGEST_BATCH = 16
# A text longer than this is parsed and extracted in parts of at most this many characters,
# cut at paragraph breaks where it has them. spaCy refuses texts over 1,000,000 characters
# (E088), and past about 50,000 its time and memory grow faster than the text (measured here:
# 0.6 s per 10,000 characters up to 50,000; 100,000 take 7.4 s), so parts of this size keep a
# long file's cost in proportion to its length while a news article stays whole. What is lost
# in a longer text: a name resolved in one part (an acronym defined there) is not carried into
# the next.
PART_CHARS = 50_000


# spaCy (kg.nlp, kg.resolve) is imported when a document is first processed, not with this
# module: a rebuild that finds every document unchanged needs none of it (its import was half
# of such a build's time)
def load_pipeline(model: str | None = None):
    """kg.nlp.load_pipeline."""
    from .nlp import load_pipeline as load

    return load(model)


def extract(document: Document, doc) -> Extraction:
    """kg.resolve.extract: the entities, relations and figures of a parsed document."""
    from .resolve import extract as resolve

    return resolve(document, doc)


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
    batch_size: int = BATCH_SIZE,
) -> Iterator[Extraction]:
    """Extractions of every readable document under `paths`; bad files go to `report.problems`.
    Documents for which `skip(document)` is true are left out before any language processing
    (and listed in `report.unchanged`).

    The work streams: files are read, parsed and handed on `batch_size` at a time, so memory
    does not grow with the corpus, and the spaCy pipeline is only loaded once a document
    needs it."""
    report = report if report is not None else BuildReport()
    paths = list(paths)
    total = len(find_files(paths)[0]) if progress else 0
    nlp = None
    with _progress(progress, total) as bar:
        for batch in batches(documents(paths, report, skip, bar), batch_size):
            nlp = nlp or load_pipeline(model)
            yield from reported(extract_batch(nlp, batch), report, bar)


def default_jobs() -> int:
    """The processes a build uses by default: one per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def extract_partition(partition: list[Document], model: str | None = None) -> list[Extraction | Problem]:
    """Run in a worker process (local or on a Dask worker): the extractions of one partition;
    the pipeline is loaded once per process and kept."""
    return extract_batch(load_pipeline(model), partition)


def pooled_extractions(
    paths: Iterable[Path | str],
    submit: Callable[[list[Document]], object],
    in_flight: int,
    report: BuildReport | None = None,
    progress: bool = False,
    skip: Callable[[Document], bool] | None = None,
    partition_size: int = BATCH_SIZE,
    timeout: float | None = None,
) -> Iterator[Extraction]:
    """Like `extractions`, with each partition of documents handed to `submit`, which returns a
    future (of a local process pool or of a Dask cluster) of `extract_partition`'s result.
    At most `in_flight` partitions are out at a time, so memory stays bounded; results come
    back in the order the documents were read, so every run builds the same graph the same way."""
    report = report if report is not None else BuildReport()
    paths = list(paths)
    total = len(find_files(paths)[0]) if progress else 0
    pending: deque = deque()
    with _progress(progress, total) as bar:
        for partition in batches(documents(paths, report, skip, bar), partition_size):
            pending.append(submit(partition))
            if len(pending) >= in_flight:
                yield from reported(_result(pending.popleft(), timeout), report, bar)
        while pending:
            yield from reported(_result(pending.popleft(), timeout), report, bar)


def _result(future, timeout: float | None) -> list[Extraction | Problem]:
    results = future.result(timeout=timeout)
    if hasattr(future, "release"):  # a Dask future: the cluster may forget it now
        future.release()
    return results


def parallel_extractions(
    paths: Iterable[Path | str],
    jobs: int | None = None,
    model: str | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
    skip: Callable[[Document], bool] | None = None,
    partition_size: int = BATCH_SIZE,
) -> Iterator[Extraction]:
    """Like `extractions`, in `jobs` worker processes (default: one per core); the same
    extractions in the same order as one process gives. A corpus of one partition or less,
    or one job, stays in this process (starting workers would cost more than it saves)."""
    paths = list(paths)
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(find_files(paths)[0]) <= partition_size:
        yield from extractions(paths, model, report, progress, skip, partition_size)
        return
    # spawned, not forked: a fork would copy this process's threads and open store
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_exit_with_parent,
                             initargs=(os.getpid(),)) as pool:
        yield from pooled_extractions(paths, lambda part: pool.submit(extract_partition, part, model),
                                      2 * jobs, report, progress, skip, partition_size)


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """Run in each worker: end it when the build that started it is gone (killed, say), instead
    of waiting for work that will never come while holding a loaded pipeline."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def reported(results: list[Extraction | Problem], report: BuildReport, bar) -> Iterator[Extraction]:
    """The extractions among `results`; the problems go to `report`."""
    for item in results:
        if isinstance(item, Problem):
            report.problems.append(item)
        else:
            report.documents.append(item.document.name)
            yield item
        bar.advance()


def documents(paths: Iterable[Path | str], report: BuildReport,
              skip: Callable[[Document], bool] | None = None, bar=None) -> Iterator[Document]:
    """The readable documents under `paths`, one at a time; problems and skipped (unchanged)
    documents go to `report`."""
    for item in iter_documents(paths):
        if isinstance(item, Problem):
            report.problems.append(item)
        elif skip is not None and skip(item):
            report.unchanged.append(item.name)
        else:
            yield item
            continue
        if bar is not None:
            bar.advance()


def batches(items: Iterable, size: int) -> Iterator[list]:
    """`items` in lists of `size` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def extract_batch(nlp, batch: list[Document]) -> list[Extraction | Problem]:
    """The extraction of each document of `batch`, or a Problem saying why there is none: one
    bad document never loses the others' work."""
    results: list[Extraction | Problem] = []
    for document in batch:
        if len(document.text) > PART_CHARS:
            try:
                results.append(extract_in_parts(nlp, document))
            except Exception as err:
                log.exception("extraction failed for %s", document.path)
                results.append(Problem(document.path, f"extraction failed: {err}"))
    batch = [document for document in batch if len(document.text) <= PART_CHARS]
    for document, doc in _parse(nlp, batch, results):
        try:
            results.append(extract(document, doc))
        except Exception as err:
            log.exception("extraction failed for %s", document.path)
            results.append(Problem(document.path, f"extraction failed: {err}"))
    return results


def text_parts(text: str, size: int = PART_CHARS) -> list[tuple[int, str]]:
    """`text` as (offset, part) pairs, each part at most `size` characters and the parts
    together the whole text: cut after the last paragraph break within `size`, else the last
    line break, else the last sentence end, else the last space (a text without any is cut
    anywhere)."""
    parts = []
    start = 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = next((window.rfind(mark) + len(mark) for mark in ("\n\n", "\n", ". ", " ")
                    if window.rfind(mark) > 0), size)
        parts.append((start, window[:cut]))
        start += cut
    parts.append((start, text[start:]))
    return parts


def extract_in_parts(nlp, document: Document) -> Extraction:
    """The extraction of a long document, parsed and extracted part by part (text_parts), the
    parts' findings put together with their offsets in the whole text."""
    from dataclasses import replace

    whole = Extraction(document=document)
    for offset, text in text_parts(document.text):
        part = extract(replace(document, text=text), nlp(text))
        for key, entity in part.entities.items():
            mentions = [replace(m, start=m.start + offset, end=m.end + offset) for m in entity.mentions]
            known = whole.entities.get(key)
            if known is None:
                whole.entities[key] = replace(entity, mentions=mentions)
            else:  # the same entity in an earlier part: one entity, all its names and mentions
                known.aliases |= entity.aliases
                known.mentions.extend(mentions)
                for name, value in entity.attributes.items():
                    known.attributes.setdefault(name, value)

        def shifted(evidence):
            return replace(evidence, start=evidence.start + offset, end=evidence.end + offset)

        whole.relations.extend(replace(r, evidence=shifted(r.evidence)) for r in part.relations)
        whole.figures.extend(replace(f, evidence=shifted(f.evidence)) for f in part.figures)
    return whole


def _parse(nlp, batch: list[Document], problems: list):
    """(document, doc) for each document of `batch` spaCy could process, in order; the others
    go to `problems`. spaCy's own error handler (nlp.set_error_handler) does not fit here: it
    is state of the pipeline, which the threads of a Dask worker share, and it drops a failing
    component's whole minibatch, so a batch would still be parsed again one by one."""
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
                problems.append(Problem(document.path, f"language processing failed: {err}"))


def confident(results: Iterable[Extraction], min_confidence: float) -> Iterator[Extraction]:
    """The extractions with the relations scored below `min_confidence` left out (the
    relation model's score, or a rule's confidence, is each relation's confidence)."""
    for extraction in results:
        if min_confidence > 0:
            extraction.relations = [r for r in extraction.relations if r.evidence.confidence >= min_confidence]
        yield extraction


def build(
    paths: Iterable[Path | str] | Path | str,
    model: str | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
    source: Callable[..., Iterator[Extraction]] | None = None,
    min_confidence: float = 0.0,
) -> Graph:
    """The knowledge graph of the documents under `paths` (files or folders), with the
    reference facts of its entities (kg.reference); `source` is where the extractions come
    from (default: `extractions`, here; see kg.distributed); relations scored below
    `min_confidence` are left out."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    graph = rdf.new_graph()
    found = (source or extractions)(paths, model=model, report=report, progress=progress)
    for extraction in confident(found, min_confidence):
        rdf.add_extraction(graph, extraction)
    add_reference(graph)  # what the entities are part of, from reference data (kg.reference)
    return graph


@dataclass
class StoreBuild:
    """What a build into a store did, and what the store holds after it."""

    counts: Counter[str]  # "added", "replaced", "unchanged" -> documents, in the order met
    documents: int  # in the store after the build
    quads: int
    classes: dict[str, int]  # top class -> entities in the store
    graph: Graph | None = None  # the whole store, when asked for


def build_store(
    paths: Iterable[Path | str] | Path | str,
    store: Store | Path | str,
    model: str | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
    source: Callable[..., Iterator[Extraction]] | None = None,
    with_graph: bool = False,
    min_confidence: float = 0.0,
) -> StoreBuild:
    """Add the documents under `paths` to a store (an open Store, or the directory of one,
    opened and closed here), INGEST_BATCH documents per transaction: unchanged documents are
    skipped before any language processing, changed ones replaced. With `with_graph`, the whole store comes back
    as an rdflib Graph too (it is built only when asked for: a large store is a large graph).
    Relations scored below `min_confidence` are left out of the documents extracted now."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not isinstance(store, Store):
        with Store.open(store) as opened:
            return build_store(paths, opened, model, report, progress, source, with_graph, min_confidence)
    report = report if report is not None else BuildReport()
    counts: Counter[str] = Counter()
    found = (source or extractions)(paths, model=model, report=report, progress=progress, skip=store.unchanged)
    for batch in batches(confident(found, min_confidence), INGEST_BATCH):
        counts.update(store.ingest_many(batch))
    counts["unchanged"] += len(report.unchanged)
    name, text = resolve_query("entities-by-class")
    classes = {r["topClass"].rsplit("#", 1)[-1]: int(r["entities"]) for r in rows(query(store, text, name=name))}
    documents = sum(1 for name in store.named_graphs() if not is_reference_graph(name))
    return StoreBuild(counts=counts, documents=documents, quads=len(store), classes=classes,
                      graph=store.to_graph() if with_graph else None)


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
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), transient=True)
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
    from .ingest import document_from_text, normalise_text

    document = document_from_text(normalise_text(text), name=name)
    nlp = load_pipeline(model)
    if len(document.text) > PART_CHARS:
        return extract_in_parts(nlp, document)
    return extract(document, nlp(document.text))
