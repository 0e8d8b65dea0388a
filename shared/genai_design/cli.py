"""The ``genai-design`` command line: thin wrappers over the package (all framework steps).

    genai-design profiles                 list profiles and the one auto-detection picks
    genai-design models prepare [KEY]     convert a bundled model once (checksum verified)
    genai-design server start|status|stop manage the shared course server on 127.0.0.1
    genai-design server warm              fill vLLM's start-up caches (set-up runs it once)
    genai-design info                     versions and hardware, as JSON
    genai-design search [--kb KB] QUERY   search a knowledge base (or --queries-file FILE)
    genai-design guard [--json] TEXT      the guardrails' input checks on a text (or --texts-file FILE)
    genai-design eval SUITE --prompt P    a release gate: answer a suite's questions, check thresholds
    genai-design check-design FILE        what does not hold in a design record (interview practice)
    genai-design serve [--answerer M:F]   the assistant as an HTTP service (127.0.0.1; blocks)

Every subcommand prints JSON on stdout so scripts can read it; errors go to stderr with
exit code 2, ``eval`` exits with 1 when a threshold fails and ``check-design`` when a design
does not hold. ``serve`` is the one that blocks: it prints one JSON line (URL, database) as
it starts, then serves until stopped, logging to stderr. Chapters add their own subcommands
here (e.g. ``search``) as they land.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from genai_design import course, models, profiles, serving


@dataclass(frozen=True)
class CommandResult:
    """A subcommand's JSON payload with an exit code other than 0 (e.g. a failed gate)."""

    payload: Any  # printed as JSON on stdout
    exit_code: int  # the process's exit status


def _profiles(args: argparse.Namespace) -> Any:
    detected = profiles.detect_profile_name(profiles.gpu_memory_gib())
    return {"detected": detected,
            "profiles": {name: asdict(p) for name, p in profiles.PROFILES.items()}}


def _models_prepare(args: argparse.Namespace) -> Any:
    return models.describe(models.prepare_model(args.key))


def _server_start(args: argparse.Namespace) -> Any:
    if args.port is not None:
        return serving.start_server(args.profile, port=args.port).to_dict()
    return serving.ensure_server(args.profile).to_dict()


def _server_status(args: argparse.Namespace) -> Any:
    endpoint = serving.running_server()
    return {"running": endpoint is not None,
            **({} if endpoint is None else {k: v for k, v in endpoint.to_dict().items()
                                            if k != "api_key"})}


def _server_stop(args: argparse.Namespace) -> Any:
    return {"stopped": serving.stop_server()}


def _server_warm(args: argparse.Namespace) -> Any:
    return serving.warm_start_caches(args.profile)


def _info(args: argparse.Namespace) -> Any:
    return {"versions": course.versions(), "hardware": course.hardware()}


def _search_payload(retriever: Any, query: str, top_k: int) -> dict[str, Any]:
    hits = retriever.search(query, top_k=top_k)
    return {"query": query, "kb": retriever.kb, "kb_version": retriever.version,
            "strategy": retriever.strategy, "chunking": retriever.chunking,
            "hits": [{"doc_id": h.doc_id, "chunk_id": h.chunk_id, "rank": h.rank,
                      "score": round(h.score, 6), "text": h.text} for h in hits]}


