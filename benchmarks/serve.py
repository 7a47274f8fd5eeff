"""Load test of `jpt-redact serve` on loopback: latency percentiles and throughput by concurrency.

    python benchmarks/serve.py --levels 1,2,4,8,16,32,64 --requests 128 --out serve.json

What it runs, each server a fresh process on 127.0.0.1 (nothing leaves the machine):

1. the service with micro-batching on (the default config) and off (`--no-batching`),
2. the same harness around Presidio's AnalyzerEngine (small spaCy model, its predefined
   recognizers) served by the same stack (uvicorn + Starlette, one process, analysis on a
   thread), as the side-by-side reference; both answer Presidio's POST /analyze, which is the
   route loaded;
3. the redacting proxy in front of a streaming upstream stub: the delay it adds to each
   streamed character (its arrival through the proxy minus its arrival straight from the
   stub), for an answer without PII so the two texts line up.

Every level sends `--requests` requests from `c` concurrent clients (a level also stops after
`--max-seconds`), so a run ends by itself. Documents: `jpt_redact.train.synth.generate(n,
seed=7, split="dev")`. `--no-model` (patterns only) gives a quick run without the model.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def documents(n: int) -> list[str]:
    from jpt_redact.train.synth import generate

    return [ex.text for ex in generate(n, seed=7, split="dev")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


class Server:
    """A server subprocess, up once GET /health answers (bounded wait), stopped with SIGTERM."""

    def __init__(self, args: list[str], port: int, startup_s: float, env: dict | None = None):
        self.port = port
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env={**os.environ, **(env or {})}, cwd=str(ROOT))
        deadline = time.monotonic() + startup_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"server not up after {startup_s:.0f} s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def service(policy: str, *, batching: bool, no_model: bool, startup_s: float, extra: list[str] = ()) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "jpt_redact.cli.main", "serve", "--policy", policy, "--port", str(port), *extra]
    if not batching:
        cmd.append("--no-batching")
    if no_model:
        cmd.append("--no-model")
    return Server(cmd, port, startup_s)


async def load(url: str, docs: list[str], concurrency: int, requests: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    next_i = 0
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=max(60.0, max_seconds), limits=limits) as client:
        async def worker() -> None:
            nonlocal next_i, errors
            while next_i < requests and time.perf_counter() < deadline:
                doc = docs[next_i % len(docs)]
                next_i += 1
                t = time.perf_counter()
                r = await client.post(url + "/analyze", json={"text": doc, "language": "en"})
                if r.status_code == 200:
                    latencies.append(time.perf_counter() - t)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    done = len(latencies)
    chars = sum(len(docs[i % len(docs)]) for i in range(done))
    return {
        "concurrency": concurrency, "requests": done, "errors": errors, "wall_s": round(wall, 3),
        "req_per_s": round(done / wall, 2) if wall else 0.0, "chars_per_s": round(chars / wall, 1) if wall else 0.0,
        **{f"p{q}_ms": round(1000 * percentile(latencies, q), 1) if latencies else None for q in (50, 95, 99)},
    }


def run_levels(name: str, server: Server, docs: list[str], levels: list[int], requests: int, max_seconds: float) -> list:
    httpx.post(server.url + "/analyze", json={"text": docs[0], "language": "en"}, timeout=300)  # warm
    out = []
    for c in levels:
        res = asyncio.run(load(server.url, docs, c, requests, max_seconds))
        log(f"  {name:<22} c={c:<3} {res['req_per_s']:>8} req/s  p50 {res['p50_ms']} ms  p95 {res['p95_ms']} ms"
            f"  p99 {res['p99_ms']} ms  errors {res['errors']}")
        out.append(res)
    return out


# -- the Presidio reference server (this script, run with --presidio-server PORT) ---------------
def presidio_app():
    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jpt_redact.plugins.presidio import small_spacy_model

    model = small_spacy_model("en")
    if model is None:
        raise SystemExit("no small spaCy model installed: pip install 'jpt-redact[presidio]'")
    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml").read_text())
    conf["models"] = [{"lang_code": "en", "model_name": model}]
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine(),
                              supported_languages=["en"])
    lock = threading.Lock()  # one analysis at a time, like one model call at a time in the service

    def analyze(text: str, language: str) -> list:
        with lock:
            return [r.to_dict() for r in analyzer.analyze(text=text, language=language)]

    async def analyze_route(request):
        body = await request.json()
        return JSONResponse(await run_in_threadpool(analyze, body["text"], body["language"]))

    async def health(request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/analyze", analyze_route, methods=["POST"]), Route("/health", health)])


# -- streamed answers through the proxy ----------------------------------------------------------
STREAM_TEXT = ("The report is ready and the numbers look fine. There is nothing more to add for now, "
               "and the next update will follow in the usual way. Thanks for reading it. ") * 2


def stream_stub(port: int, chunk_chars: int, delay_s: float):
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    async def chat(request):
        async def events():
            for i in range(0, len(STREAM_TEXT), chunk_chars):
                event = {"object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": {"content": STREAM_TEXT[i:i + chunk_chars]}}]}
                yield f"data: {json.dumps(event)}\n\n".encode()
                await asyncio.sleep(delay_s)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return server


def char_arrivals(url: str) -> list[float]:
    """Arrival time of each character of the streamed content."""
    times: list[float] = []
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "weather?"}]}
    start = time.perf_counter()
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=120) as r:
        buffer = ""
        for chunk in r.iter_text():
            now = time.perf_counter() - start
            buffer += chunk
            while "\n\n" in buffer:
                event, buffer = buffer.split("\n\n", 1)
                data = event.removeprefix("data: ")
                if data.startswith("{"):
                    for c in json.loads(data).get("choices", []):
                        times += [now] * len(c.get("delta", {}).get("content") or "")
    return times


def bench_stream(policy: str, no_model: bool, startup_s: float, runs: int) -> dict:
    port = free_port()
    stub = stream_stub(port, chunk_chars=8, delay_s=0.02)
    proxy = service(policy, batching=True, no_model=no_model, startup_s=startup_s,
                    extra=["--upstream", f"http://127.0.0.1:{port}/v1"])
    try:
        added: list[float] = []
        changed = False
        for _ in range(runs):
            direct = char_arrivals(f"http://127.0.0.1:{port}")
            proxied = char_arrivals(proxy.url)
            changed = changed or len(direct) != len(proxied)  # the model redacted something after all
            added += [p - d for d, p in zip(direct, proxied)]
    finally:
        proxy.stop()
        stub.should_exit = True
    return {"chars": len(STREAM_TEXT), "chunk_chars": 8, "chunk_interval_ms": 20, "runs": runs, "text_changed": changed,
            **{f"added_p{q}_ms": round(1000 * percentile(added, q), 1) for q in (50, 95, 99)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policy", default="default")
    ap.add_argument("--levels", default="1,2,4,8,16,32,64", help="Concurrency levels.")
    ap.add_argument("--requests", type=int, default=128, help="Requests per level.")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="A level stops after this long.")
    ap.add_argument("--docs", type=int, default=64)
    ap.add_argument("--no-model", action="store_true", help="Patterns only (a quick check of the harness).")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--skip-stream", action="store_true")
    ap.add_argument("--stream-runs", type=int, default=3)
    ap.add_argument("--startup-s", type=float, default=600.0)
    ap.add_argument("--out", default=None, help="Write the results as JSON.")
    ap.add_argument("--presidio-server", type=int, default=None, metavar="PORT", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.presidio_server is not None:
        import uvicorn

        uvicorn.run(presidio_app(), host="127.0.0.1", port=args.presidio_server, log_level="warning")
        return 0

    levels = [int(x) for x in args.levels.split(",")]
    docs = documents(args.docs)
    res: dict = {"policy": args.policy, "no_model": args.no_model, "levels": levels, "requests_per_level": args.requests,
                 "docs": len(docs), "mean_chars": round(statistics.mean(len(d) for d in docs), 1),
                 "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    for name, batching in (("jpt, batching on", True), ("jpt, batching off", False)):
        log(f"{name}: starting")
        server = service(args.policy, batching=batching, no_model=args.no_model, startup_s=args.startup_s)
        try:
            res[name] = run_levels(name, server, docs, levels, args.requests, args.max_seconds)
        finally:
            server.stop()
    if not args.skip_presidio:
        log("presidio AnalyzerEngine: starting")
        port = free_port()
        server = Server([sys.executable, str(Path(__file__).resolve()), "--presidio-server", str(port)], port,
                        args.startup_s)
        try:
            res["presidio AnalyzerEngine"] = run_levels("presidio AnalyzerEngine", server, docs, levels, args.requests,
                                                        args.max_seconds)
        finally:
            server.stop()
    if not args.skip_stream:
        log("streaming through the proxy")
        res["stream"] = bench_stream(args.policy, args.no_model, args.startup_s, args.stream_runs)
        log(f"  added delay per streamed character: {res['stream']}")
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
