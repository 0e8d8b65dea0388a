"""From a product's requirements to a serving plan and its monthly bill (framework step 1).

A :class:`Requirements` record holds what a product must meet: the load now and in six
months, tokens in and out per request, latency targets, and whether prompts may leave our
infrastructure, and which models are good enough for it (step 4 decides that; here it is an
input). A :class:`ServingOption` is one way to serve it: one replica's behaviour at
each load level (the busiest level is what one replica can carry within the latency targets),
either measured by a load test (step 5) or estimated from a GPU's decode ceiling, plus what a
replica costs per hour. :func:`plan` sizes an option for the requirements, :func:`api_plan`
prices a managed API for them, and :func:`decide` picks the cheapest plan that is allowed, good
enough and holds in six months, and says why. :func:`requirements_panel` is the same arithmetic behind sliders.

The arithmetic is a fluid estimate. A replica at load level ``c`` decodes at the measured
aggregate rate ``R_c`` tokens/s, and each request also spends ``prompt_tokens * prefill_s``
of the replica's time on its prompt, so one replica serves ``1 / (out / R_c + in * prefill_s)``
requests per second; the pool is sized for the peak hour (``qps * peak_to_mean``) and billed
all month, as a fixed pool would be (step 5's autoscaling shows what scaling saves). A longer
prompt than the one measured adds its extra prefill time to the measured time to first token.
Left out on purpose: queueing bursts within the peak hour (give headroom through
``peak_to_mean``), long-prompt effects on decode speed, discounts and reserved prices, and the
managed API's latency, which this course cannot measure offline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from genai_design.capacity.cost import ApiPrice, api_cost_usd
from genai_design.capacity.kv import kv_bytes_per_token, plan_deployment
from genai_design.capacity.roofline import PUBLISHED_PEAKS, HardwarePeak, decode_ceiling
from genai_design.capacity.specs import get_gpu, get_model

HOURS_PER_MONTH = 730.0  # 365 days * 24 hours / 12 months
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


@dataclass(frozen=True)
class Requirements:
    """What one product must meet (the answers to step 1's questions)."""

    name: str  # the product, as tables and reasons name it
    qps_now: float  # mean requests per second today
    qps_later: float  # mean requests per second expected in six months
    peak_to_mean: float  # busiest hour's request rate over the mean; pools are sized for the peak
    input_tokens: int  # prompt tokens per request (instructions, context, question), served model's tokenizer
    output_tokens: int  # generated tokens per request
    ttft_ms: float | None  # p95 time to first token the product needs; None: nobody watches it stream
    tpot_ms: float | None  # p95 time per output token after the first; None: no bound
    private: bool  # True: prompts may not leave our infrastructure, so no managed API
    models: tuple[str, ...] = ()  # self-hosted models good enough for the product (step 4 decides); (): any

    def __post_init__(self) -> None:
        if self.qps_now < 0 or self.qps_later < 0:
            raise ValueError(f"{self.name}: qps_now and qps_later must be >= 0")
        if self.peak_to_mean < 1:
            raise ValueError(f"{self.name}: peak_to_mean must be >= 1 (the peak is at least the mean)")
        if self.input_tokens < 1 or self.output_tokens < 1:
            raise ValueError(f"{self.name}: input_tokens and output_tokens must be >= 1")
        for bound in (self.ttft_ms, self.tpot_ms):
            if bound is not None and bound <= 0:
                raise ValueError(f"{self.name}: latency targets must be > 0 or None")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LoadPoint:
    """One replica at one load level."""

    concurrency: int  # requests in flight on the replica
    output_tokens_per_s: float  # output tokens per second, all requests together
    p95_ttft_ms: float  # p95 time to first token, for the option's prompt_tokens
    p95_tpot_ms: float  # p95 time per output token after the first


@dataclass(frozen=True)
class ServingOption:
    """One way to self-host: a model on a machine, its behaviour under load and its price."""

    name: str  # as tables name it
    model: str  # the model served
    hardware: str  # what one replica runs on
    usd_per_hour: float  # what one replica costs per hour, on demand
    gpus_per_replica: int  # 0 for a CPU machine
    prompt_tokens: int  # prompt length the load points were measured (or estimated) with
    prefill_ms_per_token: float  # replica time each further prompt token costs (its prefill)
    points: tuple[LoadPoint, ...]  # by increasing concurrency
    source: str  # where the points come from: a measured run, or an estimate and its assumption

    def __post_init__(self) -> None:
        if not self.points:
            raise ValueError(f"{self.name}: an option needs at least one load point")
        if self.usd_per_hour < 0 or self.prefill_ms_per_token < 0 or self.prompt_tokens < 0:
            raise ValueError(f"{self.name}: price, prefill cost and prompt_tokens must be >= 0")
        if any(p.output_tokens_per_s <= 0 for p in self.points):
            raise ValueError(f"{self.name}: every load point needs a throughput > 0")

    @classmethod
    def from_load_tests(cls, results: Sequence[Any], *, name: str, model: str, hardware: str,
                        usd_per_hour: float, prompt_tokens: int, prefill_ms_per_token: float,
                        source: str, gpus_per_replica: int = 0) -> ServingOption:
        """From step 5's load-test results (``LoadTestResult``: closed-loop levels without errors)."""
        points = tuple(LoadPoint(int(r.concurrency), float(r.output_tokens_per_s), float(r.p95_ttft_ms),
                                 float(r.p95_tpot_ms))
                       for r in sorted(results, key=lambda r: r.concurrency)
                       if r.concurrency and r.num_errors == 0 and r.output_tokens_per_s > 0)
        return cls(name, model, hardware, usd_per_hour, gpus_per_replica, prompt_tokens,
                   prefill_ms_per_token, points, source)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ceiling_option(model: str, gpu: str, efficiency: float, prompt_tokens: int, context_len: int,
                   batches: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256),
                   peak: HardwarePeak | None = None) -> ServingOption:
    """An ESTIMATED option: ``model`` on ``gpu`` at ``efficiency`` times its decode ceiling.

    The ceiling comes from the GPU's data-sheet peaks (step 5's roofline), counting each step's
    reads of the weights and of every sequence's KV cache (``context_len`` tokens each, a
    sequence's mean resident length); the replica's size and the most sequences it holds come
    from the KV arithmetic of ``plan_deployment``. A step at batch ``b`` takes ``b / tokens_per_s``; time to first
    token is the prompt's prefill at ``efficiency`` of peak arithmetic plus one decode step.
    ``efficiency`` is an assumption (serving engines reach a fraction of the ceiling): the
    option's ``source`` says so, and a reader should try a range.
    """
    if not 0 < efficiency <= 1:
        raise ValueError(f"efficiency must be in (0, 1], got {efficiency}")
    spec, gpu_spec = get_model(model), get_gpu(gpu)
    base = peak or PUBLISHED_PEAKS.get(gpu_spec.name)
    if base is None:
        raise ValueError(f"no published peak for {gpu_spec.name}; pass peak=, known: {', '.join(PUBLISHED_PEAKS)}")
    deployment = plan_deployment(spec, gpu_spec, dtype=base.dtype, context_len=context_len)
    if not deployment.fits:
        raise ValueError(f"{spec.name} does not fit {gpu_spec.name}: " + "; ".join(deployment.notes))
    tp = deployment.tensor_parallel_size
    scaled = HardwarePeak(f"{tp} x {base.name}", base.matmul_tflops * tp, base.memory_gb_s * tp, base.dtype,
                          base.source)  # tensor parallelism taken as ideal
    prefill_ms = 1000 * 2 * spec.num_params / (scaled.matmul_tflops * 1e12 * efficiency)
    points = []
    for b in batches:
        if b > deployment.max_concurrent_seqs_per_replica:
            break
        kv_read = b * context_len * kv_bytes_per_token(spec, base.dtype)  # each step reads every KV cache
        tokens_per_s = efficiency * decode_ceiling(spec, scaled, b, kv_bytes_per_step=kv_read).tokens_per_s
        step_ms = 1000 * b / tokens_per_s
        points.append(LoadPoint(b, tokens_per_s, prompt_tokens * prefill_ms + step_ms, step_ms))
    return ServingOption(f"{spec.name} on {tp} x {gpu_spec.name}", spec.name, f"{tp} x {gpu_spec.name}",
                         tp * gpu_spec.usd_per_hour, tp, prompt_tokens, prefill_ms, tuple(points),
                         f"estimated: {efficiency:.0%} of the decode ceiling from {base.source}, not measured")


