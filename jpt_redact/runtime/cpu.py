"""What this CPU can do fast, detected at run time, and the precision the torch backend picks.

Hosts of one kind differ (AVX-512 with VNNI/BF16 on one machine, AVX2 only on the next), so
nothing is decided at install time. The rule (docs/backends.md, *Precision*):

    bf16   when the CPU has native bf16 dot products (AVX512-BF16 or AMX) and the quality gate
           has passed (AUTO_BF16): torch runs the backbone's GEMMs and attention in bf16, norms
           and the residual stream in fp32;
    fp32   everywhere else: without those instructions bf16 is converted in software and is
           slower than fp32 (6.4x the CPU time of an fp32 GEMM on an AVX2 EPYC).

int8 is never chosen automatically: dynamic int8 drifted too far on this model (hidden-state
cosine median 0.92 with torch, 3 strict-F1 points lost with the ONNX recipe; docs/backends.md).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

TORCH_PRECISIONS = ("auto", "fp32", "bf16")

# Whether `auto` may pick bf16 on a CPU with native bf16. The quality gate
# (`benchmarks/precision_gate.py`: char recall and entity precision within 0.5 point of fp32 on
# the three dev sets, 100 documents each) passed on 2026-12-03 on an Intel Xeon with AMX and
# AVX512-BF16 (largest loss 0.16 point of char recall; docs/benchmarks.md#speed). Hosts without
# native bf16 never get it from `auto`.
AUTO_BF16 = True


@dataclass(frozen=True)
class CpuFeatures:
    capability: str  # torch's dispatch level: "AVX512", "AVX2", "DEFAULT", ...
    avx512_bf16: bool
    amx: bool
    vnni: bool
    physical_cores: int

    @property
    def native_bf16(self) -> bool:
        return self.avx512_bf16 or self.amx

    def describe(self) -> str:
        flags = [name for name, on in (("AVX512-BF16", self.avx512_bf16), ("AMX", self.amx), ("VNNI", self.vnni)) if on]
        return f"{self.capability}" + (f" + {', '.join(flags)}" if flags else " (no AVX512-BF16, AMX or VNNI)")


def _proc_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _ask(torch, name: str) -> bool | None:
    fn = getattr(getattr(torch, "cpu", None), name, None)
    try:
        return bool(fn()) if fn is not None else None
    except Exception:  # an old torch without the probe
        return None


def physical_cores() -> int:
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    siblings = 1
    try:  # hyper-threads share a core's FMA units; one thread per core is what pays for GEMMs
        with open("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", encoding="ascii") as fh:
            text = fh.read().strip()
        siblings = sum(len(range(int(a), int(b) + 1)) if "-" in part else 1
                       for part in text.split(",") for a, _, b in [part.partition("-")])
    except (OSError, ValueError):
        pass
    return max(1, usable // max(1, siblings))


def cpu_features() -> CpuFeatures:
    import torch

    flags = _proc_flags()
    try:
        capability = str(torch.backends.cpu.get_cpu_capability())
    except Exception:
        capability = "unknown"
    bf16 = _ask(torch, "_is_avx512_bf16_supported")
    amx = _ask(torch, "_is_amx_tile_supported")
    vnni = _ask(torch, "_is_vnni_supported")
    return CpuFeatures(
        capability=capability,
        avx512_bf16=bf16 if bf16 is not None else "avx512_bf16" in flags,
        amx=amx if amx is not None else bool({"amx_bf16", "amx_tile"} & flags),
        vnni=vnni if vnni is not None else bool({"avx512_vnni", "avx_vnni"} & flags),
        physical_cores=physical_cores(),
    )


def choose_precision(requested: str | None, device: str = "cpu") -> tuple[str, str]:
    """(precision, why) for the torch backend: "fp32" or "bf16"."""
    value = str(requested or "auto").lower()
    if value not in TORCH_PRECISIONS:
        from ..errors import ModelError

        raise ModelError(f"unknown torch precision {value!r} (use one of {', '.join(TORCH_PRECISIONS)})")
    if str(device).startswith("cuda"):
        return ("fp32", "asked for") if value == "fp32" else ("bf16", "CUDA device")
    feats = cpu_features()
    if value != "auto":
        return value, f"asked for (CPU {feats.describe()})"
    if feats.native_bf16 and AUTO_BF16:
        return "bf16", f"auto: CPU {feats.describe()} has native bf16 dot products"
    if feats.native_bf16:  # only while AUTO_BF16 is off (a gate to re-run after a model change)
        return "fp32", (f"auto: CPU {feats.describe()} has native bf16, but bf16 is opt-in until its quality gate "
                        "is recorded (backend_options.torch_precision: bf16)")
    return "fp32", f"auto: CPU {feats.describe()}: bf16 would be emulated, slower than fp32"