def _search(args: argparse.Namespace) -> Any:
    from genai_design.retrieval.strategies import open_retriever

    if (args.query is None) == (args.queries_file is None):
        raise ValueError("give either a query or --queries-file FILE (one query per line)")
    queries = [args.query]
    if args.queries_file is not None:
        try:
            with open(args.queries_file, encoding="utf-8") as handle:
                queries = [line.strip() for line in handle if line.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read --queries-file {args.queries_file!r}: {error}") from None
        if not queries:
            raise ValueError(f"--queries-file {args.queries_file!r} holds no queries")
    try:
        retriever = open_retriever(args.kb, args.kb_version, args.chunking, args.strategy)
    except FileNotFoundError as error:
        raise ValueError(str(error)) from None
    if args.queries_file is None and not args.json:
        return _search_payload(retriever, queries[0], args.top_k)
    for query in queries:  # JSON lines: one compact object per query, printed as it is ready
        print(json.dumps(_search_payload(retriever, query, args.top_k)), flush=True)
    return None


def _guard(args: argparse.Namespace) -> Any:
    from genai_design.guardrails.audit import AuditLog
    from genai_design.guardrails.pipeline import Guard, GuardConfig

    if (args.text is None) == (args.texts_file is None):
        raise ValueError("give either a text or --texts-file FILE (one text per line)")
    texts: list[str | bytes] = [args.text] if args.text is not None else []
    if args.texts_file is not None:
        try:
            with open(args.texts_file, "rb") as handle:  # bytes: invalid UTF-8 gets a verdict, not a crash
                data = handle.read()
        except OSError as error:
            raise ValueError(f"cannot read --texts-file {args.texts_file!r}: {error}") from None
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":  # the newline that ends the last line starts no new text
            lines.pop()
        texts = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    audit = AuditLog(args.audit_log) if args.audit_log else None
    guard = Guard.build(GuardConfig(max_chars=args.max_chars), audit=audit)
    if args.texts_file is None and not args.json:
        return _guarded_payload(guard, texts[0], 0)
    for number, text in enumerate(texts):  # JSON lines, in input order, each printed when ready
        print(json.dumps(_guarded_payload(guard, text, number)), flush=True)
    return None


def _guarded_payload(guard: Any, text: str | bytes, number: int) -> dict[str, Any]:
    verdict = guard.check(text)
    guard.record(f"cli-{number}", "input", "allow" if verdict.allowed else "block", verdict.reasons,
                 injection_score=round(verdict.injection_score, 4), pii=[s.type for s in verdict.pii])
    return verdict.to_dict()


def _eval(args: argparse.Namespace) -> Any:
    from genai_design.evaluation.gate import load_suite, run_suite
    from genai_design.evaluation.rag import RagConfig
    from genai_design.prompts import PromptRegistry, default_registry

    suite = load_suite(args.suite)
    name, _, version = args.prompt.partition("@")
    registry = PromptRegistry(args.prompts_dir) if args.prompts_dir else default_registry()
    prompt = registry.get(name, version or None)
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be at least 1, got {args.limit}")
    endpoint = serving.ensure_server(args.profile)
    result, run = run_suite(suite, endpoint.client(), endpoint.model, prompt, limit=args.limit,
                            config=RagConfig(extractive=args.extractive),
                            show_progress=not args.quiet)
    if args.answers_out:
        with open(args.answers_out, "w", encoding="utf-8") as handle:
            json.dump(run.to_dict(), handle, indent=1, default=str)
    return CommandResult(result.to_dict(), 0 if result.passed else 1)


def _check_design(args: argparse.Namespace) -> Any:
    from genai_design.design_check import check_file

    report = check_file(args.file)
    return CommandResult(report, 0 if report["passed"] else 1)


def _load_answerer(spec: str, **options: Any) -> Any:
    """Call the factory ``spec`` names (``module:function``) with ``options`` as keywords."""
    import importlib

    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise ValueError(f"--answerer must look like MODULE:FACTORY, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import the answerer's module {module_name!r}: {error}") from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise ValueError(f"{module_name!r} has no callable {factory_name!r}")
    try:
        inspect.signature(factory).bind(**options)
    except TypeError:
        raise ValueError(f"{spec} does not accept {', '.join(sorted(options))}: "
                         "its factory cannot trace its answers") from None
    return factory(**options)


def _serve(args: argparse.Namespace) -> Any:
    import ipaddress
    import os
    import secrets

    from genai_design.service.app import ServiceConfig, run_service

    api_key = os.environ.get(args.api_key_env, "")
    try:
        beyond_loopback = not ipaddress.ip_address(args.host).is_loopback
    except ValueError:  # "localhost", or not an address at all (ServiceConfig says so below)
        beyond_loopback = False
    if not api_key and beyond_loopback:
        raise ValueError(f"--host {args.host} listens beyond this machine: set ${args.api_key_env} "
                         "to the service's API key (a key made up per run is for loopback only)")
    if not api_key:
        api_key = secrets.token_urlsafe(24)
        print(f"genai-design serve: ${args.api_key_env} is not set; "
              f"this run's API key is {api_key}", file=sys.stderr, flush=True)
    db = args.db or str(models.course_home() / "service.sqlite3")
    # Checked before the answerer loads (which can take a while): a bad host or port fails fast.
    config = ServiceConfig(api_key=api_key, db_path=db, host=args.host, port=args.port,
                           answer_timeout_s=args.answer_timeout)
    traces = None
    if args.traces:
        from genai_design.monitoring.tracing import tracer_for

        traces = tracer_for(args.traces)
    answerer = _load_answerer(args.answerer, **({} if traces is None else {"tracer": traces.tracer}))
    print(json.dumps({"url": config.url, "db": db,
                      "answerer": args.answerer, "traces": args.traces}), flush=True)
    try:
        run_service(answerer, config)
    finally:
        if traces is not None:
            traces.close()
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genai-design", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("profiles", help="list profiles").set_defaults(func=_profiles)
    sub.add_parser("info", help="versions and hardware").set_defaults(func=_info)
    model_cmd = sub.add_parser("models", help="bundled models").add_subparsers(dest="action",
                                                                               required=True)
    prep = model_cmd.add_parser("prepare", help="convert a bundled model for vLLM")
    prep.add_argument("key", nargs="?", default="smollm2-135m-instruct")
    prep.set_defaults(func=_models_prepare)
    server = sub.add_parser("server", help="the shared course server").add_subparsers(
        dest="action", required=True)
    start = server.add_parser("start", help="start (or reuse) the course server")
    start.add_argument("--profile", default=None, help="profile name (default: auto-detect)")
    start.add_argument("--port", type=int, default=None, help="fixed port (default: a free one)")
    start.set_defaults(func=_server_start)
    server.add_parser("status", help="is a course server running?").set_defaults(func=_server_status)
    server.add_parser("stop", help="stop the course server").set_defaults(func=_server_stop)
    warm = server.add_parser("warm", help="fill vLLM's start-up caches for a profile's model")
    warm.add_argument("--profile", default=None, help="profile name (default: auto-detect)")
    warm.set_defaults(func=_server_warm)
    search = sub.add_parser("search", help="search a knowledge base (index built on first use)")
    search.add_argument("query", nargs="?", default=None, help="the question to search for")
    search.add_argument("--kb", default="python-reference", help="knowledge base name")
    search.add_argument("--kb-version", type=int, default=1, help="knowledge base version")
    search.add_argument("--strategy", default="hybrid",
                        help="bm25, dense, hybrid or hybrid+rerank (default: hybrid)")
    search.add_argument("--chunking", default="recursive", help="fixed, recursive or heading")
    search.add_argument("--top-k", type=int, default=5, help="documents to return")
    search.add_argument("--json", action="store_true", help="one compact JSON line per query")
    search.add_argument("--queries-file", default=None,
                        help="file with one query per line; prints one JSON line per query")
    search.set_defaults(func=_search)
    guard = sub.add_parser("guard", help="check texts for prompt injection and PII (step 6)")
    guard.add_argument("text", nargs="?", default=None, help="the text to check")
    guard.add_argument("--json", action="store_true", help="one compact JSON object per text")
    guard.add_argument("--texts-file", default=None,
                       help="file with one text per line; prints one JSON line per text, in order")
    guard.add_argument("--max-chars", type=int, default=20_000, help="longer texts are refused")
    guard.add_argument("--audit-log", default=None, help="append every decision to this JSON-lines file")
    guard.set_defaults(func=_guard)
    gate = sub.add_parser("eval", help="run an evaluation suite as a release gate (step 7); "
                                       "exit 1 when a threshold fails")
    gate.add_argument("suite", help="suite file (YAML), e.g. evals/shop-help-release.yaml")
    gate.add_argument("--prompt", required=True,
                      help="prompt from the registry: NAME (its active version) or NAME@LABEL")
    gate.add_argument("--prompts-dir", default=None,
                      help="registry folder (default: the course's prompts/)")
    gate.add_argument("--extractive", action="store_true",
                      help="answer with one sentence of the passages, chosen by constrained decoding")
    gate.add_argument("--limit", type=int, default=None,
                      help="ask only this many questions (evenly spaced), overriding the suite")
    gate.add_argument("--answers-out", default=None, help="write every scored answer to this JSON file")
    gate.add_argument("--profile", default=None, help="profile name (default: auto-detect)")
    gate.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    gate.set_defaults(func=_eval)
    check = sub.add_parser("check-design", help="check a design record (YAML) against the course's numbers; "
                                                "exit 1 when something does not hold")
    check.add_argument("file", help="design record, e.g. casestudies/designs/shop-support.yaml")
    check.set_defaults(func=_check_design)
    serve = sub.add_parser("serve", help="serve the assistant over HTTP (step 8); "
                                         "blocks until stopped")
    serve.add_argument("--answerer", default="genai_design.assistant:build_guarded_assistant",
                       help="MODULE:FACTORY called to build the answerer (with tracer= when "
                            "--traces is given; default: the course assistant behind step 6's "
                            "guard; genai_design.assistant:build_assistant has no guard)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="IP address to listen on (default: 127.0.0.1, this machine only); "
                            "a container passes 0.0.0.0, since the pod's network is its own "
                            "and a Service in front decides who reaches it")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (default: 8080)")
    serve.add_argument("--answer-timeout", type=float, default=60.0, metavar="SECONDS",
                       help="an answer (or a stream's first piece) slower than this gets 504 "
                            "(default: 60)")
    serve.add_argument("--db", default=None,
                       help="SQLite file of answers and feedback "
                            "(default: $GENAI_DESIGN_HOME/service.sqlite3)")
    serve.add_argument("--api-key-env", default="GENAI_DESIGN_SERVICE_KEY",
                       help="environment variable holding the API key (unset: one is generated "
                            "and printed to stderr)")
    serve.add_argument("--traces", default=None,
                       help="SQLite file to record every answer's OpenTelemetry spans in "
                            "(default: no tracing)")
    serve.set_defaults(func=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], Any] = args.func
    try:
        result = func(args)
    except (ValueError, KeyError, ConnectionError, serving.ServerStartError) as error:
        print(f"genai-design: error: {error}", file=sys.stderr)
        return 2
    code = 0
    if isinstance(result, CommandResult):
        result, code = result.payload, result.exit_code
    if result is not None:  # None: the subcommand printed its own output (JSON lines)
        print(json.dumps(result, indent=1, default=str))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
