"""The learned relation decisions: candidates, evidence features, the model and its training."""
import subprocess
import sys

import pytest
from conftest import ROOT, SHARED, relation_labels

from kg.nlp.candidates import DOCUMENT_MODEL, allowed, candidates, document_candidates, domain_and_range, triggers
from kg.nlp.learned import TRAINED_RELATIONS, RelationModel, fit
from kg.nlp.names import SPAN_KEY
from kg.nlp.relations import DOCUMENT_THRESHOLD, RelationExtractor, decide


def test_domain_and_range_come_from_the_ontology():
    held_in = domain_and_range()["heldIn"]
    assert {"Event", "Program"} == set(held_in[0])
    assert "Place" in held_in[1] and "Person" not in held_in[1]
    assert "heldIn" in allowed("Event", "City")
    assert "heldIn" not in allowed("Person", "City")  # a person is not held anywhere
    assert "participatesIn" in allowed("Person", "Event")


def test_trigger_lexicons_are_data():
    lexicons = triggers()
    assert set(lexicons) >= {"heldIn", "memberOf", "cooperatesWith", "supports"}
    assert "hold" in lexicons["heldIn"]["verbs"]


def features_of(nlp, text, subject, obj):
    doc = nlp(text)
    spans = list(doc.spans[SPAN_KEY])
    for candidate in candidates(doc, spans, {}):
        if candidate.subject.text == subject and candidate.object.text == obj:
            return set(candidate.features)
    raise AssertionError(f"no candidate {subject} -> {obj} among {[s.text for s in spans]}")


@pytest.mark.parametrize("text, subject, obj, feature", [
    ("Mira Holt, director of the Talvesta Water Agency, spoke.", "Mira Holt", "Talvesta Water Agency", "apposition|sf"),
    ("Chile and Peru signed a memorandum.", "Chile", "Peru", "coordinated"),
    ("The Oskaro Science Forum was held in Lima.", "Oskaro Science Forum", "Lima", "trigger=heldIn:verbs:path"),
    ("Peru's Ministry of Mining opened an office.", "Ministry of Mining", "Peru", "between=of:'s"),
    ("Mira Holt, director of the Talvesta Water Agency, spoke.", "Mira Holt", "Talvesta Water Agency",
     "path-length|types=Person>Organization|3"),
    # a name that qualifies the other ("Peru's Ministry"), the other's apposition ("a ... Agency
    # engineer"), or a third name ("Peru's Ministry" beside a person)
    ("Peru's Ministry of Mining opened an office.", "Ministry of Mining", "Peru", "modifies-partner|object"),
    ("Mira Holt, a senior Talvesta Water Agency engineer, spoke.", "Mira Holt", "Talvesta Water Agency",
     "modifies-apposition|object"),
    ("Mira Holt praised Peru's Ministry of Mining.", "Mira Holt", "Peru", "modifies-other-name|object"),
])
def test_evidence_features(nlp, text, subject, obj, feature):
    assert feature in features_of(nlp, text, subject, obj)


@pytest.mark.parametrize("text, subject, obj, how", [
    # a name that begins with another name of the text
    ("The Talvesta Water Agency met. The Talvesta Water Agency Board approved the plan.",
     "Talvesta Water Agency Board", "Talvesta Water Agency", "prefix"),
    # an adjective of a country in a person's title, the country named elsewhere
    ("Kenya hosted the talks. Kenyan Deputy Minister Mira Holt spoke.", "Mira Holt", "Kenya", "adjective"),
    # a post that names a body of the text
    ("The Ministry of Water and Soil opened an office. Minister of Water and Soil Dr. Mira Holt spoke.",
     "Mira Holt", "Ministry of Water and Soil", "post"),
    ("The Ministry of Water and Soil opened an office. Mira Holt, Minister for Water and Soil, spoke.",
     "Mira Holt", "Ministry of Water and Soil", "post"),
])
def test_names_that_name_another_thing_of_the_text_are_candidates(nlp, text, subject, obj, how):
    doc = nlp(text)
    found = {(c.subject.text, c.object.text): c for c in candidates(doc, list(doc.spans[SPAN_KEY]), {})}
    assert f"named-inside={how}" in found[(subject, obj)].features


@pytest.mark.parametrize("text", [
    "Western Ministry of Water officials met Mira Holt.",  # a compass word is no country's adjective
    "Mira Holt, the Minister of Water and Soil, spoke.",  # the post names no body of the text
])
def test_no_named_inside_candidate_without_the_other_name(nlp, text):
    doc = nlp(text)
    assert not [c for c in candidates(doc, list(doc.spans[SPAN_KEY]), {}) if "named-inside" in c.features]


def test_a_definite_description_refers_back_across_sentences(nlp):
    doc = nlp("The Oskaro Science Forum opened on Monday. Dr. Mira Holt addressed the forum.")
    pairs = {(c.subject.text, c.object.text): c for c in candidates(doc, list(doc.spans[SPAN_KEY]), {})}
    candidate = pairs[("Mira Holt", "Oskaro Science Forum")]
    assert "coreference=same-head" in candidate.features
    assert "participatesIn" in candidate.predicates


@pytest.mark.parametrize("text, expected", [
    ("The Oskaro Science Forum was held in Cusco, Peru, on Monday.",
     {("Oskaro Science Forum", "heldIn", "Cusco"), ("Cusco", "locatedIn", "Peru")}),
    ("Mira Holt, director of the Talvesta Water Agency, opened the meeting.",
     {("Mira Holt", "memberOf", "Talvesta Water Agency")}),
    ("Norland signed a cooperation agreement with Estovia.", {("Norland", "cooperatesWith", "Estovia")}),
])
def test_the_model_keeps_plain_statements(extract, text, expected):
    found = relation_labels(extract(text))
    assert expected <= found, f"missing {expected - found}; found {found}"


