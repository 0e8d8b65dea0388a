"""Capacity planning: KV cache and GPU sizing, autoscaling and prefill/decode simulations.

Framework steps 1 and 8 (what a design costs) and 5 (inference infrastructure). Pure
Python and numpy: nothing here talks to a server or needs a GPU. Modules:
`specs` (model and GPU figures), `cost` (prices and cost per request), `roofline` (the decode ceiling of a device), `kv` (memory arithmetic and deployment plans),
`requirements` (step 1: a product's requirements to a plan and its bill),
`traffic` (arrival rates and times), `service_curve` (one replica's measured
behaviour), `autoscale` (replica pool simulation),
`disagg` and `disagg_sweep` (colocated vs split prefill/decode), `events` (the event
queue both simulators run on), `paged` (KV blocks), `prefix_routing` (load balancing
across replicas that each cache their own prefixes).
"""

from genai_design.capacity.autoscale import (
    POLICIES,
    AutoscaleConfig,
    AutoscaleResult,
    ScalingObservation,
    simulate,
)
from genai_design.capacity.cost import (
    API_PRICES,
    MACHINE_PRICES,
    ApiPrice,
    MachinePrice,
    api_cost_usd,
    count_api_tokens,
    count_served_tokens,
    machine_cost_usd,
    machine_price,
)
from genai_design.capacity.disagg import (
    MIXES,
    DisaggCosts,
    DisaggResult,
    WorkloadMix,
    kv_transfer_s_per_token,
    make_requests,
    simulate_pool,
)
from genai_design.capacity.disagg_sweep import (
    SplitComparison,
    compare,
    estimate_capacity_rps,
    goodput_rps,
    goodput_table,
    sweep_mixes,
)
from genai_design.capacity.kv import (
    TP_SIZES,
    DeploymentPlan,
    kv_bytes_per_token,
    kv_token_capacity,
    max_concurrent_sequences,
    plan_deployment,
    weight_bytes,
)
from genai_design.capacity.prefix_routing import (
    ROUTING_POLICIES,
    PrefixCosts,
    PrefixWorkload,
    RoutingResult,
    compare_routing,
    replica_order,
    simulate_routing,
)
from genai_design.capacity.requirements import (
    HOURS_PER_MONTH,
    Decision,
    LoadPoint,
    Plan,
    Requirements,
    ServingOption,
    api_plan,
    break_even_qps,
    ceiling_option,
    decide,
    plan,
    plan_row,
    replica_capacity_rps,
    requirements_panel,
)
from genai_design.capacity.roofline import (
    PUBLISHED_PEAKS,
    DecodeCeiling,
    HardwarePeak,
    crossover_batch,
    decode_ceiling,
    measure_peak,
)
from genai_design.capacity.service_curve import ServiceCurve, replicas_needed
from genai_design.capacity.specs import (
    DTYPE_BYTES,
    GIB,
    GPUS,
    MODELS,
    SIZING_MODELS,
    GpuSpec,
    ModelSpec,
    canonical_dtype,
    dtype_bytes,
    estimate_num_params,
    get_gpu,
    get_model,
)
from genai_design.capacity.traffic import (
    ARRIVAL_PROCESSES,
    Traffic,
    arrival_times,
    constant_traffic,
    daily_traffic,
    ramp_traffic,
    spike_traffic,
    traffic_from_function,
)

__all__ = [
    "HOURS_PER_MONTH", "Decision", "LoadPoint", "Plan", "Requirements", "ServingOption", "api_plan",
    "break_even_qps", "ceiling_option", "decide", "plan", "plan_row", "replica_capacity_rps",
    "requirements_panel",
    "ROUTING_POLICIES", "PrefixCosts", "PrefixWorkload", "RoutingResult", "compare_routing", "replica_order",
    "simulate_routing",
    "PUBLISHED_PEAKS", "DecodeCeiling", "HardwarePeak", "crossover_batch", "decode_ceiling", "measure_peak",
    "API_PRICES", "MACHINE_PRICES", "ApiPrice", "MachinePrice", "api_cost_usd", "count_api_tokens", "count_served_tokens",
    "machine_cost_usd", "machine_price",
    "ARRIVAL_PROCESSES", "DTYPE_BYTES", "GIB", "GPUS", "MIXES", "MODELS", "POLICIES", "SIZING_MODELS", "TP_SIZES",
    "AutoscaleConfig", "AutoscaleResult", "DeploymentPlan", "DisaggCosts", "DisaggResult", "GpuSpec",
    "ModelSpec", "ScalingObservation", "ServiceCurve", "SplitComparison", "Traffic", "WorkloadMix",
    "arrival_times", "canonical_dtype", "compare", "constant_traffic", "daily_traffic", "dtype_bytes",
    "estimate_capacity_rps", "estimate_num_params", "goodput_rps", "goodput_table", "get_gpu", "get_model", "kv_bytes_per_token",
    "kv_token_capacity", "kv_transfer_s_per_token", "make_requests", "max_concurrent_sequences",
    "plan_deployment", "ramp_traffic", "replicas_needed", "simulate", "simulate_pool", "spike_traffic",
    "sweep_mixes", "traffic_from_function", "weight_bytes",
]
