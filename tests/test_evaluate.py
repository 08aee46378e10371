"""kg eval on a small case whose scores are computed by hand."""
import json

import pytest

from kg.evaluate import Entities, as_json, load_gold, score_document
from kg.text import normalise_name

GOLD = {
    "document": "x.txt",
    "entities": [
        {"id": "a", "label": "Alpha Agency", "aliases": ["AA"], "type": "Organization"},
        {"id": "b", "label": "Brazil", "aliases": [], "type": "Country"},
        {"id": "c", "label": "Chile", "aliases": [], "type": "Country"},
    ],
    "relations": [
        {"subject": "a", "predicate": "cooperatesWith", "object": "b"},
        {"subject": "a", "predicate": "partOf", "object": "c"},
    ],
}


def system(entities, relations):
    result = Entities()
    for key, (names, cls) in entities.items():
        result.items[key] = ({normalise_name(n) for n in names}, cls, names[0])
    return result, relations


@pytest.fixture()
def gold(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(GOLD))
    return load_gold(path)


def test_hand_computed_scores(gold):
    sys_entities = {
        "s1": (["the Alpha Agency"], "Organization"),  # matches a ("the" ignored)
        "s2": (["AA"], "Organization"),  # a duplicate of a: spurious
        "s3": (["Brazil"], "Place"),  # wrong type: spurious, and b is missed
        "s4": (["\u201cChile\u201d"], "Country"),  # matches c (quotes ignored)
    }
    sys_relations = [("s3", "cooperatesWith", "s1"), ("s1", "partOf", "s4"), ("s1", "supports", "s4")]
    score = score_document("x", gold, system(sys_entities, sys_relations))
    # entities: 2 of 4 right, 2 of 3 found
    assert (score.entities.tp, score.entities.system, score.entities.gold) == (2, 4, 3)
    assert score.entities.precision == pytest.approx(0.5)
    assert score.entities.recall == pytest.approx(2 / 3)
    assert score.entities.f1 == pytest.approx(4 / 7)
    # relations: only "a partOf c" is right; 1 of 3, 1 of 2
    assert (score.relations.tp, score.relations.system, score.relations.gold) == (1, 3, 2)
    assert score.relations.f1 == pytest.approx(0.4)
    assert score.missed_entities == ["Brazil [Country]"]
    assert score.spurious_entities == ["AA [Organization] (duplicate of Alpha Agency)", "Brazil [Place]"]
    assert score.missed_relations == ["Alpha Agency cooperatesWith Brazil"]


@pytest.mark.parametrize("direction", [("s1", "s2"), ("s2", "s1")])
def test_cooperates_with_scores_in_either_direction(gold, direction):
    sys_entities = {"s1": (["Alpha Agency"], "Organization"), "s2": (["Brazil"], "Country")}
    score = score_document("x", gold, system(sys_entities, [(direction[0], "cooperatesWith", direction[1])]))
    assert score.relations.tp == 1


def test_dashes_compare_equal(gold):
    gold[0].items["a"] = ({normalise_name("Alpha-Beta Agency")}, "Organization", "Alpha-Beta Agency")
    score = score_document("x", gold, system({"s1": (["Alpha\u2013Beta Agency"], "Organization")}, []))
    assert score.entities.tp == 1


def test_json_report_has_totals(gold):
    score = score_document("x", gold, system({"s1": (["Chile"], "Country")}, []))
    report = as_json([score])
    assert report["total"]["entities"] == {"p": 1.0, "r": 0.333, "f": 0.5, "tp": 1, "system": 1, "gold": 3}


def test_bad_gold_file_is_named(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"entities": [}')
    with pytest.raises(ValueError, match="bad.json: not a gold annotation file"):
        load_gold(path)
