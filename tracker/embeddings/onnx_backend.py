"""The ``onnx-int8`` embedding backend: a sentence-transformers model exported once to ONNX,
quantized to int8 and run with onnxruntime on the CPU.

The export happens at first use, offline, from the model's local files, into
``<export_root>/onnx/<model>-<digest>/`` (``export_root`` is ``DATA_DIR/models``). The digest
covers the model's weights, configuration and tokenizer files and the recipe below, so
another model, new weights or a changed recipe export anew. A file lock keeps two processes
from exporting at once; the export is written into a temporary folder that is renamed into
place, so no reader ever sees half of one. Running the export needs onnxruntime and the
``tokenizers`` library only; making it also needs torch, transformers and onnx.

Recipe (``RECIPE``): the transformer with eager attention, mean pooling over the attention
mask, traced with ``torch.onnx.export`` (TorchScript exporter, opset 17, dynamic batch and
sequence axes); onnxruntime's transformer optimizer fuses a BERT graph (embeddings + layer
norm, attention, GELU, skip layer norms); then dynamic quantization of the MatMul and
Attention weights to signed int8 **per output channel** (activations quantized at run time).
Per-channel scales are what keep the vectors close to torch's: on 200 PubMedQA abstracts the
cosine to torch's vectors was 0.945 on average (min 0.910) with onnxruntime's default
per-tensor scales, 0.9955 (min 0.9926) with per-channel scales (``tests/test_onnx_backend.py``
holds the bar). The word-embedding table stays float32: quantizing it too shrinks the file
from 59 to 23 MB but did not make encoding faster here.

Texts are tokenized with the model's own tokenizer (``tokenizer.json``), truncated at the
model's ``max_seq_length``, and run one at a time (``OnnxEncoder.encode`` says why).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tracker.embeddings import ONNX_EXPORTS, BackendUnavailable, cpu_threads

log = logging.getLogger(__name__)

RECIPE = "torchscript-opset17+eager-attention+ort-bert-fusion+dynamic-qint8-per-channel:1"
"""Bump when the export changes: every export is made again at next use."""

INSTALL_HINT = ("the onnx-int8 embedding backend needs onnxruntime and onnx: "
                "pip install 'radai-tracker[onnx]' (or set TRACKER_EMBEDDING_BACKEND=torch)")
MODEL_FILE = "model.onnx"
META_FILE = "export.json"
TOKENIZER_FILE = "tokenizer.json"
QUANTIZED_OPS = ["MatMul", "Attention"]
DIGESTED = ["config.json", "sentence_bert_config.json", "modules.json", "1_Pooling/config.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
            "model.safetensors", "pytorch_model.bin"]
"""Model files whose bytes key the export folder (those present)."""


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (a ``None`` entry in ``sys.modules`` blocks it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_runtime() -> None:
    """Raise ``BackendUnavailable`` (one line naming the extra to install) without onnxruntime."""
    if not installed("onnxruntime"):
        raise BackendUnavailable(INSTALL_HINT)


@dataclass
class ModelSpec:
    """What the export needs to know of a sentence-transformers model folder."""

    max_seq_length: int
    normalize: bool
    dim: int
    inputs: list[str]
    num_heads: int
    hidden_size: int
    model_type: str


def read_spec(model_dir: Path) -> ModelSpec:
    """The model's sequence limit, pooling and sizes, from its files; a model this backend
    cannot reproduce (other pooling, no transformer module) raises ``BackendUnavailable``."""
    def load(name: str) -> dict[str, Any]:
        path = model_dir / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    modules = load("modules.json")
    kinds: list[str] = ([str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
                        if isinstance(modules, list) else [])
    pooling = load("1_Pooling/config.json")
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if kinds[:2] != ["Transformer", "Pooling"] or modes != {"pooling_mode_mean_tokens"} or set(
            kinds[2:]) - {"Normalize"}:
        raise BackendUnavailable(
            f"the onnx-int8 embedding backend reproduces transformer + mean pooling models "
            f"only; {model_dir} is {' + '.join(kinds) or 'not a sentence-transformers folder'}"
            " (use TRACKER_EMBEDDING_BACKEND=torch)")
    config = load("config.json")
    limit = load("sentence_bert_config.json").get("max_seq_length") or min(
        int(load("tokenizer_config.json").get("model_max_length") or 512), 512)
    return ModelSpec(max_seq_length=int(limit), normalize="Normalize" in kinds,
                     dim=int(pooling.get("word_embedding_dimension") or config["hidden_size"]),
                     inputs=[],
                     num_heads=int(config.get("num_attention_heads") or 0),
                     hidden_size=int(config.get("hidden_size") or 0),
                     model_type=str(config.get("model_type") or ""))


def model_digest(model_dir: Path) -> str:
    """A hash of the model's files (``DIGESTED``) and of the export recipe."""
    digest = hashlib.blake2b(RECIPE.encode(), digest_size=16)
    for name in DIGESTED:
        path = model_dir / name
        if not path.is_file():
            continue
        digest.update(name.encode() + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def export_folder(model_dir: Path, export_root: Path, digest: str) -> Path:
    """Where the export of ``model_dir`` lives: keyed by its name and ``digest``
    (``model_digest``)."""
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in model_dir.name) or "model"
    if name == "model":  # the packaged model's folder is called "model": say whose it is
        name = "-".join(p for p in (model_dir.parent.name, name) if p)
    return export_root / ONNX_EXPORTS / f"{name}-int8-{digest[:16]}"


