"""Fails when two top-level modules of src/ import each other, directly or through others.
The crate root (lib.rs) counts as a module: it composes the others, so a module that names an
item of the root (`crate::now`, `crate::routes`) makes a cycle with it."""
import pathlib
import re
import sys

src = pathlib.Path(__file__).resolve().parent.parent / "src"
modules = {p.name.removesuffix(".rs") for p in src.iterdir() if p.suffix == ".rs" or p.is_dir()}
graph = {}
for path in src.rglob("*.rs"):
    rel = path.relative_to(src).parts
    top = rel[0].removesuffix(".rs")
    if top == "main":
        continue
    text = path.read_text()
    text = re.sub(r"(?m)^\s*//.*$", "", text)
    text = text.split("#[cfg(test)]")[0]
    names = re.findall(r"crate::([a-z_]+)", text)
    for group in re.findall(r"crate::\{([^}]*)\}", text):
        names += re.findall(r"(?:^|,)\s*([a-z_]+)", group)
    for used in names:
        if used not in modules or used in ("lib", "main"):
            used = "lib"
        if used != top:
            graph.setdefault(top, set()).add(used)

# Tarjan's strongly connected components: any component of more than one module is a cycle.
index, low, stack, on, comps = {}, {}, [], set(), []


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in sorted(graph.get(v, ())):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(sorted(comp))


sys.setrecursionlimit(10000)
for module in sorted(graph):
    if module not in index:
        visit(module)
for comp in comps:
    edges = [f"{a} -> {b}" for a in comp for b in sorted(graph.get(a, ())) if b in comp]
    print("modules that import each other: " + ", ".join(comp))
    print("  " + "; ".join(edges))
sys.exit(1 if comps else 0)
