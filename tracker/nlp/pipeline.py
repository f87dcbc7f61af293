"""The one spaCy pipeline the project builds: ``spacy.blank("en")`` plus a rule sentencizer.

No statistical model is downloaded; components built by the project (the gazetteer in
``tracker.nlp.gazetteer``, the cue matchers in ``tracker.nlp.cues``) run on its docs.
``build_nlp`` is the shared instance (linker and grader); ``blank_pipeline`` builds a fresh
one for a caller that adds components of its own (the market-event extractor's entity
ruler). spaCy is imported only when a pipeline is built.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Trademark signs are blanked (same length, so character offsets stay valid) before
# tokenising: "NeuroQuant®" and "NeuroQuant" must give the same tokens.
_TRADEMARKS = re.compile(r"[\u00ae\u2122\u2120\u00a9]")
# Typographic apostrophes and dashes become ASCII so "Lunit’s" splits like "Lunit's".
_TRANSLATE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-",
                            "\u2012": "-", "\u2013": "-", "\u00a0": " "})


def clean_text(text: str) -> str:
    """Text ready for the tokenizer, with the same length as the input."""
    return _TRADEMARKS.sub(" ", text.translate(_TRANSLATE))


def blank_pipeline() -> Any:
    """A new blank English pipeline with a sentencizer."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def build_nlp() -> Any:
    """The shared blank pipeline (built once per process; add no components to it)."""
    return blank_pipeline()
