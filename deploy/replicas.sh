#!/usr/bin/env bash
# Independent replicas: one `vllm serve` per GPU, each its own process and port, and a
# router in front (nginx-replicas.conf). Unlike data-parallel.sh, a replica can crash,
# restart or be upgraded alone, and replicas can live on different machines.
# The replicas listen on loopback only; the router is the one door.
set -euo pipefail

: "${VLLM_API_KEY:?set VLLM_API_KEY to the token clients will send}"
export VLLM_API_KEY

# GPU i serves on port 8001 + i. Keep these ports in step with the upstream block of
# nginx-replicas.conf.
for i in 0 1 2 3; do
  CUDA_VISIBLE_DEVICES=$i vllm serve Qwen/Qwen2.5-7B-Instruct \
    --host 127.0.0.1 \
    --port $((8001 + i)) \
    --served-model-name qwen2.5-7b-instruct \
    --max-model-len 16384 \
    --gpu-memory-utilization 0.90 \
    > "vllm-replica-$i.log" 2>&1 &
done
# Ready when every replica answers /health with 200 (model loaded, engine up).
for i in 0 1 2 3; do
  until curl -sf "http://127.0.0.1:$((8001 + i))/health" > /dev/null; do sleep 5; done
  echo "replica $i ready on port $((8001 + i))"
done
wait
