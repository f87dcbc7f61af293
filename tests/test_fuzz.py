"""Bounded property tests: every parser and batch reader on damaged real input never crashes.

``make fuzz`` runs the same targets for longer (``scripts/fuzz.py``). ``TRACKER_FUZZ_EXAMPLES``
sets how many inputs each target gets here (default 100, so CI stays fast).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import Phase, given, settings

from tests.fuzzing import SETTINGS, Target, all_targets

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "100"))
TARGETS = all_targets()


def test_every_area_has_targets() -> None:
    names = {t.name.split(".")[0] for t in TARGETS}
    assert {"openfda", "eudamed", "europepmc", "fda_list", "news", "pubmed", "batch"} <= names


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_parser_never_crashes(target: Target) -> None:
    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate, Phase.shrink],
              **SETTINGS)  # type: ignore[arg-type]
    @given(target.strategy)
    def check(value: Any) -> None:
        target.run(value)

    check()
