"""Sentence-transformers embeddings for the grader (the model shared with the linker, see tracker.embeddings)."""

from __future__ import annotations

from typing import Any

from tracker.embeddings import load_model


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
