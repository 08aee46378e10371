"""Extraction against the gold annotations in ../shared, scored by the reference scorer."""
import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="../shared/gold not present")

ONTOLOGY = sorted(str(p) for p in (ROOT / "ontology").glob("*.ttl"))


def _scorer():
    spec = importlib.util.spec_from_file_location("kgscore", SHARED / "tools" / "kgscore.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def system_dir(tmp_path_factory):
    """One Turtle file per gold document, written by `kg build DOC --output` as users run it."""
    out = tmp_path_factory.mktemp("system")
    for gold in sorted((SHARED / "gold").glob("*.json")):
        doc = SHARED / "corpus" / (gold.stem + ".txt")
        subprocess.run([sys.executable, "-m", "kg", "build", str(doc), "--output", str(out / f"{gold.stem}.ttl"), "-q"],
                       check=True, cwd=ROOT)
    return out


def _scores(system_dir):
    result = subprocess.run([sys.executable, str(SHARED / "tools" / "kgscore.py"), str(SHARED / "gold"), str(system_dir),
                             "--ontology", *ONTOLOGY, "--json"], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_guangxi_document_has_five_of_seven_top_classes(system_dir):
    scorer = _scorer()
    entities, _ = scorer.load_ttl(system_dir / "guangxi-asean-tech-transfer.ttl", ONTOLOGY)
    classes = {cls for _, cls in entities.values()}
    assert len(classes) >= 5, classes


def test_entity_and_relation_scores_do_not_regress(system_dir):
    total = _scores(system_dir)["total"]
    # the targets: entity F1 >= 0.90 in total and >= 0.80 on every document; relation F1 >= 0.70
    assert total["entities"]["f"] >= 0.90, total
    assert total["relations"]["f"] >= 0.70, total
    for name, document in _scores(system_dir)["documents"].items():
        assert document["entities"]["f"] >= 0.80, (name, document)


def test_every_document_graph_conforms_to_the_shapes(system_dir):
    from rdflib import Graph

    from kg.validate import validate

    for path in sorted(system_dir.glob("*.ttl")):
        result = validate(Graph().parse(path))
        assert result.conforms, f"{path.name}: {result.text[:2000]}"
