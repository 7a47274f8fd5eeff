"""Dependencies run one way: an import graph of the package, read from the source (AST, nothing
imported), checked against the layers of docs/architecture.md.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is a
dependency all the same. A component may import components of lower layers only (never one of
its own layer or above), and no modules may import each other in a circle.
"""
from __future__ import annotations

import ast
import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "jpt_redact"

# Bottom to top. The root package (`jpt_redact`, the public facade with lazy names) is on top:
# nothing inside the package may import it (`__version__` is in jpt_redact.version).
LAYERS: list[tuple[str, ...]] = [
    ("errors", "version"),
    ("findings", "registry", "validators", "keys", "io", "data", "weights", "policies", "plugins", "safe_regex", "intervals"),
    ("policy", "evaluate", "linking"),
    ("recognizer", "plugins.recognizers", "exporters"),
    ("resolver", "whole_values"),
    ("model",),
    ("runtime",),
    ("engine",),
    ("detector",),
    ("redactor",),
    ("calibrate", "train"),
    ("batch", "plugins.presidio"),  # runners and adapters over the Redactor
    ("service", "integrations"),  # the REST service (may serve the Presidio adapter); Ray drives batch
    ("cli", ""),
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}

# Circles inside jpt_redact/train, which is being rebuilt alongside this test: a registry that
# imports its members inside a function (synth families). A circle is tolerated when all its modules match one entry's name prefixes; any other
# circle fails. Delete an entry when its circle is gone.
KNOWN_CYCLES = [
    ("jpt_redact.train.synth.",),
]


def _package_dirs() -> dict[str, Path]:
    """Package -> folder, from pyproject's package-dir (plugins/ is jpt_redact.plugins, ...)."""
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {pkg: ROOT / folder for pkg, folder in config["tool"]["setuptools"]["package-dir"].items()}


@lru_cache(maxsize=None)
def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the installed package."""
    out: dict[str, Path] = {}
    dirs = _package_dirs()
    for pkg, folder in dirs.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([pkg, *parts])
            if any(name.startswith(other + ".") and other != pkg and other.startswith(pkg) for other in dirs):
                continue  # a folder mapped to a deeper package is listed under that package
            out[name] = path
    return out


def _resolve(target: str) -> str | None:
    """The module of ours that an imported dotted name lives in (longest known prefix)."""
    known = modules()
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


@lru_cache(maxsize=None)
def imports_of(module: str) -> tuple[tuple[str, int], ...]:
    """(imported module of ours, line) for every import statement in `module`'s source."""
    path = modules()[module]
    is_package = path.name == "__init__.py"
    here = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            names = [f"{base}.{a.name}" for a in node.names] or [base]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _resolve(name)
                if target is not None and target != module:
                    found.append((target, node.lineno))
    return tuple(dict.fromkeys(found))


def component(module: str) -> str | None:
    """The LAYERS entry a module belongs to (longest match); "" is the root package itself."""
    if module == PACKAGE:
        return ""
    rest = module.removeprefix(PACKAGE + ".")
    best = None
    for name in RANK:
        if name and (rest == name or rest.startswith(name + ".")) and (best is None or len(name) > len(best)):
            best = name
    return best


def test_the_package_is_found():
    names = modules()
    for expected in ("jpt_redact.redactor", "jpt_redact.exporters.operators.mask", "jpt_redact.plugins.recognizers.phone",
                     "jpt_redact.engine.loader", "jpt_redact.cli.main"):
        assert expected in names
    assert ("jpt_redact.detector", 0) in {(m, 0) for m, _ in imports_of("jpt_redact.redactor")}


def test_every_module_has_a_layer():
    missing = sorted(m for m in modules() if component(m) is None)
    assert not missing, f"place these in LAYERS here and in docs/architecture.md: {missing}"


def test_imports_only_go_down():
    bad = []
    for module in sorted(modules()):
        src = component(module)
        for target, line in imports_of(module):
            dst = component(target)
            if dst == src or dst is None or src is None:
                continue
            if RANK[dst] >= RANK[src]:
                where = modules()[module].relative_to(ROOT)
                kind = "sideways" if RANK[dst] == RANK[src] else "upward"
                hint = "; import from jpt_redact.<module>, e.g. jpt_redact.version" if dst == "" else ""
                bad.append(f"{where}:{line}: {module} -> {target} ({kind}: {src or PACKAGE} -> {dst or PACKAGE}{hint})")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_no_circular_imports():
    graph = {m: sorted({t for t, _ in imports_of(m)}) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            known = any(all(m.startswith(entry) for m in scc) for entry in KNOWN_CYCLES)
            if len(scc) > 1 and not known:
                cycles.append(sorted(scc))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"modules importing each other in a circle: {cycles}"


@pytest.mark.parametrize("src, dst", [
    ("jpt_redact.model.backbone", "jpt_redact.runtime.select"),   # model below runtime
    ("jpt_redact.exporters.operators.mask", "jpt_redact.engine.jpt"),   # operators never see the model
    ("jpt_redact.engine.loader", "jpt_redact.redactor"),
])
def test_the_check_would_catch_an_upward_import(src, dst):
    assert RANK[component(dst)] > RANK[component(src)]


def test_architecture_doc_names_every_component():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name in RANK if name and f"`{name.replace('.', '/')}" not in doc]
    assert not missing, f"docs/architecture.md does not say what these own: {missing}"


def test_every_package_folder_is_shipped():
    # a subpackage missing from pyproject's `packages` would be left out of the wheel
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {m for m, path in modules().items() if path.name == "__init__.py"}
    assert folders == listed, (f"add to [tool.setuptools] packages in pyproject.toml: {sorted(folders - listed)}; "
                               f"listed but no such package: {sorted(listed - folders)}")
