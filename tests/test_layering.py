"""The packages depend downward only (DESIGN.md): read from the source, every import counted,
top-level or inside a function (type-only imports under ``if TYPE_CHECKING`` are not
dependencies). Fails naming the import that breaks a rule."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"hlsfx": "hlsfx", "emulator": "hlsfx.emulator", "codegen": "hlsfx.codegen",
            "cosim": "hlsfx.cosim"}  # fmt: skip
FACADE = {
    "hlsfx",
    "hlsfx.model",
    "hlsfx.model_inputs",
    "hlsfx.api",
    "hlsfx.cli",
    "hlsfx.cli_args",
    "hlsfx.cli_design",
    "hlsfx.demo",
    "hlsfx.examples",
    "hlsfx.hls4ml_import",
}
"""the user-facing modules, which may reach every package"""
EXPLORE = {"hlsfx.scan", "hlsfx.optimize", "hlsfx.estimate", "hlsfx.plots"}
"""precision exploration, above the façade: it configures and runs models, and calibrates
estimates against synthesis"""
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports at run time."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != "hlsfx":
                found.add(name)
            elif name == "hlsfx" and isinstance(node, ast.Import):
                found.add(name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("emulator", "codegen", "cosim") else "core"


def test_code_generators_and_cosim_never_import_the_emulator():
    for module, imports in _graph().items():
        if _package(module) in ("codegen", "cosim"):
            bad = sorted(i for i in imports if _package(i) == "emulator")
            assert not bad, f"{module} imports {bad}"


def test_the_core_imports_no_back_end():
    core = [m for m in _graph() if _package(m) == "core" and m not in FACADE | EXPLORE]
    assert "hlsfx.config" in core and "hlsfx.kinds" in core
    graph = _graph()
    for module in core:
        bad = sorted(i for i in graph[module] if _package(i) != "core" or i in FACADE | EXPLORE)
        assert not bad, f"{module} (core) imports {bad}"


def test_cosim_does_not_import_the_hls_project_writer():
    for module, imports in _graph().items():
        if _package(module) == "cosim":
            assert "hlsfx.codegen.hls_project" not in imports, module


def test_no_module_imports_itself_through_others():
    graph = _graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    assert not cycles, f"import cycles: {cycles}"


def test_no_module_is_over_the_line_budget():
    for module, path in _modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{module}: {lines} lines (split it along a real seam)"


KIND_FACES = {
    "hlsfx.kinds", "hlsfx.emulator.weighted", "hlsfx.emulator.activations",
    "hlsfx.emulator.layout", "hlsfx.emulator.run", "hlsfx.codegen.hls_layers",
    "hlsfx.codegen.hls_stream", "hlsfx.codegen.hls_distributed",
    "hlsfx.codegen.rtl.layers", "hlsfx.codegen.rtl.stream_layers", "hlsfx.onnx_frontend",
    "hlsfx.onnx_ops", "hlsfx.onnx_quant",
    "hlsfx.onnx_scaling", "hlsfx.hls4ml_import", "hlsfx.hls4ml_kinds",
    "hlsfx.keras_frontend", "hlsfx.torch_frontend", "hlsfx.passes.absorb_casts",
    "hlsfx.passes.fold_batch_norm", "hlsfx.passes.rescale", "hlsfx.passes.flatten_channels_last",
}  # fmt: skip
"""the modules that may name one kind: its spec, emulator family, writers, frontends and passes"""


def test_no_kind_ladder_outside_the_faces_of_a_kind():
    # a module that names one kind (kinds.DENSE, ...) decides something per kind: that belongs
    # on the kind or in one of its faces, so that adding a kind touches those few files only
    named = re.compile(r"\b(?:kinds|kind_registry)\.(?!KINDS\b)[A-Z][A-Z0-9_]*\b")
    for module, path in _modules().items():
        if module not in KIND_FACES:
            found = named.findall(path.read_text())
            assert not found, f"{module} names the kinds {sorted(set(found))}"
