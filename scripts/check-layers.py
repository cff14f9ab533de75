#!/usr/bin/env python3
"""Checks that a Rust module tree reads from the bottom up: no `use` cycle between its
files, nor between its top-level modules (its layers). A parent module using its own
children does not count; comments and `#[cfg(test)]` code are ignored.

Usage: scripts/check-layers.py [DIR]   (a folder under worker/src; default: worker/src/sandbox)
Prints each layer's dependencies; exits 1 on a cycle.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "worker/src/sandbox"
CRATE_PREFIX = ["crate"] + [
    part for part in os.path.relpath(ROOT, "worker/src").split(os.sep) if part != "."
]


def modules():
    """Module path (as 'a/b') -> source without comments and tests."""
    found = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.relpath(os.path.join(folder, name), ROOT)[:-3].split(os.sep)
            if path[-1] == "mod":
                path = path[:-1]
            with open(os.path.join(folder, name), encoding="utf-8") as source:
                text = source.read().split("#[cfg(test)]")[0]
            found["/".join(path)] = re.sub(r"//[^\n]*", "", text)
    return found


def resolve(current, path, known):
    """The module a `crate::`/`super::`/`self::` path names, if inside ROOT."""
    if path[: len(CRATE_PREFIX)] == CRATE_PREFIX:
        base, rest = [], path[len(CRATE_PREFIX):]
    elif path[0] == "super":
        base, rest = current[:-1], path[1:]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif path[0] == "self":
        base, rest = current, path[1:]
    else:
        return None
    for length in range(len(rest), -1, -1):
        candidate = "/".join(base + rest[:length])
        if candidate in known:
            return candidate
    return None


def edges_of(found):
    edges = {module: set() for module in found}
    pattern = re.compile(r"\b((?:crate|super|self)(?:::\w+)+)(?:::\{([^}]*)\})?")
    for module, text in found.items():
        current = module.split("/") if module else []
        for match in pattern.finditer(text):
            path = match.group(1).split("::")
            targets = [path]
            if match.group(2):
                targets = [
                    path + [item.strip().split()[0].split("::")[0]]
                    for item in match.group(2).split(",")
                    if item.strip()
                ]
            for target in targets:
                to = resolve(current, target, found)
                if to and to != module and not module.startswith(to + "/"):
                    edges[module].add(to)
    return edges


def cycles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in nodes:
        if node not in index:
            visit(node)
    return found


def main():
    found = modules()
    edges = edges_of(found)
    layer = lambda module: module.split("/")[0]
    layer_edges = {}
    for module, targets in edges.items():
        for target in targets:
            if module and layer(module) != layer(target):
                layer_edges.setdefault(layer(module), set()).add(layer(target))
    layers = sorted({layer(module) for module in found if module})
    for name in layers:
        print(f"{name} -> {', '.join(sorted(layer_edges.get(name, ()))) or '(leaf)'}")
    bad = cycles(sorted(found), edges) + cycles(layers, layer_edges)
    for component in bad:
        print(f"cycle: {' <-> '.join(component)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
