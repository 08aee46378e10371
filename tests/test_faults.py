"""Bad input and faults: every bad file named with its problem and skipped, the rest built;
every output written atomically; a killed build loses nothing it had committed."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS
from typer.testing import CliRunner

import kg
from kg.atomic import atomic_write_bytes
from kg.cli import app
from kg.ingest import IngestError, read_document
from kg.namespace import COOP, document_iri
from kg.pipeline import BuildReport, extractions
from kg.rdf import document_triples
from kg.store import Store

GOOD = ("Chile and Peru signed an agreement on solar energy\n\n"
        "The Andean Water Council will support the Peruvian Solar Institute.\n")


def test_a_50_mb_file_is_refused_by_size_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)

    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", never)
    monkeypatch.setattr(Path, "open", never)
    with pytest.raises(IngestError, match=r"big\.txt: file is 50\.0 MB, over the limit of 20 MB"):
        read_document(big)


def test_html_and_markdown_keep_the_text_and_drop_the_code(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>T</title><script>var Ministry = 1;</script></head><body>"
                    "<style>.Agency { color: red }</style><p onclick=\"steal()\">Chile &amp; Peru agreed.</p>"
                    "<script type=module>import('http://evil/');</script><noscript>Enable JS</noscript></body></html>")
    text = read_document(page).text
    assert text == "Chile & Peru agreed."
    notes = tmp_path / "notes.md"
    notes.write_text("# Chile and Peru\n\n* **Chile** signed with [Peru](http://x/) `today`.\n")
    assert read_document(notes).text.splitlines() == ["Chile and Peru", "", "Chile signed with Peru today."]


def bad_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / "page.html").write_text("<html><head><title>Peru and Bolivia sign an accord on water</title>"
                                      "<script>alert('Ministry of Scripts')</script><style>p{}</style></head>"
                                      "<body><p>Peru and Bolivia signed an accord.</p></body></html>")
    (folder / "notes.md").write_text("# Bolivia joins\n\nBolivia joined the **Andean Water Council**.\n")
    (folder / "empty.txt").write_text("\n  \n")
    (folder / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    (folder / "latin.txt").write_bytes("Société Générale et le Pérou".encode("latin-1"))
    with (folder / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    return folder


def test_build_skips_and_names_each_bad_file_and_builds_the_rest(tmp_path):
    folder = bad_corpus(tmp_path)
    out = tmp_path / "g.ttl"
    result = CliRunner().invoke(app, ["build", str(folder), str(tmp_path / "missing.txt"), "--output", str(out)])
    assert result.exit_code == 1
    said = result.output
    for name, problem in [("empty.txt", "empty document"), ("binary.txt", "binary file"),
                          ("latin.txt", "not UTF-8: byte 0xe9 at offset 4"), ("huge.txt", "file is 50.0 MB, over the limit of 20 MB"),
                          ("missing.txt", "no such file or folder")]:
        assert f"{name}: {problem}" in said, name
    assert "documents: 3" in said
    labels = {str(o) for o in Graph().parse(out).objects(None, RDFS.label)}
    assert {"Peru", "Bolivia", "Andean Water Council"} <= labels
    assert not any("Scripts" in label for label in labels)


def test_build_of_good_files_only_exits_0_and_nothing_readable_exits_1(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(tmp_path / "good.txt"), "-o", str(tmp_path / "a.ttl"), "-q"]).exit_code == 0
    result = runner.invoke(app, ["build", str(tmp_path / "nothing"), "-o", str(tmp_path / "b.ttl")])
    assert result.exit_code == 1 and "nothing: no such file" in result.output
    assert "no document could be read" in result.output and not (tmp_path / "b.ttl").exists()


def test_a_folder_of_3000_small_files(tmp_path, nlp):
    folder = tmp_path / "many"
    for i in range(30):
        (folder / f"part{i:02d}").mkdir(parents=True)
        for j in range(100):
            (folder / f"part{i:02d}" / f"d{i:02d}-{j:03d}.txt").write_text(f"Chile and Peru signed agreement {i}-{j}.\n")
    (folder / "part00" / "broken.txt").write_bytes("Chile".encode("utf-16"))
    (folder / "part01" / "d00-000.txt").write_text("The same file name, in another folder.\n")
    report = BuildReport()
    started = time.monotonic()
    graph = kg.build(folder, report=report)
    seconds = time.monotonic() - started
    assert len(report.documents) == 3001  # documents are known by their path in the folder
    assert sorted(str(p).split("many/", 1)[1] for p in report.problems) == [
        "part00/broken.txt: not UTF-8 but UTF-16 (it starts with a byte-order mark); convert it first, "
        "e.g. iconv -f utf-16 -t utf-8"]
    assert len(set(graph.subjects(RDF.type, COOP.Document))) == 3001
    assert seconds < 60, seconds


# -- atomic writes --------------------------------------------------------------------------------

def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "graph.ttl"
    target.write_text("old")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["graph.ttl"]


def test_written_files_keep_their_mode_or_get_the_usual_one(tmp_path):
    umask = os.umask(0o022)
    try:
        fresh = atomic_write_bytes(tmp_path / "new.html", b"x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.ttl"
        kept.write_text("old")
        kept.chmod(0o640)
        atomic_write_bytes(kept, b"new")
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


@pytest.mark.parametrize("command, output", [
    (["build", "{doc}", "--html", "{out}", "-q", "-o", "{dir}/other.ttl"], "graph.html"),
    (["build", "{doc}", "-o", "{out}", "-q"], "graph.ttl"),
    (["build", "{doc}", "-o", "{out}", "-q"], "graph.jsonld"),
    (["export", "--graph", "{prev}", "-o", "{out}"], "graph.nt"),
    (["viz", "{prev}", "-o", "{out}"], "graph.html"),
    (["export-network", "{prev}", "-o", "{out}"], "net.graphml"),
])
def test_every_output_goes_through_a_temporary_file(tmp_path, monkeypatch, command, output):
    """Each command writes its file by rename over the target, never in place."""
    doc = tmp_path / "good.txt"
    doc.write_text(GOOD)
    prev = tmp_path / "prev.ttl"
    assert CliRunner().invoke(app, ["build", str(doc), "-o", str(prev), "-q"]).exit_code == 0
    renamed = []
    real = os.replace

    def watch(src, dst):
        renamed.append((Path(src).name, Path(dst).name))
        real(src, dst)

    monkeypatch.setattr(os, "replace", watch)
    out = tmp_path / output
    args = [a.format(doc=doc, out=out, dir=tmp_path, prev=prev) for a in command]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert any(dst == output and src.startswith(f".{output}.") for src, dst in renamed), renamed


# -- SIGKILL in the middle of a build ---------------------------------------------------------------

# runs `kg build`, telling the test on stdout when a document was committed or a file is half
# written; with "hold-write" the write stops there (the test kills it at that moment)
CHILD = """
import os, sys, time
import kg.store
mode = sys.argv[1]
ingest_many = kg.store.Store.ingest_many
def ingest_and_say(self, extractions):
    extractions = list(extractions)
    result = ingest_many(self, extractions)
    for extraction in extractions:
        print("committed", extraction.document.name, flush=True)
    return result