class OnnxEncoder:
    """An int8 ONNX export run with onnxruntime, with ``SentenceTransformer``'s ``encode``
    and dimension getter. ``exported`` says whether loading it made the export."""

    def __init__(self, folder: Path, *, threads: int | None = None, exported: bool = False) -> None:
        require_runtime()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = folder
        self.exported = exported
        self.spec = ModelSpec(**json.loads((folder / META_FILE).read_text("utf-8"))["spec"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or cpu_threads()
        options.inter_op_num_threads = 1
        # no busy-waiting between runs: the linker's spaCy work runs between two batches
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / MODEL_FILE), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.spec.max_seq_length)

    @property
    def max_seq_length(self) -> int:
        return self.spec.max_seq_length

    def get_sentence_embedding_dimension(self) -> int:
        return self.spec.dim

    def encode(self, sentences: Sequence[str], batch_size: int = 32, convert_to_numpy: bool = True,
               normalize_embeddings: bool = False, show_progress_bar: bool = False,
               **_: Any) -> np.ndarray:
        """One float32 row per text, in order; normalised when asked or when the model ends
        with a Normalize module (as ``SentenceTransformer.encode`` does). Always numpy.

        Each text runs alone (``batch_size`` is accepted for ``SentenceTransformer``'s
        signature and not used): int8 activations are scaled per run, so in a batch a
        text's vector would depend on the texts beside it (cosine to its vector alone down
        to 0.988 in a test), while alone it depends on its own text only. On two CPU cores
        one text per run was as fast as length-sorted batches of 64 (no padding to compute)."""
        texts = [str(t) for t in sentences]
        out = np.zeros((len(texts), self.spec.dim), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            out[row] = self._run(encoding)
        if normalize_embeddings or self.spec.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _run(self, encoding: Any) -> np.ndarray:
        ids = np.asarray([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                 "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64)}
        return np.asarray(self.session.run(None, {k: feeds[k] for k in self.inputs})[0][0],
                          dtype=np.float32)


def load_onnx_encoder(model_dir: Path, export_root: Path) -> OnnxEncoder:
    """The encoder of ``model_dir``'s export under ``export_root``, exporting it first when
    there is none (once, under a file lock)."""
    require_runtime()
    digest = model_digest(model_dir)
    folder = export_folder(model_dir, export_root, digest)
    exported = False
    if not (folder / META_FILE).is_file():
        from filelock import FileLock

        folder.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder.parent / f"{folder.name}.lock")):
            if not (folder / META_FILE).is_file():  # another process may have made it meanwhile
                export(model_dir, folder, digest)
                exported = True
    return OnnxEncoder(folder, exported=exported)


def export(model_dir: Path, folder: Path, digest: str = "") -> None:
    """Export, optimise and quantize ``model_dir`` into ``folder`` (written beside it, then
    renamed into place). Call it under the folder's lock; ``digest`` (``model_digest``) is
    recorded with it."""
    if not installed("onnx"):
        raise BackendUnavailable(INSTALL_HINT)
    spec = read_spec(model_dir)
    started = time.perf_counter()
    log.info("exporting %s to int8 ONNX in %s (once)", model_dir, folder)
    for stale in folder.parent.glob(f".{folder.name}.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)  # left by an export that was killed
    work = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
    work.mkdir(parents=True)
    try:
        with _quiet():
            spec.inputs = _export_float(model_dir, work / "float.onnx", spec)
            fused = _fuse(work / "float.onnx", work / "fused.onnx", spec)
            _quantize(fused, work / MODEL_FILE)
        _save_tokenizer(model_dir, work / TOKENIZER_FILE)
        for name in ("float.onnx", "fused.onnx"):
            (work / name).unlink(missing_ok=True)
        meta = {"source": str(model_dir), "digest": digest, "recipe": RECIPE,
                "spec": asdict(spec), "seconds": round(time.perf_counter() - started, 1),
                "versions": _versions()}
        (work / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("exported %s in %.0f s", folder.name, time.perf_counter() - started)


@contextmanager
def _quiet() -> Iterator[None]:
    """onnxruntime's quantizer logs every tensor (and advice) on the root logger: hold it back."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)


def _export_float(model_dir: Path, target: Path, spec: ModelSpec) -> list[str]:
    """The transformer plus mean pooling as a float32 ONNX graph; returns its input names."""
    import inspect

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # eager attention traces to plain MatMul/Softmax nodes that onnxruntime fuses
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    accepted = inspect.signature(model.forward).parameters
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            inputs = dict(zip(names, tensors, strict=True))  # by keyword: positions differ per model
            hidden = self.model(**inputs).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    sample = torch.ones((2, 16), dtype=torch.long)
    args = tuple(torch.zeros_like(sample) if n == "token_type_ids" else sample for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"sentence_embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shapes held constant
        torch.onnx.export(MeanPooled().eval(), args, str(target), dynamo=False, opset_version=17,
                          input_names=names, output_names=["sentence_embedding"],
                          dynamic_axes=axes)
    return names


def _fuse(source: Path, target: Path, spec: ModelSpec) -> Path:
    """onnxruntime's transformer fusions for a BERT graph; other models go unfused."""
    if spec.model_type != "bert" or not spec.num_heads or not spec.hidden_size:
        return source
    from onnxruntime.transformers.optimizer import optimize_model

    fused = optimize_model(str(source), model_type="bert", num_heads=spec.num_heads,
                           hidden_size=spec.hidden_size, opt_level=1, use_gpu=False)
    fused.save_model_to_file(str(target))
    return target


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=QUANTIZED_OPS,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def _save_tokenizer(model_dir: Path, target: Path) -> None:
    if (model_dir / TOKENIZER_FILE).is_file():
        shutil.copyfile(model_dir / TOKENIZER_FILE, target)
        return
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(str(model_dir), use_fast=True).backend_tokenizer.save(str(target))


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for package in ("torch", "transformers", "onnx", "onnxruntime"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out
