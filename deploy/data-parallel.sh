#!/usr/bin/env bash
# A model that fits one GPU, more traffic than one GPU carries: data parallelism runs a
# full copy of the model per GPU ("DP rank"), each with its own KV cache and batch.
# With --data-parallel-size, one `vllm serve` starts all the copies and its API server
# balances requests over them (by their running and waiting queues): one endpoint, port 8000.
# The alternative, independent servers behind a router, is replicas.sh + nginx-replicas.conf.
set -euo pipefail

: "${VLLM_API_KEY:?set VLLM_API_KEY to the token clients will send}"
export VLLM_API_KEY

# --data-parallel-size 4        four copies of the model, one per GPU (needs 4 GPUs)
# --max-num-seqs 64             sequences decoded at once, PER copy (so 256 in all)
# Combine with --tensor-parallel-size 2 to run 4 copies of a model that needs 2 GPUs (8 GPUs).
exec vllm serve Qwen/Qwen2.5-7B-Instruct \
  --port 8000 \
  --data-parallel-size 4 \
  --served-model-name qwen2.5-7b-instruct \
  --max-model-len 16384 \
  --max-num-seqs 64 \
  --gpu-memory-utilization 0.90
