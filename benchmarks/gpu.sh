#!/usr/bin/env bash
# GPU figures for issue 18, on a machine with an NVIDIA GPU (docs/gpu.md):
#
#   bash benchmarks/gpu.sh            # 100,000 abstracts at batch sizes 64..1024 (< 10 min on an H100)
#   bash benchmarks/gpu.sh --quick    # 10,000 abstracts at batch sizes 64 and 512
#   bash benchmarks/gpu.sh --pack     # here, before a GPU machine without network: writes build/gpu/
#
# Picks a Python whose torch sees CUDA (the project's .venv first, then python3), prints the
# machine, makes sure faiss has GPU support where it can (pip install of the `gpu` extra's
# faiss-gpu-cu12 into a separate folder, never into the venv), falls back to CPU faiss (or the
# faiss-cpu wheel in build/gpu/wheels) with a "faiss GPU: unavailable (reason)" line, then runs
# benchmarks/gpu_bench.py. Without a GPU it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
PACK=build/gpu
SITE=${TMPDIR:-/tmp}/gpu-bench-site

case "${1:-}" in
  --pack|--pack-weights)
    [[ -x .venv/bin/python ]] || { echo "$1 needs the project's .venv (make test sets it up)"; exit 1; }
    exec .venv/bin/python benchmarks/gpu_bench.py "$1" ;;
  -h|--help)
    sed -n '2,12p' "$0"; exit 0 ;;
esac

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "no CUDA GPU: nothing to measure (no nvidia-smi on this machine)"
  exit 0
fi
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "no CUDA GPU: nothing to measure (nvidia-smi finds no GPU)"
  exit 0
fi

# A Python whose torch sees the GPU: the project's .venv if it has a CUDA torch, else python3.
PY="" tried=""
for candidate in .venv/bin/python python3; do
  command -v "$candidate" >/dev/null 2>&1 || continue
  if found=$("$candidate" -c 'import torch; print(torch.__version__, torch.cuda.is_available())' 2>/dev/null); then
    tried+="$candidate: torch ${found% *}, cuda ${found##* }; "
    if [[ $found == *True ]]; then PY=$candidate; break; fi
  else
    tried+="$candidate: no torch; "
  fi
done
if [[ -z $PY ]]; then
  echo "no CUDA GPU: nothing to measure (nvidia-smi sees a GPU, but no torch here sees CUDA: ${tried%; })"
  exit 0
fi

echo "== machine =="
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
echo "CPU count: $(nproc) (of $(getconf _NPROCESSORS_ONLN))"
echo "python: $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"
"$PY" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuda.is_available()", torch.cuda.is_available())'

# faiss: "gpu <version>", "cpu <version>" or "none <why>", for the Python on PYTHONPATH given.
faiss_probe() {
  PYTHONPATH="$1" "$PY" - 2>/dev/null <<'EOF' || echo "none (the probe itself failed)"
try:
    import faiss
except Exception as exc:
    print(f"none ({type(exc).__name__}: {exc})"[:200])
else:
    print("gpu" if faiss.get_num_gpus() > 0 else "cpu", faiss.__version__)
EOF
}

echo
echo "== faiss setup =="
base_path=${PYTHONPATH:-}
state=$(faiss_probe "$base_path")
echo "faiss here: $state"
setup="faiss as installed ($state)"
if [[ $state != gpu* ]]; then
  # The `gpu` extra (pyproject.toml): faiss-gpu-cu12 with its CUDA 12 runtime and cuBLAS, into
  # a folder of its own that shadows any faiss-cpu without mixing files with it.
  echo "no GPU faiss: trying pip install 'faiss-gpu-cu12>=1.8' into $SITE/gpu"
  rm -rf "$SITE/gpu"
  if log=$(timeout 300 "$PY" -m pip install --quiet --no-input --disable-pip-version-check \
             --retries 0 --timeout 15 --no-deps --target "$SITE/gpu" \
             'faiss-gpu-cu12>=1.8' nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 2>&1); then
    tried_gpu=$(faiss_probe "$SITE/gpu${base_path:+:$base_path}")
    if [[ $tried_gpu == gpu* ]]; then
      export PYTHONPATH="$SITE/gpu${base_path:+:$base_path}"
      state=$tried_gpu setup="faiss-gpu-cu12 installed into $SITE/gpu"
    else
      reason="faiss-gpu-cu12 installed but gives: $tried_gpu"
    fi
  else
    reason="pip install faiss-gpu-cu12 failed: $(printf '%s\n' "$log" | grep -v '^\s*$' | tail -1 | cut -c1-200)"
  fi
  if [[ $state != gpu* && $state == none* ]]; then
    wheel=$(find "$PACK/wheels" -maxdepth 1 -name 'faiss_cpu-*.whl' 2>/dev/null | head -1 || true)
    if [[ -n $wheel ]] && "$PY" -m pip install --quiet --no-index --no-deps \
        --disable-pip-version-check --target "$SITE/cpu" "$wheel" >/dev/null 2>&1; then
      export PYTHONPATH="$SITE/cpu${base_path:+:$base_path}"
      state=$(faiss_probe "$PYTHONPATH")
      reason+="; CPU faiss from the carried $(basename "$wheel")"
    fi
  fi
  if [[ $state != gpu* ]]; then
    setup=$reason
    echo "faiss GPU: unavailable ($reason)"
  fi
fi
echo "faiss used: $state"
export GPU_BENCH_FAISS_SETUP=$setup GPU_BENCH_SETUP_S=$SECONDS

echo
exec "$PY" benchmarks/gpu_bench.py "$@"