@dataclass(frozen=True)
class Plan:
    """One way to serve one product: size and monthly bill now and in six months."""

    product: str  # Requirements.name
    option: str  # ServingOption.name or the API model's name
    kind: str  # "self-hosted" or "managed API"
    allowed: bool  # False: a managed API for a product whose prompts must stay in-house
    reachable: bool  # True: some load level meets the latency targets (APIs: not measured, taken as True)
    good_enough: bool  # False: the model is not among the product's models (its quality bar)
    concurrency: int  # busiest load level within the targets (0: none, or a managed API)
    ttft_ms: float | None  # p95 time to first token at that level for the product's prompt (None: API)
    tpot_ms: float | None  # p95 time per output token at that level (None: API)
    capacity_rps: float | None  # requests per second one replica serves there (None: API)
    replicas_now: int  # replicas for today's peak hour (0: API or unreachable)
    replicas_later: int  # replicas for the peak hour in six months
    gpus_later: int  # GPUs those replicas hold (0 on CPU machines and for APIs)
    monthly_usd_now: float | None  # the bill at today's load (None: unreachable)
    monthly_usd_later: float | None  # the bill in six months (None: unreachable)
    usd_per_1k_requests: float | None  # the six-month bill over its requests, per thousand
    source: str  # where the figures come from
    notes: tuple[str, ...] = field(default=())  # why it is unreachable, not allowed or not good enough

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d


