"""The dependency rule of docs/architecture.md, checked on the source.

core imports only the standard library and core (config only for type
hints); hw never imports app or cli; no module imports a hardware
library at import time; and no two modules import each other, not even
lazily or for type hints.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "device" / "breathcue"
HARDWARE = {"board", "busio", "neopixel", "neopixel_spi", "adafruit_pixelbuf", "smbus2", "gpiozero", "RPi", "lgpio", "rpi_ws281x", "digitalio", "adafruit_raspberry_pi5_neopixel_write"}
IO_MODULES = {"socket", "subprocess", "threading", "asyncio", "sqlite3", "select", "selectors", "time", "os", "io", "shutil", "tempfile", "urllib", "http", "logging", "signal"}


def runtime_imports(path: Path) -> list[tuple[str, int]]:
    """Modules imported when the file runs (not those under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(), str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.level if hasattr(node, "level") else 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((("." * node.level) + (node.module or ""), node.level))
    return [(name, level) for name, level in found]


def top_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_stdlib_and_core(path: Path):
    for name, level in runtime_imports(path):
        root = name.lstrip(".").split(".")[0]
        if level == 1:
            continue  # a sibling in core
        assert level == 0, f"{path.name} imports {name} from outside core"
        assert root in sys.stdlib_module_names, f"{path.name} imports non-stdlib {name}"
        assert root not in IO_MODULES, f"{path.name} imports I/O module {name}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "hw").glob("*.py")), ids=lambda p: p.name)
def test_hw_never_imports_app_or_cli(path: Path):
    for name, _ in runtime_imports(path):
        assert not name.startswith(("..app", "..cli", "breathcue.app", "breathcue.cli")), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_hardware_library_at_import_time(path: Path):
    for name in top_level_imports(path):
        assert name.split(".")[0] not in HARDWARE, f"{path} imports {name} at import time"


def test_whole_package_imports_without_hardware_libraries():
    code = (
        "import sys, pkgutil, importlib, breathcue\n"
        "for m in pkgutil.walk_packages(breathcue.__path__, 'breathcue.'):\n"
        "    if m.name != 'breathcue.__main__': importlib.import_module(m.name)\n"
        f"bad = sorted(set(sys.modules) & set({sorted(HARDWARE - {'smbus2', 'gpiozero'})!r}))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def package_imports(path: Path) -> set[str]:
    """The package's own modules that ``path`` imports anywhere: at the top, in functions, for type hints."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".") if node.level else node.module or ""
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    return {name for name in found if name in MODULES and name != module and name not in parents}


MODULES = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__") for p in PACKAGE.rglob("*.py")}


def test_no_import_cycles():
    graph = {
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): package_imports(p)
        for p in PACKAGE.rglob("*.py")
    }

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                todo.extend(graph.get(name, ()))
        return False

    cycles = sorted(f"{a} <-> {b}" for a, deps in graph.items() for b in deps if a < b and reaches(b, a))
    assert not cycles, cycles
