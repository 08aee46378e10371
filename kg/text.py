"""Comparing names: the one normal form that resolution and evaluation share, and the words
of ordinals that extraction and the graph both read."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Ordinals written as words, as in "the Third Forum": the edition of a name and its number.
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20,
}


# the same names come back many times in a text and across texts (tens of thousands of calls
# in a build of a few hundred articles): each is normalised once
@lru_cache(maxsize=1 << 16)
def normalise_name(name: str) -> str:
    """Case, quotes, dash variants, a leading 'the', a trailing 's and surrounding punctuation ignored."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\"\u201c\u201d]", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;:()[]'")
    text = re.sub(r"^the ", "", text)
    return re.sub(r"'s$", "", text)
