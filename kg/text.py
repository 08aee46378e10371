"""Comparing names: the one normal form that resolution and evaluation share."""
from __future__ import annotations

import re
import unicodedata


def normalise_name(name: str) -> str:
    """Case, quotes, dash variants, a leading 'the', a trailing 's and surrounding punctuation ignored."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\"\u201c\u201d]", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;:()[]'")
    text = re.sub(r"^the ", "", text)
    return re.sub(r"'s$", "", text)
