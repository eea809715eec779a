"""The layers depend downward only (docs/architecture.md): read from the source, every import
counted, top-level or inside a function (type-only imports under ``if TYPE_CHECKING`` are not
dependencies). A module's layer is the sub-package it sits in; the modules at the top of the
package are the façade. Fails naming the import that breaks a rule."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"core": "hlsfx", "emulator": "hlsfx.emulator", "codegen": "hlsfx.codegen",
           "cosim": "hlsfx.cosim"}  # fmt: skip
"""each folder of the checkout and the package it installs as"""
FACADE = "facade"
MAY_IMPORT = {
    "ir": {"ir"},
    "numerics": {"ir", "numerics"},
    "passes": {"ir", "numerics", "passes"},
    "frontends": {"ir", "numerics", "passes", "frontends"},
    "emulator": {"ir", "numerics", "emulator"},
    "codegen": {"ir", "numerics", "codegen"},
    "cosim": {"ir", "numerics", "codegen", "cosim"},
    FACADE: {"ir", "numerics", "passes", "frontends", "emulator", "codegen", "cosim", FACADE},
    "explore": {"ir", "numerics", "passes", "frontends", "emulator", "codegen", "cosim", FACADE,
                "explore"},
    "cli": {"ir", "numerics", "passes", "frontends", "emulator", "codegen", "cosim", FACADE,
            "explore", "cli"},
}  # fmt: skip
"""the layers each layer may import, lowest first: the IR and types; the numerics (configuration
and dialects); graph passes; frontends; the emulator and the code generators side by side;
co-simulation; the façade (the modules at the top: the model, loading, examples); precision
exploration; the command line"""
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def layer_of(module: str, modules: dict[str, Path]) -> str:
    """The layer ``module`` sits in: its sub-package, or the façade."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "examples":  # the shipped models, data of the façade
        return FACADE
    in_sub_package = len(parts) > 2 or (module in modules and modules[module].name == "__init__.py")
    if len(parts) > 1 and (parts[1] in MAY_IMPORT or in_sub_package):
        return parts[1]  # a sub-package the table lacks is named by the test below
    return FACADE


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


def test_every_sub_package_has_a_layer():
    modules = _modules()
    layers = {layer_of(m, modules) for m in modules}
    assert layers <= set(MAY_IMPORT), f"sub-packages without a layer: {layers - set(MAY_IMPORT)}"
    assert layers == set(MAY_IMPORT), f"layers without a module: {set(MAY_IMPORT) - layers}"


def test_every_layer_imports_only_the_layers_below_it():
    modules, graph = _modules(), _graph()
    for module, imports in graph.items():
        layer = layer_of(module, modules)
        bad = sorted(i for i in imports if layer_of(i, modules) not in MAY_IMPORT[layer])
        assert not bad, f"{module} ({layer}) imports {bad}"


def test_the_rules_catch_an_upward_import():
    modules = _modules()
    assert layer_of("hlsfx.ir.graph", modules) == "ir"
    assert layer_of("hlsfx.model", modules) == FACADE
    assert layer_of("hlsfx.codegen.rtl.netlist", modules) == "codegen"
    assert "emulator" not in MAY_IMPORT["codegen"] and "codegen" not in MAY_IMPORT["emulator"]
    assert FACADE not in MAY_IMPORT["frontends"]


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


MAX_FORMAT_SKIPS = 40


def test_the_sources_are_formatted_by_the_formatter_not_by_hand():
    # a module kept short by packing lines the formatter would spread (# fmt: skip) hides its
    # length; the line budget below counts formatted lines
    skips = {module: path.read_text().count("# fmt: skip") for module, path in _modules().items()}
    assert sum(skips.values()) < MAX_FORMAT_SKIPS, sorted(skips.items(), key=lambda kv: -kv[1])[:5]


def test_no_module_is_over_the_line_budget():
    for module, path in _modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{module}: {lines} lines (split it along a real seam)"


KIND_FACES = {
    "hlsfx.ir.kinds", "hlsfx.emulator.weighted", "hlsfx.emulator.activations",
    "hlsfx.emulator.layout", "hlsfx.emulator.run", "hlsfx.codegen.hls_layers",
    "hlsfx.codegen.hls_stream", "hlsfx.codegen.hls_distributed",
    "hlsfx.codegen.rtl.layers", "hlsfx.codegen.rtl.stream_layers", "hlsfx.frontends.onnx.reader",
    "hlsfx.frontends.onnx.ops", "hlsfx.frontends.onnx.quant", "hlsfx.frontends.onnx.moves",
    "hlsfx.frontends.onnx.scaling", "hlsfx.frontends.hls4ml.reader", "hlsfx.numerics.hls4ml",
    "hlsfx.numerics.dialect",
    "hlsfx.frontends.keras.reader", "hlsfx.frontends.pytorch", "hlsfx.passes.absorb_casts",
    "hlsfx.passes.fold_batch_norm", "hlsfx.passes.rescale", "hlsfx.passes.flatten_channels_last",
    "hlsfx.passes.fuse_gates",
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
