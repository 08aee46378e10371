"""kg.nlp: the trained pipeline, and the recogniser weights tuned on annotated news."""
import subprocess
import sys

import pytest
import spacy

from conftest import ROOT, SHARED
from kg.nlp import TRAINED_NER, choose_base_model, load_pipeline, trained_ner_base, use_trained_ner


def test_the_default_pipeline_runs_the_tuned_recogniser():
    assert trained_ner_base() is not None, "kg/nlp/trained/ner is missing: run make train"
    shipped = (TRAINED_NER / "model").read_bytes()
    # a pipeline of its own, as loaded: once the recogniser has run, thinc's serialisation of
    # it differs in a byte, so the shared one other tests used cannot be compared
    assert load_pipeline.__wrapped__().get_pipe("ner").model.to_bytes() == shipped


def test_another_pipeline_keeps_its_own_recogniser():
    nlp = spacy.load(choose_base_model())
    nlp.meta["name"] = "core_web_other"
    before = nlp.get_pipe("ner").model.to_bytes()
    assert not use_trained_ner(nlp)
    assert nlp.get_pipe("ner").model.to_bytes() == before


@pytest.mark.parametrize(
    ("text", "name", "label"),
    [
        ("Ms. Karla Venn, a spokeswoman for Tarvik Freight Lines, said the talks had failed.", "Karla Venn", "PERSON"),
        ("Tarvik Freight Lines said on Tuesday that it would close two depots.", "Tarvik Freight Lines", "ORG"),
        ("The talks were held in Lusaka, Zambia, on Monday.", "Lusaka", "GPE"),
    ],
)
def test_the_tuned_recogniser_keeps_names_whole(nlp, text, name, label):
    assert (name, label) in {(e.text, e.label_) for e in nlp(text).ents}


@pytest.mark.skipif(not (SHARED / "benchmarks" / "conll04" / "train.jsonl").is_file(), reason="../shared not present")
def test_training_gives_the_same_bytes_twice(tmp_path):
    """make train is deterministic (shown here on a small sample)."""
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run([sys.executable, str(ROOT / "tools" / "train_entities.py"), "--shared", str(SHARED),
                        "--epochs", "1", "--limit", "40", "--output", str(out)], check=True, capture_output=True)
        digests.append((out / "model").read_bytes())
    assert digests[0] == digests[1]
    assert digests[0] != (TRAINED_NER / "model").read_bytes()  # a sample gives other weights


@pytest.mark.parametrize("component, assigned", [
    ("coop_paragraphs", "token.is_sent_start"),
    ("coop_names", "doc.spans"),
    ("coop_relations", "doc._.coop_relations"),
    ("coop_figures", "doc._.coop_figures"),
])
def test_each_component_declares_what_it_needs_and_the_pipeline_provides_it(component, assigned):
    analysis = load_pipeline().analyze_pipes(pretty=False)
    assert analysis["problems"][component] == []
    assert assigned in analysis["summary"][component]["assigns"]


def test_every_component_is_found_by_its_entry_point():
    from importlib.metadata import entry_points

    from kg.nlp import COMPONENTS

    registered = {point.name for point in entry_points(group="spacy_factories")}
    assert {"coop_paragraphs", *COMPONENTS} <= registered
    # a pipeline that never imports kg finds the component through the entry point alone
    script = ("import spacy; nlp = spacy.blank('en'); nlp.add_pipe('sentencizer'); nlp.add_pipe('coop_paragraphs'); "
              "print(len(list(nlp('Headline without a stop\\n\\nThe story. Its end.').sents)))")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "3"