def _adjusted_ttft_ms(req: Requirements, option: ServingOption, point: LoadPoint) -> float:
    extra = max(0, req.input_tokens - option.prompt_tokens)
    return point.p95_ttft_ms + extra * option.prefill_ms_per_token


def _within(req: Requirements, option: ServingOption, point: LoadPoint) -> bool:
    ttft_ok = req.ttft_ms is None or _adjusted_ttft_ms(req, option, point) <= req.ttft_ms
    tpot_ok = req.tpot_ms is None or point.p95_tpot_ms <= req.tpot_ms
    return ttft_ok and tpot_ok


def replica_capacity_rps(req: Requirements, option: ServingOption, point: LoadPoint) -> float:
    """Requests per second one replica serves at ``point`` (the fluid estimate of the module)."""
    seconds = (req.output_tokens / point.output_tokens_per_s
               + req.input_tokens * option.prefill_ms_per_token / 1000)
    return 1 / seconds


def _monthly(replicas: int, usd_per_hour: float) -> float:
    return replicas * usd_per_hour * HOURS_PER_MONTH


def plan(req: Requirements, option: ServingOption) -> Plan:
    """Size ``option`` for ``req``: the busiest load level within the latency targets sets what
    one replica carries; the pool covers the peak hour and is billed all month."""
    good = not req.models or option.model.lower() in {m.lower() for m in req.models}
    quality = () if good else (f"{option.model} is not among the models good enough for {req.name}",)
    within = [p for p in option.points if _within(req, option, p)]
    if not within:
        best = min(option.points, key=lambda p: _adjusted_ttft_ms(req, option, p))
        note = (f"no load level meets the targets: the best p95 time to first token for a "
                f"{req.input_tokens}-token prompt is {_adjusted_ttft_ms(req, option, best):.0f} ms "
                f"(target {req.ttft_ms}), p95 time per token {best.p95_tpot_ms:.0f} ms (target {req.tpot_ms})")
        return Plan(req.name, option.name, "self-hosted", True, False, good, 0, None, None, None, 0, 0, 0,
                    None, None, None, option.source, (note, *quality))
    point = max(within, key=lambda p: replica_capacity_rps(req, option, p))
    capacity = replica_capacity_rps(req, option, point)
    now = max(1, math.ceil(req.qps_now * req.peak_to_mean / capacity))
    later = max(1, math.ceil(req.qps_later * req.peak_to_mean / capacity))
    later_usd = _monthly(later, option.usd_per_hour)
    per_1k = later_usd / (req.qps_later * SECONDS_PER_MONTH) * 1000 if req.qps_later else None
    return Plan(req.name, option.name, "self-hosted", True, True, good, point.concurrency,
                _adjusted_ttft_ms(req, option, point), point.p95_tpot_ms, capacity, now, later,
                later * option.gpus_per_replica, _monthly(now, option.usd_per_hour), later_usd, per_1k,
                option.source, quality)