@pytest.mark.parametrize("text, unwanted", [
    # a list of countries is not cooperation by itself
    ("Exports rose in Norland, Estovia and Kelmar.", ("Norland", "cooperatesWith", "Estovia")),
    # a dateline's place says where the story was filed
    ("TALVIK, June 1 - Mira Holt was elected chair of the Norland Rowing Club.", ("Talvik", "locatedIn", "Mira Holt")),
])
def test_the_model_leaves_out_what_is_not_stated(extract, text, unwanted):
    assert unwanted not in relation_labels(extract(text))


def test_the_score_is_the_confidence_and_the_threshold_is_configurable(nlp, extract):
    text = "The Oskaro Science Forum was held in Cusco, Peru, on Monday."
    for relation in extract(text).relations:
        assert 0 < relation.evidence.confidence <= 1
    strict = RelationExtractor(nlp, threshold=1.01, rule_threshold=1.01, model=RelationModel.load())
    strict.model.precise_rules = {}
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline:
        if name != "coop_relations":
            doc = component(doc)
    assert strict(doc)._.coop_relations == []


def test_the_model_ships_as_json():
    model = RelationModel.load(TRAINED_RELATIONS)
    assert model is not None, "kg/nlp/trained/relations is missing: run make train"
    assert {"heldIn", "memberOf", "locatedIn", DOCUMENT_MODEL} <= set(model.bias)


# a body named once, a country named three sentences later, no sentence naming both
ONE_COUNTRY_FAR_AWAY = ("The Talvesta Water Agency opened a new laboratory on Monday. Dr. Mira Holt, its "
                        "director, spoke to reporters about the rains. Officials said the work would take two "
                        "years. The drought has hurt farmers across Kenya this year.")


def document_pairs(nlp, text):
    doc = nlp(text)
    spans = list(doc.spans[SPAN_KEY])
    return doc, {(c.subject.text, c.object.text): c for c in document_candidates(doc, spans, candidates(doc, spans, {}))}


def test_a_country_the_text_names_is_a_document_candidate_with_features_of_its_own(nlp):
    doc, pairs = document_pairs(nlp, ONE_COUNTRY_FAR_AWAY)
    candidate = pairs[("Talvesta Water Agency", "Kenya")]
    assert candidate.predicates == ("locatedIn",)
    assert {"countries=1", "kind=Organization", "sentences-apart=3", "mentions=1", "country=first"} <= set(candidate.features)
    assert not any(f.startswith(("path=", "between=", "gap=")) for f in candidate.features)  # no sentence features
    assert candidate.evidence.text == "The Talvesta Water Agency opened a new laboratory on Monday."
    assert ("Mira Holt", "Kenya") not in pairs  # a person is no place, body or facility


@pytest.mark.parametrize("text", [
    # five countries: the text is about none of them in particular
    "The Talvesta Water Agency opened a new laboratory. Delegates came from Kenya, Ghana, Peru, Chile and Japan.",
    # one sentence names both: a sentence-level candidate already
    "The Talvesta Water Agency opened a new laboratory in Kenya. Dr. Mira Holt spoke. Officials said the work "
    "would take two years.",
    # two sentences are a statement, not a document about a country
    "The Talvesta Water Agency opened a new laboratory on Monday. The drought has hurt farmers across Kenya.",
])
def test_no_document_candidate(nlp, text):
    assert document_pairs(nlp, text)[1] == {}


@pytest.mark.parametrize("bias, kept", [(3.0, True), (0.0, False)])
def test_document_candidates_are_kept_from_the_document_threshold(nlp, bias, kept):
    """A document-level candidate is an ordinary locatedIn, scored by its own model."""
    doc, _ = document_pairs(nlp, ONE_COUNTRY_FAR_AWAY)
    model = RelationModel(bias={DOCUMENT_MODEL: bias}, weights={DOCUMENT_MODEL: {}})
    assert (model.score(DOCUMENT_MODEL, []) >= DOCUMENT_THRESHOLD) == kept
    found = decide(model, doc, list(doc.spans[SPAN_KEY]), [])
    located = [r for r in found if (r.subject.text, r.predicate, r.object.text) == ("Talvesta Water Agency", "locatedIn", "Kenya")]
    assert bool(located) == kept
    if kept:
        assert located[0].confidence == round(model.score(DOCUMENT_MODEL, []), 3)
        assert located[0].evidence.text == "The Talvesta Water Agency opened a new laboratory on Monday."


def test_fitting_is_deterministic():
    rows = [(["a", "b"], 1), (["a", "c"], 0), (["b", "c"], 1), (["c"], 0), (["a", "b", "c"], 1)] * 3
    first, second = fit(rows), fit(list(rows))
    assert first == second
    bias, weights = first
    assert weights["b"] > 0 > weights["c"]


@pytest.mark.skipif(not (SHARED / "benchmarks" / "conll04" / "train.jsonl").is_file(), reason="../shared not present")
def test_training_gives_the_same_bytes_twice(tmp_path):
    """make train's relation step is deterministic (shown here on a small sample)."""
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / f"{run}.json"
        subprocess.run([sys.executable, str(ROOT / "tools" / "train_relations.py"), "--shared", str(SHARED),
                        "--no-documents", "--conll-limit", "60", "--redocred", "100:104", "--output", str(out)],
                       check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != TRAINED_RELATIONS.read_bytes()  # a sample gives other weights
