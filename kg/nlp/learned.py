"""The learned part of relation extraction: one logistic regression per predicate over the
feature strings of kg.nlp.candidates, stored as plain JSON (feature -> weight).

Training (`fit`) is full-batch gradient descent with AdaGrad steps and an L2 penalty, in
numpy, in a fixed order: the same rows give the same weights, byte for byte, on any machine
that runs the same numpy. tools/train_relations.py trains it; kg/nlp/trained/relations/ ships it.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

TRAINED_RELATIONS = Path(__file__).parent / "trained" / "relations" / "model.json"


@dataclass
class RelationModel:
    """Per predicate: a bias and the weights of the features that were seen in training."""

    bias: dict[str, float] = field(default_factory=dict)
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    # rules whose relations are emitted whatever the model says (measured precise on the
    # training material): rule name -> precision measured there
    precise_rules: dict[str, float] = field(default_factory=dict)
    about: dict = field(default_factory=dict)

    def score(self, predicate: str, features: Iterable[str]) -> float | None:
        """The probability that the predicate holds, or None for a predicate never trained."""
        return self.score_many([features])[0].get(predicate)

    def score_many(self, rows: Sequence[Iterable[str]]) -> list[dict[str, float]]:
        """For each row of feature strings, the probability of every trained predicate (and
        document model), all rows in one matrix product: a doc's candidates are scored at once,
        and each candidate for all its predicates."""
        keys, index, weights, bias = self._matrix
        ids: list[int] = []
        starts: list[int] = []
        for features in rows:
            starts.append(len(ids))
            # sorted: the sum is taken in one order whatever order the features come in, so
            # the same features give the same score, bit for bit
            ids.extend(sorted({index[f] for f in features if f in index}))
        z = np.tile(bias, (len(rows), 1))
        ends = starts[1:] + [len(ids)]
        filled = [k for k, (start, end) in enumerate(zip(starts, ends)) if start < end]  # reduceat needs them
        if filled:
            z[filled] += np.add.reduceat(weights[ids], [starts[k] for k in filled], axis=0)
        probabilities = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).tolist()
        return [dict(zip(keys, row)) for row in probabilities]

    @cached_property
    def _matrix(self) -> tuple[list[str], dict[str, int], np.ndarray, np.ndarray]:
        """The weights as one matrix: a row per feature, a column per predicate."""
        keys = sorted(self.bias)
        vocabulary = sorted({f for key in keys for f in self.weights[key]})
        index = {f: k for k, f in enumerate(vocabulary)}
        weights = np.zeros((len(vocabulary), len(keys)))
        for column, key in enumerate(keys):
            for feature, weight in self.weights[key].items():
                weights[index[feature], column] = weight
        return keys, index, weights, np.array([self.bias[key] for key in keys], dtype=float)

    def to_json(self) -> str:
        data = {"about": self.about, "precise_rules": dict(sorted(self.precise_rules.items())),
                "bias": dict(sorted(self.bias.items())),
                "weights": {p: dict(sorted(w.items())) for p, w in sorted(self.weights.items())}}
        return json.dumps(data, indent=0, sort_keys=False, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path = TRAINED_RELATIONS) -> "RelationModel | None":
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(bias=data["bias"], weights=data["weights"], precise_rules=data.get("precise_rules", {}),
                   about=data.get("about", {}))


def fit(rows: Sequence[tuple[Sequence[str], int]], l2: float = 2e-3, steps: int = 300,
        rate: float = 0.3, min_count: int = 2, row_weights: Sequence[float] | None = None) -> tuple[float, dict[str, float]]:
    """A logistic regression over rows of (feature strings, 0 or 1): (bias, weights).

    Features seen fewer than `min_count` times are left out (a weight learned from one row
    is noise). Positive rows weigh as much in total as negative ones, because relations are
    rare among pairs and recall matters as much as precision; `row_weights` (default 1) make
    some rows count more, such as those of the kind of text the model is for. The L2 penalty
    scored best at 2e-3 of 1e-3, 1.5e-3, 2e-3 and 3e-3 on cross-validated news and CoNLL04 dev
    together (README, "Relations"); lighter than 2e-3 gave a class seen in few training rows
    weights that outvote the words: "The X Forum was held in <a province>" lost its heldIn."""
    counts = Counter(f for features, _ in rows for f in set(features))
    vocabulary = sorted(f for f, n in counts.items() if n >= min_count)
    index = {f: k for k, f in enumerate(vocabulary)}
    row_ids, col_ids = [], []
    for r, (features, _) in enumerate(rows):
        for f in sorted(set(features)):
            k = index.get(f)
            if k is not None:
                row_ids.append(r)
                col_ids.append(k)
    rows_ = np.asarray(row_ids, dtype=np.int64)
    cols = np.asarray(col_ids, dtype=np.int64)
    y = np.asarray([label for _, label in rows], dtype=np.float64)
    n, d = len(rows), len(vocabulary)
    positives = max(1.0, y.sum())
    negatives = max(1.0, n - y.sum())
    sample = np.where(y > 0, n / (2 * positives), n / (2 * negatives)) / n
    if row_weights is not None:
        sample = sample * np.asarray(row_weights, dtype=np.float64)
    w = np.zeros(d)
    b = 0.0
    g2w = np.full(d, 1e-8)
    g2b = 1e-8
    for _ in range(steps):
        z = np.bincount(rows_, weights=w[cols], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        err = (p - y) * sample
        gw = np.bincount(cols, weights=err[rows_], minlength=d) + l2 * w
        gb = float(err.sum())
        g2w += gw * gw
        g2b += gb * gb
        w -= rate * gw / np.sqrt(g2w)
        b -= rate * gb / math.sqrt(g2b)
    weights = {f: round(float(v), 4) for f, v in zip(vocabulary, w) if abs(v) >= 1e-3}
    return round(b, 4), weights