def api_plan(req: Requirements, price: ApiPrice, api_tokens_per_token: float = 1.0) -> Plan:
    """A managed API priced for ``req``: it bills every token, whatever the load.

    ``api_tokens_per_token``: the API tokenizer's count over the served model's for the same
    text (measure it on the product's prompts; tokenizers differ by tens of percent).
    """
    if api_tokens_per_token <= 0:
        raise ValueError("api_tokens_per_token must be > 0")
    per_request = api_cost_usd(price, req.input_tokens * api_tokens_per_token,
                               req.output_tokens * api_tokens_per_token)
    notes = ("prompts must stay in our infrastructure",) if req.private else ()
    return Plan(req.name, price.model, "managed API", not req.private, True, True, 0, None, None, None, 0, 0, 0,
                per_request * req.qps_now * SECONDS_PER_MONTH, per_request * req.qps_later * SECONDS_PER_MONTH,
                per_request * 1000, f"{price.source}, prices of {price.as_of}", notes)


@dataclass(frozen=True)
class Decision:
    """The plan chosen for one product, and why."""

    product: str  # Requirements.name
    choice: str  # the chosen Plan's option
    kind: str  # its kind: "self-hosted" or "managed API"
    monthly_usd_later: float  # its bill in six months
    reasons: tuple[str, ...]  # sentences a design review would read

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons"] = list(self.reasons)
        return d


def decide(req: Requirements, plans: Sequence[Plan]) -> Decision:
    """The cheapest plan in six months among those allowed, good enough and within the latency
    targets. A managed API's model is taken as good enough: list only APIs that are."""
    usable = [p for p in plans if p.allowed and p.good_enough and p.reachable and p.monthly_usd_later is not None]
    if not usable:
        raise ValueError(f"{req.name}: no plan is allowed, good enough and within the latency targets")
    best = min(usable, key=lambda p: p.monthly_usd_later)
    reasons = []
    if req.private:
        reasons.append("prompts may not leave our infrastructure, so managed APIs are out")
    cheaper = [p for p in plans if p.allowed and p.reachable and p.monthly_usd_later is not None
               and p.monthly_usd_later < best.monthly_usd_later and not p.good_enough]
    if cheaper:
        reasons.append(f"{', '.join(p.option for p in cheaper)} would cost less, but the model is below the "
                       f"product's quality bar")
    for p in plans:
        if p is not best and p.allowed and not p.reachable:
            reasons.append(f"{p.option} cannot meet the latency targets")
    runner_up = sorted(usable, key=lambda p: p.monthly_usd_later)[1:2]
    if runner_up:
        r = runner_up[0]
        reasons.append(f"{best.option} costs ${best.monthly_usd_later:,.0f} a month in six months, "
                       f"{r.monthly_usd_later / best.monthly_usd_later:.1f}x less than the next, {r.option}")
    if best.kind == "self-hosted":
        reasons.append(f"{best.replicas_later} replica(s) at {best.concurrency} requests in flight each "
                       f"carry the peak hour within the targets ({best.source})")
    else:
        reasons.append("the API's latency was not measured here: check it against the targets before committing")
    return Decision(req.name, best.option, best.kind, float(best.monthly_usd_later), tuple(reasons))