kg.store.Store.ingest_many = ingest_and_say
if mode == "hold-write":
    def fsync(fd):
        print("writing", flush=True)
        time.sleep(60)
    os.fsync = fsync
from kg.cli import app
sys.argv = ["kg", *sys.argv[2:]]
app()
"""


def kill_when(tmp_path, mode, args, until, delay: float = 0.0) -> list[str]:
    """Run the build in a child process; SIGKILL it `delay` seconds after `until(lines)` holds
    (within 60 s)."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, mode, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not until(lines):
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line.split())
        time.sleep(delay)  # somewhere in the middle of the next documents
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
    assert until(lines), lines
    return lines


def corpus(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(count):
        (folder / f"doc{i:03d}.txt").write_text(
            f"Chile and Peru open laboratory {i}\n\nThe Andean Water Council and the Peruvian Solar "
            f"Institute signed agreement {i} with Bolivia in Lima.\n")
    return folder


def test_a_killed_store_build_keeps_every_committed_document_whole(tmp_path):
    folder = corpus(tmp_path, 60)
    db = tmp_path / "db"
    lines = kill_when(tmp_path, "store", ["build", str(folder), "--store", str(db), "-q"],
                      lambda lines: sum(1 for line in lines if line[0] == "committed") >= 5, delay=0.05)
    committed = [line[1] for line in lines if line[0] == "committed"]
    expected = {document_iri(e.document.name): document_triples(e) for e in extractions([folder])}
    with Store.open(db) as store:  # opens for writing: the lock died with the process
        graphs = store.named_graphs()
        assert {document_iri(name) for name in committed} <= set(graphs) and len(graphs) < 60
        for iri in graphs:  # every graph in the store is a whole document, none a part of one
            graph = Graph()
            for s, p, o, g in store.quads():
                if g == iri:
                    graph.add((s, p, o))
            assert isomorphic(graph, expected[iri]), iri


@pytest.mark.parametrize("suffix", [".ttl", ".jsonld"])
def test_a_build_killed_while_writing_leaves_the_previous_output(tmp_path, suffix):
    out = tmp_path / f"graph{suffix}"
    (tmp_path / "old.txt").write_text(GOOD)
    assert CliRunner().invoke(app, ["build", str(tmp_path / "old.txt"), "-o", str(out), "-q"]).exit_code == 0
    before = out.read_bytes()
    folder = corpus(tmp_path, 5)
    kill_when(tmp_path, "hold-write", ["build", str(folder), "-o", str(out), "-q"],
              lambda lines: ["writing"] in lines)
    assert out.read_bytes() == before
    assert len(kg.load_graph(out)) > 0


@pytest.mark.parametrize("name, text, problem", [
    ("bad.ttl", '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n',
     "bad.ttl: not valid turtle: line 3: newline found in string literal"),
    ("bad.trig", "<http://e/g> {\n <http://e/a> <http://e/b> <http://e/c> .\n <http://e/a> <http://e/b> .\n}\n",
     "bad.trig: not valid trig: line 3:"),
    ("bad.nt", '<http://e/a> <http://e/b> "x" .\n<http://e/a> <http://e/b> .\n', "bad.nt: not valid nt: line 2: Invalid line"),
    ("bad.jsonld", '{"@id": "http://e/a",\n "http://e/p": [1,\n }', "bad.jsonld: not valid JSON-LD: line 3, column 2"),
])
def test_malformed_graph_files_give_the_line_and_the_problem(tmp_path, name, text, problem):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(kg.GraphLoadError) as info:
        kg.load_graph(path)
    assert problem in str(info.value)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and problem in result.output


@pytest.mark.parametrize("args, problem", [
    (["build", "{doc}", "-o", "{dir}"], "{dir}: cannot write: it is a folder; give a file name"),
    (["build", "{doc}", "-o", "{file}/g.ttl"], "{file}/g.ttl: cannot write: {file} is a file, not a folder"),
    (["build", "{doc}", "-o", "{dir}/g.ttl", "--html", "{file}/sub/g.html"], "cannot write: {file} is a file"),
    (["viz", "{prev}", "-o", "{dir}"], "{dir}: cannot write: it is a folder"),
    (["export", "--graph", "{prev}", "-o", "{file}/g.nt"], "{file}/g.nt: cannot write"),
    (["export-network", "{prev}", "-o", "{file}/g.gexf"], "{file}/g.gexf: cannot write"),
])
def test_an_output_that_cannot_be_written_is_named(tmp_path, args, problem):
    doc = tmp_path / "good.txt"
    doc.write_text(GOOD)
    prev = tmp_path / "prev.ttl"
    assert CliRunner().invoke(app, ["build", str(doc), "-o", str(prev), "-q"]).exit_code == 0
    names = {"doc": doc, "dir": tmp_path, "file": doc, "prev": prev}
    result = CliRunner().invoke(app, [a.format(**names) for a in args])
    assert result.exit_code in (1, 2) and problem.format(**names) in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)
