import pytest
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF
from typer.testing import CliRunner

from kg.cli import app
from kg.namespace import COOP

runner = CliRunner()


def write_corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / "one.txt").write_text(
        "Chile and Peru sign water accord\n\nLIMA, May 2, 2024 -- The Andean Water Council (AWC) signed "
        "a cooperation agreement with Chile. The 3rd Andean Water Forum was held in Lima, Peru.\n")
    (folder / "two.md").write_text("# Bolivia joins\n\nBolivia joined the Andean Water Council.\n")
    (folder / "broken.txt").write_bytes(b"\x00\x01")


def test_build_writes_turtle_html_and_summary(tmp_path):
    corpus = tmp_path / "docs"
    write_corpus(corpus)
    out = tmp_path / "out" / "g.ttl"
    html = tmp_path / "out" / "g.html"
    result = runner.invoke(app, ["build", str(corpus), "--output", str(out), "--html", str(html)])
    # one broken file: reported, skipped, and the exit code says so
    assert result.exit_code == 1
    assert "broken.txt: binary" in result.output
    assert "documents: 2" in result.output
    graph = Graph().parse(out)
    assert len(set(graph.subjects(RDF.type, COOP.Document))) == 2
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    assert "<html" in html.read_text().lower()


def test_build_one_document_then_query(tmp_path):
    doc = tmp_path / "one.txt"
    doc.write_text("The Andean Water Council signed a cooperation agreement with Chile.\n")
    out = tmp_path / "one.ttl"
    assert runner.invoke(app, ["build", str(doc), "-o", str(out), "-q"]).exit_code == 0
    result = runner.invoke(app, ["query", "partners-of", "--graph", str(out), "--param", "entity=Chile", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "Andean Water Council" in result.output


def test_query_list_and_errors(tmp_path):
    listing = runner.invoke(app, ["query", "--list"])
    assert listing.exit_code == 0 and "partners-of" in listing.output
    missing = runner.invoke(app, ["query", "partners-of", "--graph", str(tmp_path / "none.ttl")])
    assert missing.exit_code == 2 and "none.ttl: no such graph file" in missing.output


def test_help_has_examples():
    for command in (["--help"], ["build", "--help"], ["query", "--help"], ["viz", "--help"], ["remove", "--help"],
                    ["export", "--help"], ["serve", "--help"], ["push", "--help"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and "Example" in result.output
        # each example on a line of its own, not run together by rewrapping
        assert all(line.strip().startswith("Example:") for line in result.output.splitlines() if "Example:" in line)


@pytest.mark.parametrize("suffix", [".rdf", ".owl", ".xml"])
def test_build_writes_rdf_xml_for_its_suffixes(tmp_path, suffix):
    doc = tmp_path / "one.txt"
    doc.write_text("The Andean Water Council signed a cooperation agreement with Chile.\n")
    out = tmp_path / f"g{suffix}"
    assert runner.invoke(app, ["build", str(doc), "--output", str(out), "-q"]).exit_code == 0
    assert out.read_text().startswith("<?xml")
    assert len(set(Graph().parse(out, format="xml").subjects(RDF.type, COOP.Document))) == 1


def test_build_refuses_an_unknown_output_suffix_before_any_work(tmp_path):
    doc = tmp_path / "one.txt"
    doc.write_text("The Andean Water Council signed a cooperation agreement with Chile.\n")
    out = tmp_path / "g.rdfx"
    result = runner.invoke(app, ["build", str(doc), "--output", str(out)])
    assert result.exit_code == 2
    assert "g.rdfx" in result.output and "unknown RDF format" in result.output
    assert not out.exists()


def confidences(path: Path) -> list[float]:
    graph = Graph().parse(path)
    return sorted(float(c) for c in graph.objects(None, COOP.confidence))


def test_min_confidence_leaves_out_the_relations_scored_below_it(tmp_path):
    corpus = tmp_path / "docs"
    write_corpus(corpus)
    (corpus / "broken.txt").unlink()
    every, precise = tmp_path / "every.ttl", tmp_path / "precise.ttl"
    assert runner.invoke(app, ["build", str(corpus), "-o", str(every), "-q"]).exit_code == 0
    scores = confidences(every)
    assert len(set(scores)) > 1, scores  # the corpus must have relations of different scores
    cut = (scores[0] + scores[-1]) / 2
    result = runner.invoke(app, ["build", str(corpus), "-o", str(precise), "-q", "--min-confidence", str(cut)])
    assert result.exit_code == 0, result.output
    assert confidences(precise) == [s for s in scores if s >= cut]


def test_min_confidence_outside_zero_to_one_is_refused(tmp_path):
    result = runner.invoke(app, ["build", str(tmp_path), "--min-confidence", "1.5"])
    assert result.exit_code == 2 and "min-confidence" in result.output


@pytest.fixture(scope="module")
def graph_and_store(tmp_path_factory):
    """The same two documents built into a graph file and into a store."""
    folder = tmp_path_factory.mktemp("both")
    corpus = folder / "docs"
    write_corpus(corpus)
    (corpus / "broken.txt").unlink()
    graph, store = folder / "g.ttl", folder / "db"
    assert runner.invoke(app, ["build", str(corpus), "-o", str(graph), "-q"]).exit_code == 0
    assert runner.invoke(app, ["build", str(corpus), "--store", str(store), "-q"]).exit_code == 0
    return graph, store


@pytest.mark.parametrize("command", [
    ["stats", "--json"],
    ["validate"],
    ["path", "Chile", "Andean Water Council"],
])
def test_commands_that_read_a_graph_read_a_store_alike(graph_and_store, command):
    graph, store = graph_and_store
    from_file = runner.invoke(app, [*command, *(["--graph"] if command[0] == "path" else []), str(graph)])
    from_store = runner.invoke(app, [*command, "--store", str(store)])
    assert from_file.exit_code == from_store.exit_code == 0, from_store.output
    assert from_store.output.replace(str(store), "") == from_file.output.replace(str(graph), "")


@pytest.mark.parametrize("command, suffix", [(["viz"], ".html"), (["export-network"], ".graphml")])
def test_pages_and_networks_are_written_from_a_store(graph_and_store, tmp_path, command, suffix):
    graph, store = graph_and_store
    written = [tmp_path / f"file{suffix}", tmp_path / f"store{suffix}"]
    assert runner.invoke(app, [*command, str(graph), "-o", str(written[0])]).exit_code == 0
    assert runner.invoke(app, [*command, "--store", str(store), "-o", str(written[1])]).exit_code == 0
    assert written[1].stat().st_size > 0 and "Andean Water Council" in written[1].read_text()


@pytest.mark.parametrize("command", [["stats"], ["viz"], ["validate"], ["export-network"], ["path", "a", "b"]])
def test_a_graph_command_needs_files_or_a_store(command):
    result = runner.invoke(app, command)
    assert result.exit_code == 2 and "--store" in result.output


@pytest.mark.parametrize("name", ["a\nwritten: forged.ttl", "[red]plain[/red].ttl", "東京.ttl"])
def test_the_written_line_shows_a_file_name_as_it_is_and_on_one_line(tmp_path, name):
    source = tmp_path / "in.ttl"
    source.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n", encoding="utf-8")
    result = runner.invoke(app, ["export", "--graph", str(source), "--output", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).is_file()
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("written: ")
    assert name.replace("\n", "\\n") in result.stdout