def break_even_qps(option: ServingOption, req: Requirements, price: ApiPrice,
                   api_tokens_per_token: float = 1.0, max_qps: float = 10_000.0) -> float | None:
    """The mean request rate above which self-hosting ``option`` costs less per month than the
    API (scanning rates in 1% steps); None when the API is cheaper all the way to ``max_qps``."""
    qps = 0.01
    while qps <= max_qps:
        at = Requirements(req.name, qps, qps, req.peak_to_mean, req.input_tokens, req.output_tokens,
                          req.ttft_ms, req.tpot_ms, False, req.models)
        hosted = plan(at, option)
        if not hosted.reachable:
            return None
        if hosted.monthly_usd_now < api_plan(at, price, api_tokens_per_token).monthly_usd_now:
            return qps
        qps *= 1.01
    return None


def requirements_panel(req: Requirements, options: Sequence[ServingOption], prices: Mapping[str, ApiPrice],
                       api_tokens_per_token: float = 1.0) -> Any:
    """An ipywidgets panel over :func:`plan`, :func:`api_plan` and :func:`decide`: move the load,
    tokens, targets and privacy of ``req`` and read the plans and the decision (display it)."""
    import ipywidgets as w

    from genai_design.notebook import show_table

    controls = {
        "qps_now": w.FloatLogSlider(value=max(req.qps_now, 0.01), base=10, min=-2, max=3, description="QPS now"),
        "qps_later": w.FloatLogSlider(value=max(req.qps_later, 0.01), base=10, min=-2, max=3,
                                      description="QPS in 6 mo"),
        "input_tokens": w.IntSlider(value=req.input_tokens, min=10, max=8000, description="tokens in"),
        "output_tokens": w.IntSlider(value=req.output_tokens, min=1, max=2000, description="tokens out"),
        "ttft_ms": w.IntSlider(value=int(req.ttft_ms or 0), min=0, max=10_000, step=100,
                               description="TTFT ms (0: none)"),
        "private": w.Checkbox(value=req.private, description="prompts stay in-house"),
    }
    out = w.Output()

    def update(_: Any = None) -> None:
        v = {k: c.value for k, c in controls.items()}
        changed = Requirements(req.name, v["qps_now"], v["qps_later"], req.peak_to_mean, v["input_tokens"],
                               v["output_tokens"], v["ttft_ms"] or None, req.tpot_ms, v["private"], req.models)
        plans = [plan(changed, o) for o in options] + [api_plan(changed, p, api_tokens_per_token)
                                                       for p in prices.values()]
        out.clear_output(wait=True)
        with out:
            show_table([plan_row(p) for p in plans])
            try:
                d = decide(changed, plans)
                print(f"choose {d.choice}: " + "; ".join(d.reasons))
            except ValueError as exc:
                print(exc)

    for control in controls.values():
        control.observe(update, names="value")
    update()
    return w.VBox([w.HBox(list(controls.values())[:3]), w.HBox(list(controls.values())[3:]), out])


def plan_row(p: Plan) -> dict[str, Any]:
    """One table row for a plan, with the columns a design review reads."""
    money = (lambda x: "-" if x is None else f"${x:,.0f}")
    return {"option": p.option, "kind": p.kind, "allowed": p.allowed, "good enough": p.good_enough,
            "meets latency": p.reachable,
            "in flight": p.concurrency or "-", "p95 TTFT ms": "-" if p.ttft_ms is None else f"{p.ttft_ms:,.0f}",
            "replicas now / 6 mo": f"{p.replicas_now} / {p.replicas_later}" if p.kind == "self-hosted" else "-",
            "$/month now": money(p.monthly_usd_now), "$/month 6 mo": money(p.monthly_usd_later),
            "$ per 1k requests": "-" if p.usd_per_1k_requests is None else f"{p.usd_per_1k_requests:.3f}"}
