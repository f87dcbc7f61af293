"""The ``onnx-int8`` embedding backend: exported once and reused, close to torch's vectors,
in the texts' order, cached and versioned apart from torch, and a clear line without
onnxruntime. The model is exported once per session into a temporary data folder."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tracker.config import Settings, get_settings
from tracker.embeddings import (
    BackendUnavailable,
    Embedder,
    FileVectorCache,
    active_backend,
    models_dir,
    resolve_model,
)

pytest.importorskip("onnxruntime")  # the [onnx] extra (part of [dev])

PUBMEDQA = Path(__file__).parent / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"
MEAN_COSINE = 0.99  # measured 0.995 on PubMedQA abstracts (min 0.99)
MIN_COSINE = 0.98


@pytest.fixture(scope="session")
def onnx_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for the ONNX backend on a data folder of its own, with the model exported."""
    from tracker.embeddings.onnx_backend import load_onnx_encoder

    data = tmp_path_factory.mktemp("onnx-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        settings = get_settings(data_dir=data, embedding_backend="onnx-int8", device="cpu")
        first = load_onnx_encoder(Path(resolve_model(settings.embedding_model)),
                                  models_dir(settings))
        assert first.exported  # a fresh folder: this call made the export
        yield settings


@pytest.fixture(scope="module")
def abstracts() -> list[str]:
    """30 real PubMedQA abstracts (question + contexts, as the linker reads them)."""
    data = json.loads(PUBMEDQA.read_text("utf-8"))
    return [f"{v['QUESTION']}\n{' '.join(v['CONTEXTS'])}" for v in list(data.values())[:30]]


def test_the_export_is_made_once_then_reused(onnx_settings: Settings) -> None:
    from tracker.embeddings.onnx_backend import META_FILE, MODEL_FILE, load_onnx_encoder

    folders = [p for p in (models_dir(onnx_settings) / "onnx").iterdir() if p.is_dir()]
    assert len(folders) == 1 and not folders[0].name.startswith(".")  # no temporary left
    model_file = folders[0] / MODEL_FILE
    written = model_file.stat().st_mtime_ns
    again = load_onnx_encoder(Path(resolve_model(None)), models_dir(onnx_settings))
    assert not again.exported and again.folder == folders[0]
    assert model_file.stat().st_mtime_ns == written
    meta = json.loads((folders[0] / META_FILE).read_text("utf-8"))
    assert meta["spec"]["max_seq_length"] == 256 and meta["spec"]["dim"] == 384
    embedder = Embedder.from_settings(onnx_settings)
    assert embedder.dim == 384 and embedder.model.folder == folders[0]


def test_a_process_waiting_on_the_lock_uses_the_export_it_waited_for(
        onnx_settings: Settings, tmp_path: Path) -> None:
    """Another process holds the export lock and finishes the export: the waiting load
    then reads that export instead of making its own."""
    import shutil
    import threading

    from filelock import FileLock

    from tracker.embeddings.onnx_backend import (
        OnnxEncoder,
        export_folder,
        load_onnx_encoder,
        model_digest,
    )

    model_dir = Path(resolve_model(None))
    done = export_folder(model_dir, models_dir(onnx_settings), model_digest(model_dir))
    target = export_folder(model_dir, tmp_path, model_digest(model_dir))
    target.parent.mkdir(parents=True)
    loaded: list[OnnxEncoder] = []
    with FileLock(str(target.parent / f"{target.name}.lock")):  # "another process" exporting
        waiting = threading.Thread(target=lambda: loaded.append(
            load_onnx_encoder(model_dir, tmp_path)))
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive() and not loaded  # blocked on the lock
        shutil.copytree(done, target)  # the other process's export lands
    waiting.join(timeout=60)
    assert len(loaded) == 1 and not loaded[0].exported
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name,
                                                                 f"{target.name}.lock"]


def test_the_backend_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    assert get_settings().embedding_backend == "torch"
    monkeypatch.setenv("TRACKER_EMBEDDING_BACKEND", "onnx-int8")
    assert get_settings().embedding_backend == "onnx-int8"
    monkeypatch.setenv("TRACKER_EMBEDDING_BACKEND", "onnx-fp16")
    with pytest.raises(ValidationError):
        get_settings()


