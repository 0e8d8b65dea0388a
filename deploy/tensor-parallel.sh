#!/usr/bin/env bash
# One model too big for one GPU: tensor parallelism splits every layer's weights over
# the GPUs of ONE machine, and they work on every batch together (fast links, e.g. NVLink).
# Qwen2.5-72B-Instruct in bf16 is about 145 GB of weights: four 80 GB GPUs hold it with
# room left for the KV cache (chapter 5's KV calculator does this arithmetic).
# One process, one endpoint on port 8000; clients see a single server.
set -euo pipefail

# VLLM_API_KEY: the bearer token clients must send (guards /v1; /health and /metrics stay open).
: "${VLLM_API_KEY:?set VLLM_API_KEY to the token clients will send}"
export VLLM_API_KEY

# --tensor-parallel-size 4      split each layer over 4 GPUs (must divide the attention heads)
# --served-model-name           the name clients put in the "model" field
# --max-model-len 16384         context window to reserve KV cache for, in tokens
# --gpu-memory-utilization 0.90 share of each GPU's memory vLLM may take (weights + KV cache)
exec vllm serve Qwen/Qwen2.5-72B-Instruct \
  --port 8000 \
  --tensor-parallel-size 4 \
  --served-model-name qwen2.5-72b-instruct \
  --max-model-len 16384 \
  --gpu-memory-utilization 0.90
