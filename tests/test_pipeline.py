"""The build streams batch by batch, and unchanged documents never reach the NLP."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
import kg.pipeline as pipeline
from kg.cli import app
from kg.pipeline import BuildReport, extractions
from kg.store import Store

from conftest import ROOT

EXAMPLES = ROOT / "examples"


class CountingPipeline:
    """A spaCy pipeline that counts the texts it is given."""

    def __init__(self, nlp) -> None:
        self.nlp = nlp
        self.texts: list[str] = []

    def pipe(self, texts, **kwargs):
        for text in texts:
            self.texts.append(text)
            yield self.nlp(text)

    def __call__(self, text):
        self.texts.append(text)
        return self.nlp(text)


@pytest.fixture
def counted(nlp, monkeypatch):
    counting = CountingPipeline(nlp)
    monkeypatch.setattr(pipeline, "load_pipeline", lambda model=None: counting)
    return counting


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(EXAMPLES, folder)
    return folder


def test_documents_are_read_batch_by_batch(corpus, counted, monkeypatch):
    read = []
    original = pipeline.iter_documents

    def recording(paths):
        for item in original(paths):
            read.append(item)
            yield item

    monkeypatch.setattr(pipeline, "iter_documents", recording)
    stream = extractions([corpus], batch_size=2)
    first = next(stream)
    assert first.document.name == sorted(p.name for p in corpus.iterdir())[0]
    assert len(read) == 2 and len(counted.texts) == 2  # not the whole corpus
    rest = list(stream)
    assert len(rest) == len(list(corpus.iterdir())) - 1 == len(read) - 1


def test_no_nlp_loaded_when_every_document_is_skipped(corpus, monkeypatch):
    def fail(model=None):
        raise AssertionError("the NLP pipeline was loaded")

    monkeypatch.setattr(pipeline, "load_pipeline", fail)
    report = BuildReport()
    assert list(extractions([corpus], report=report, skip=lambda d: True)) == []
    assert sorted(report.unchanged) == sorted(p.name for p in corpus.iterdir())


def _ingest(corpus, store, report):
    return [store.ingest(e) for e in extractions([corpus], report=report,
                                                  skip=store.unchanged)]


def test_unchanged_documents_are_not_parsed(corpus, counted):
    store = Store.in_memory()
    total = len(list(corpus.iterdir()))
    assert _ingest(corpus, store, BuildReport()) == ["added"] * total
    assert len(counted.texts) == total
    quads = len(store)

    counted.texts.clear()
    report = BuildReport()
    assert _ingest(corpus, store, report) == []
    assert counted.texts == [] and len(report.unchanged) == total and len(store) == quads

    changed = sorted(corpus.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nGhana and Kenya signed an agreement.\n",
                       encoding="utf-8")
    report = BuildReport()
    assert _ingest(corpus, store, report) == ["replaced"]
    assert len(counted.texts) == 1 and "Ghana and Kenya signed" in counted.texts[0]
    assert len(report.unchanged) == total - 1


def test_cli_rebuild_of_a_store_parses_nothing(corpus, counted, tmp_path):
    runner = CliRunner()
    db = tmp_path / "corpus.db"
    first = runner.invoke(app, ["build", str(corpus), "--store", str(db)])
    assert first.exit_code == 0, first.output
    parsed = len(counted.texts)
    assert parsed == len(list(corpus.iterdir()))
    again = runner.invoke(app, ["build", str(corpus), "--store", str(db)])
    assert again.exit_code == 0, again.output
    assert len(counted.texts) == parsed
    assert f"{parsed} unchanged" in again.output


def test_build_into_a_store_adds_then_skips_then_replaces(corpus, counted, tmp_path):
    total = len(list(corpus.iterdir()))
    first = kg.build(corpus, store=tmp_path / "corpus.db")
    assert first.counts == {"added": total, "unchanged": 0} and first.documents == total
    assert first.quads > 0 and sum(first.classes.values()) > 0 and first.graph is None
    changed = sorted(corpus.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nGhana and Kenya signed an agreement.\n",
                       encoding="utf-8")
    with Store.open(tmp_path / "corpus.db") as store:
        again = kg.build([corpus], store=store)
        assert again.counts == {"replaced": 1, "unchanged": total - 1}
        assert pipeline.build_store([corpus], store, with_graph=True).graph is not None
    assert len(counted.texts) == total + 1


def test_bad_files_are_reported_while_streaming(corpus, counted):
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    report = BuildReport()
    done = [e.document.name for e in extractions([corpus], report=report, batch_size=2)]
    assert "empty.txt" not in done and len(done) == len(list(corpus.iterdir())) - 1
    assert [p.path.endswith("empty.txt") for p in report.problems] == [True]


def test_engine_dask_needs_a_scheduler(corpus, tmp_path):
    result = CliRunner().invoke(app, ["build", str(corpus), "--engine", "dask", "-o", str(tmp_path / "g.ttl")])
    assert result.exit_code == 2
    assert "--scheduler" in result.output


def test_ingesting_a_new_document_does_not_scan_the_store(corpus, nlp, monkeypatch):
    store = Store.in_memory()
    monkeypatch.setattr(Store, "documents", lambda self: (_ for _ in ()).throw(AssertionError("scan")))
    assert [store.ingest(e) for e in extractions([corpus], skip=store.unchanged)] == ["added"] * 5


# ties a set's iteration order used to break: two acronyms of one country used once each, a
# name whose tokens carry as many NER labels of one kind as of another
TIES = ("Officials from the U.S. and Japan met in Tokyo on Monday. The USA will fund a new "
        "research center in Osaka, the ministry said. Taiwan Canadian's two other owners are "
        "Andes Mining Corp, 25 pct, and Pacific Shore Holding Co, 25 pct.\n")


def test_the_graph_does_not_depend_on_the_process_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    from rdflib import Graph
    from rdflib.compare import to_isomorphic

    (tmp_path / "ties.txt").write_text(TIES, encoding="utf-8")
    graphs = []
    for seed in ("1", "2", "3", "4"):
        out = tmp_path / f"seed{seed}.nt"
        subprocess.run([sys.executable, "-m", "kg", "build", str(tmp_path / "ties.txt"), "--output", str(out)],
                       check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        graphs.append(to_isomorphic(Graph().parse(out, format="nt")))
    assert all(graph == graphs[0] for graph in graphs[1:])


OPENING = "Chile signed a cooperation agreement with Peru in Lima."
CLOSING = "Bolivia signed a cooperation agreement with Ecuador in Quito."


def test_a_5_mb_text_builds_in_parts_with_offsets_in_the_whole_text(tmp_path, nlp):
    """Issue 17, item 6: a text over spaCy's 1,000,000 characters was skipped ("[E088]"), and
    time and memory grew faster than the length below that."""
    import time

    from rdflib import Literal
    from rdflib.namespace import RDF

    from kg.namespace import COOP, ID

    filler = " ".join(f"{'lorem' * 12}{i:04d}" for i in range(100))  # few tokens per byte: a quick parse
    paragraphs = [OPENING] + [filler] * 800 + [CLOSING]
    text = "\n\n".join(paragraphs) + "\n"
    assert len(text) > 5_000_000
    path = tmp_path / "long.txt"
    path.write_text(text)
    report = BuildReport()
    started = time.monotonic()
    graph = kg.build(path, report=report)
    assert report.problems == [] and report.documents == ["long.txt"]
    assert time.monotonic() - started < 300
    for a, b in (("CL", "PE"), ("BO", "EC")):
        assert (ID[f"country/{a}"], COOP.cooperatesWith, ID[f"country/{b}"]) in graph
    # the evidence of the last sentence points into the whole text, not into its part
    [closing] = [s for s in graph.subjects(COOP.sentence, Literal(CLOSING))]
    assert graph.value(closing, RDF.type) == COOP.Assertion
    assert int(graph.value(closing, COOP.startChar)) == text.index(CLOSING)


def test_text_parts_cover_the_text_and_end_at_paragraphs():
    text = "\n\n".join(f"Paragraph {i} " + "word " * (i * 37 % 300) for i in range(300))
    parts = pipeline.text_parts(text, size=2000)
    assert "".join(part for _, part in parts) == text
    assert all(len(part) <= 2000 for _, part in parts)
    assert all(text[offset:offset + len(part)] == part for offset, part in parts)
    assert all(part.endswith("\n\n") for _, part in parts[:-1])


class FailingOnOneText(CountingPipeline):
    """A pipeline that fails on any text holding `poison`, in a batch or alone."""

    poison = "Poisoned sentence."

    def pipe(self, texts, **kwargs):
        texts = list(texts)
        if any(self.poison in text for text in texts):
            raise RuntimeError("a component failed")
        yield from super().pipe(texts)

    def __call__(self, text):
        if self.poison in text:
            raise RuntimeError("a component failed")
        return super().__call__(text)


def test_one_bad_document_never_loses_the_others_work(nlp):
    from kg.ingest import document_from_text

    texts = ["Ghana and Kenya signed an agreement.", FailingOnOneText.poison, "Peru joined the Andean Forum."]
    batch = [document_from_text(text, name=f"{n}.txt") for n, text in enumerate(texts)]
    results = pipeline.extract_batch(FailingOnOneText(nlp), batch)
    problems = [r for r in results if isinstance(r, pipeline.Problem)]
    assert [str(p.path) for p in problems] == [str(batch[1].path)]
    assert "language processing failed: a component failed" in problems[0].problem
    assert [r.document.name for r in results if not isinstance(r, pipeline.Problem)] == ["0.txt", "2.txt"]


def test_jobs_build_the_same_graph_as_one_process(tmp_path):
    """Worker processes extract the partitions; the graph (sorted N-Quads) is the same bytes."""
    texts = tmp_path / "texts"
    texts.mkdir()
    for k in range(2 * pipeline.BATCH_SIZE + 3):  # three partitions
        (texts / f"note{k}.txt").write_text(
            f"The Andean Water Council met in Cusco, Peru, on May {k % 28 + 1}. Mira Holt, director of the "
            f"Talvesta Water Agency, said Chile and Peru signed a water accord.\n", encoding="utf-8")
    (texts / "broken.txt").write_bytes(b"\x00\x01")
    runs = {}
    for jobs in (1, 2):
        report = BuildReport()
        out = tmp_path / f"jobs{jobs}.nq"
        kg.write_graph(kg.build([texts], report=report, jobs=jobs), out)
        runs[jobs] = (sorted(out.read_text(encoding="utf-8").splitlines()), report.documents,
                      [Path(p.path).name for p in report.problems])
    assert runs[1] == runs[2]
    assert len(runs[2][1]) == 2 * pipeline.BATCH_SIZE + 3 and runs[2][2] == ["broken.txt"]


def test_a_corpus_of_one_partition_stays_in_this_process(corpus, counted):
    assert list(pipeline.parallel_extractions([corpus], jobs=4))  # the counting pipeline is this process's
    assert counted.texts


def test_workers_end_when_the_build_is_killed(tmp_path):
    """A build killed mid-way leaves no worker process behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    texts = tmp_path / "texts"
    texts.mkdir()
    for k in range(4 * pipeline.BATCH_SIZE):
        (texts / f"note{k}.txt").write_text(f"The Andean Water Council met in Lima on May {k % 28 + 1}.\n")
    build = subprocess.Popen([sys.executable, "-m", "kg", "build", str(texts), "-o", str(tmp_path / "g.ttl"),
                              "--jobs", "2", "-q"])

    def workers() -> list[int]:
        found = []
        for pid in os.listdir("/proc"):
            try:
                stat = open(f"/proc/{pid}/stat").read()
            except OSError:
                continue
            if pid.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == build.pid:
                found.append(int(pid))
        return found

    deadline = time.monotonic() + 120
    while len(workers()) < 2 and time.monotonic() < deadline and build.poll() is None:
        time.sleep(0.2)
    started = workers()
    assert started, "the build started no worker"
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 30
    while any(os.path.exists(f"/proc/{pid}") for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if os.path.exists(f"/proc/{pid}")]


def test_a_rebuild_that_finds_every_document_unchanged_never_imports_spacy(tmp_path):
    """Nothing to parse, nothing to load: spaCy's import was half of such a rebuild's time."""
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "water.txt").write_text("The Talvesta Water Agency signed an agreement with Norway.\n", encoding="utf-8")
    code = ("import sys\nfrom kg.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('spacy' in sys.modules, file=sys.stderr)")
    command = [sys.executable, "-c", code, "build", str(corpus), "--store", str(tmp_path / "store")]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "1 added" in first.stdout and first.stderr.strip().splitlines()[-1] == "True"
    again = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "1 unchanged" in again.stdout and again.stderr.strip().splitlines()[-1] == "False"
