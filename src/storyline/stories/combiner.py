"""The learned combination of pairwise evidence into "same story?" (weights in data/combiner.json).

A logistic model per kind of pair (``same``: both texts in one language; ``cross``: zh↔en),
each with and without the sentence encoder, fitted on the SemEval-2022 Task 8 training pairs by
``benchmarks/train_similarity.py`` (soft labels from Overall, fixed seed; its grouped
cross-validation figures are stored beside the weights). The file is small and read once.

The probability maps to the task's 1-4 scale (1 = same story, 4 = unrelated) by a linear
calibration fitted on the same pairs, so a user can read a score the way the annotators did.

Features are those of :class:`storyline.stories.similarity.PairFeatures`; a feature the trainer
leaves out of a model (``translit``: no gain by grouped CV) weighs 0 there.

Hand-set, not fitted (see the JSON's ``notes``): the weight of verbatim shared paragraphs (they
almost never occur in the training pairs) and the time penalty (the pairs carry no dates).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Iterator
from importlib import resources
from typing import Any

from storyline.errors import StorylineError

__all__ = ["FEATURES", "Combiner", "load", "using"]

#: Feature names, in the order the weight vectors use.
FEATURES = ("tfidf", "entities", "figures", "latin", "embedding", "shared", "translit", "title")


class Combiner:
    """Weights read from the shipped JSON; :meth:`logit` is the whole model."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.features: tuple[str, ...] = tuple(data["features"])
        self.models: dict[str, dict[str, float]] = {
            k: {"bias": float(v["bias"]), **{f: float(w) for f, w in v["weights"].items()}}
            for k, v in data["models"].items()
        }
        self.cutoff = float(data["cutoff"])
        self.scale_a = float(data["scale"]["a"])
        self.scale_b = float(data["scale"]["b"])
        self.time_penalty = float(data["time_penalty_per_window"])
        self._vectors: dict[tuple[bool, bool], tuple[float, ...]] = {}
        if tuple(self.features) != FEATURES:
            raise StorylineError(f"combiner.json: features {self.features} differ from {FEATURES}")

    def vector(self, cross: bool, encoder: bool) -> tuple[float, ...]:
        """(bias, *weights in :data:`FEATURES` order) of one model: the hot path of assignment."""
        key = (cross, encoder)
        v = self._vectors.get(key)
        if v is None:
            m = self.models[self.model_name(cross, encoder)]
            v = self._vectors[key] = (m["bias"], *(m.get(name, 0.0) for name in FEATURES))
        return v

    def model_name(self, cross: bool, encoder: bool) -> str:
        return ("cross" if cross else "same") + ("" if encoder else "_noemb")

    def logit(self, values: dict[str, float], *, cross: bool, encoder: bool) -> float:
        m = self.models[self.model_name(cross, encoder)]
        z = m["bias"]
        for name in self.features:
            w = m.get(name, 0.0)
            if w:
                z += w * values.get(name, 0.0)
        return z

    def probability(self, z: float) -> float:
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def score(self, p: float) -> float:
        """The probability on the task's 1-4 scale (1 = same story), clipped to the scale."""
        return max(1.0, min(4.0, self.scale_a + self.scale_b * p))


_override: list[Combiner] = []


def load() -> Combiner:
    """The shipped combiner (``storyline/stories/data/combiner.json``), or the one :func:`using` set."""
    return _override[-1] if _override else _shipped()


@functools.cache
def _shipped() -> Combiner:
    text = resources.files("storyline.stories").joinpath("data/combiner.json").read_text("utf-8")
    return Combiner(json.loads(text))


@contextlib.contextmanager
def using(combiner: Combiner) -> Iterator[Combiner]:
    """Decide with ``combiner`` instead of the shipped one inside the block (cross-validation:
    benchmarks/semeval_e2e.py clusters a fold's articles with weights fitted without them)."""
    _override.append(combiner)
    try:
        yield combiner
    finally:
        _override.pop()
