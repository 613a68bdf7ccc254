"""The import structure of ``service/``, read from the source with ``ast``.

Every ``import`` and ``from ... import`` counts, wherever it stands: at module level,
inside a function or under ``if TYPE_CHECKING`` (a function-local import that hides a
circle is still a circle). Relative imports are resolved; ``from pkg import name``
points at the module ``pkg.name`` when there is one, else at ``pkg``.

The rules:

1. **No import circles** between modules.
2. **Layers, imported downward only.** Each package of a layer may import its own
   layer and the layers below it, never a layer above::

       jobs
       matching
       pairs · rankings
       tasks
       needs
       points
       registration · notifications · roster
       places · people · audit · policy             (the core every capability builds on)
       database · errors · i18n · periods · extensions · api · exports · logs

   Adapters are exempt: a package's ``routes`` (API), ``pages`` (HTML), ``cli`` and
   ``demo`` modules, and the wiring on top (the app factory ``service/__init__.py``,
   ``service/models.py``, ``service/cli.py``, ``backup``, ``demo/``, ``web/``). They call
   the commands of any package, but only through the rule that follows.
3. **Nothing calls into an adapter.** ``routes``, ``pages`` and ``cli`` modules are imported
   only by the wiring that registers them (``service``, ``service.cli``, ``service.web``).

What a package below needs from one above it is registered, not imported: the
personal-data export and member visibility (``people/registry.py``), the five-star reward
(``needs.service.on_five_stars``).
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parent.parent / "service"

LAYERS: list[tuple[str, ...]] = [
    ("database", "errors", "i18n", "periods", "extensions", "api", "exports", "logs", "input_guard"),
    ("places", "people", "audit", "policy"),
    ("registration", "notifications", "roster"),
    ("points",),
    ("needs",),
    ("tasks",),
    ("pairs", "rankings"),
    ("matching",),
    ("jobs",),
]
LAYER_OF = {package: level for level, packages in enumerate(LAYERS) for package in packages}
ADAPTERS = ("routes", "pages", "cli", "demo")
WIRING = {"service", "service.cli", "service.web"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVICE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SERVICE.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    """Module name -> the ``service`` modules it imports (anywhere in its source)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.add(submodule if submodule in modules else source)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_adapter(module: str) -> bool:
    return module.rpartition(".")[2] in ADAPTERS


def test_the_graph_sees_relative_and_function_level_imports():
    graph = import_graph()
    assert "service.people.models" in graph["service.people.privacy"]  # from .models import Account
    assert "service.people.auth" in graph["service"]  # inside _select_locale
    assert "service.registration.personal_data" in graph["service.registration"]  # from . import personal_data
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_there_are_no_import_circles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_every_package_is_placed_in_a_layer_or_is_wiring():
    packages = {_package(module) for module in import_graph()} - {""}
    unplaced = packages - set(LAYER_OF) - {"models", "cli", "backup", "demo", "web", "translations"}
    assert not unplaced, f"place these packages in LAYERS (or the wiring): {sorted(unplaced)}"


def test_packages_import_only_their_layer_and_the_layers_below():
    upward = []
    for module, targets in import_graph().items():
        level = LAYER_OF.get(_package(module))
        if level is None or _is_adapter(module):
            continue
        for target in sorted(targets):
            target_level = LAYER_OF.get(_package(target))
            if target_level is None or target_level > level:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports reaching up a layer:\n" + "\n".join(upward)


def test_adapters_are_imported_only_by_the_wiring():
    callers = [
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if module not in WIRING
        for target in sorted(targets)
        if target.rpartition(".")[2] in ("routes", "pages", "cli")
    ]
    assert not callers, "modules calling into an adapter:\n" + "\n".join(callers)