def test_onnx_vectors_are_close_to_torch_vectors(onnx_settings: Settings,
                                                 abstracts: list[str]) -> None:
    onnx = Embedder.from_settings(onnx_settings).encode(abstracts)
    torch = Embedder("all-MiniLM-L6-v2", device="cpu").encode(abstracts)
    assert onnx.shape == torch.shape == (30, 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    cosine = (onnx * torch).sum(axis=1)
    assert cosine.mean() >= MEAN_COSINE, cosine.mean()
    assert cosine.min() >= MIN_COSINE, cosine.min()


def test_vectors_come_back_in_the_order_of_the_texts(onnx_settings: Settings,
                                                     abstracts: list[str]) -> None:
    """Texts of mixed lengths: each row is the vector of its own text, the same as when the
    text is encoded alone (int8 activations are scaled per run, so each text runs alone)."""
    encoder = Embedder.from_settings(onnx_settings).model
    texts = ["CT", abstracts[0], "Deep learning detects lung nodules on chest CT.", "",
             abstracts[1] * 3, "Mammography screening with AI support", abstracts[2][:200]]
    together = encoder.encode(texts, batch_size=2, normalize_embeddings=True)
    alone = np.vstack([encoder.encode([t], normalize_embeddings=True) for t in texts])
    assert np.allclose(together, alone, atol=1e-6)
    reversed_ = encoder.encode(texts[::-1], normalize_embeddings=True)
    assert np.allclose(reversed_[::-1], together, atol=1e-6)
    similarity = together @ together.T
    assert np.allclose(np.diag(similarity), 1.0, atol=1e-5)
    assert similarity[1, 4] < 0.99  # different abstracts, different vectors
    assert encoder.encode([]).shape == (0, 384)


def test_backends_never_share_cached_vectors_or_versions(onnx_settings: Settings,
                                                         tmp_path: Path) -> None:
    from tracker.grading.classifier import load_model as load_grading_model
    from tracker.grading.grader import grading_version
    from tracker.linking.catalog import catalog_fingerprint
    from tracker.linking.linker import LINKER_VERSION
    from tracker.linking.pipeline import model_version

    cache = FileVectorCache(tmp_path / "embeddings")
    torch = Embedder("all-MiniLM-L6-v2", cache=cache)
    torch._model = _Constant()  # no torch load: a stand-in model whose vector is all ones
    text = "AI triage of intracranial haemorrhage on head CT"
    assert np.allclose(torch.embed([text]), 1.0)
    onnx = Embedder("all-MiniLM-L6-v2", cache=cache, backend="onnx-int8",
                    export_root=models_dir(onnx_settings))
    assert (torch.model_name, onnx.model_name) == ("all-MiniLM-L6-v2",
                                                   "all-MiniLM-L6-v2@onnx-int8")
    vector = onnx.embed([text])
    assert onnx.stats.encoded == 1 and onnx.stats.cache_hits == 0
    assert not np.allclose(vector, 1.0) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    again = Embedder("all-MiniLM-L6-v2", cache=FileVectorCache(tmp_path / "embeddings"))
    again._model = _Constant()
    assert np.allclose(again.embed([text]), 1.0) and again.stats.cache_hits == 1

    plain = get_settings(data_dir=tmp_path / "data")
    assert model_version([], plain) == (f"linker{LINKER_VERSION}:all-MiniLM-L6-v2:"
                                        f"{catalog_fingerprint([])}")  # torch: as before
    assert model_version([], onnx_settings) == model_version([], plain).replace(
        "all-MiniLM-L6-v2", "all-MiniLM-L6-v2@onnx-int8")
    grading = load_grading_model()
    assert grading is not None
    assert grading_version(grading, Embedder.from_settings(plain)) == grading_version(grading)
    assert grading_version(grading, onnx) == grading_version(grading) + "@onnx-int8"


def test_on_a_gpu_torch_runs_and_keys_stay_torch(caplog: pytest.LogCaptureFixture,
                                                 tmp_path: Path) -> None:
    from tracker.embeddings import _warn_gpu_fallback

    _warn_gpu_fallback.cache_clear()  # warned once per process
    with caplog.at_level(logging.WARNING, logger="tracker.embeddings"):
        assert active_backend("onnx-int8", "cuda") == "torch"
        embedder = Embedder("all-MiniLM-L6-v2", device="cuda", backend="onnx-int8",
                            export_root=tmp_path)
    assert embedder.backend == "torch" and embedder.model_name == "all-MiniLM-L6-v2"
    assert [r.getMessage() for r in caplog.records].count(
        "embedding backend onnx-int8 runs on the CPU only: on this GPU the torch model runs "
        "instead (vectors cached under the torch key)") == 1
    assert active_backend("onnx-int8", "cpu") == "onnx-int8"
    with pytest.raises(ValueError, match="unknown embedding backend"):
        active_backend("onnx-fp16", "cpu")


def test_without_onnxruntime_one_line_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now fails
    settings = get_settings(data_dir=tmp_path / "data", embedding_backend="onnx-int8",
                            device="cpu")
    with pytest.raises(BackendUnavailable) as failure:
        Embedder.from_settings(settings)
    message = str(failure.value)
    assert "pip install 'radai-tracker[onnx]'" in message and "\n" not in message
    assert not (tmp_path / "data" / "models").exists()  # nothing half-made


class _Constant:
    def encode(self, texts, **_):  # type: ignore[no-untyped-def]
        return np.ones((len(texts), 384), dtype=np.float32)
