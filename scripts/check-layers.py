#!/usr/bin/env python3
"""Checks that a Rust module tree reads from the bottom up: no `use` cycle between its
files, nor between its top-level modules (its layers). A parent that declares its
children (`mod x;`) does not use them; one that re-exports them does, and then none
of them may use it. Comments and `#[cfg(test)]` code are ignored.

Usage: scripts/check-layers.py [DIR]   (a crate's src folder, or a folder in it;
                                       default: worker/src/sandbox)
Prints each layer's dependencies; exits 1 on a cycle.
"""
import os
import re
import sys

ROOT = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else "worker/src/sandbox")


def crate_prefix(root):
    """`crate::` plus the module path of `root` inside its crate's `src` folder."""
    parts = root.split(os.sep)
    src = len(parts) - 1 - parts[::-1].index("src")
    return ["crate"] + parts[src + 1:]


CRATE_PREFIX = crate_prefix(ROOT)


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


def use_paths(text, children):
    """Every path in `text` that starts at `crate`, `super`, `self` or one of the
    module's own `children` (as `self::child`), use-tree groups expanded."""
    paths = []
    heads = ["crate", "super", "self"] + sorted(children)
    pattern = r"\b(" + "|".join(map(re.escape, heads)) + r")\s*::"
    for match in re.finditer(pattern, text):
        if match.start() > 0 and text[match.start() - 1] == ":":
            continue  # part of a longer path, already taken
        prefix = ["self"] if match.group(1) in children else []
        parse_tree(text, match.start(), prefix, paths)
    return paths


def children_of(module, found):
    """The names of the modules declared directly inside `module`."""
    depth = len(module.split("/")) if module else 0
    return {
        other.split("/")[depth]
        for other in found
        if other.startswith(module + "/" if module else "") and other != module
        and len(other.split("/")) == depth + 1
    }


def parse_tree(text, at, prefix, out):
    """Parses the use-tree at `at` under `prefix` into `out`; returns where it ends."""
    path = list(prefix)
    pos = at
    while True:
        match = re.compile(r"\s*(\w+|\{)").match(text, pos)
        if not match:
            break
        token = match.group(1)
        pos = match.end()
        if token == "{":
            while True:
                pos = parse_tree(text, pos, path, out)
                separator = re.compile(r"\s*([,}])").match(text, pos)
                if not separator:
                    return pos
                pos = separator.end()
                if separator.group(1) == "}":
                    return pos
        if token == "self" and path and len(path) > len(prefix) - 0 and prefix:
            out.append(list(path))
            return pos
        path.append(token)
        more = re.compile(r"\s*::").match(text, pos)
        if not more:
            break
        pos = more.end()
    if path != prefix:
        out.append(path)
    return pos


def edges_of(found):
    """Module -> the modules it uses. A parent's `mod child;` is not a use; a
    `pub use child::X` in the parent is, and so is a child's use of its parent."""
    edges = {module: set() for module in found}
    for module, text in found.items():
        current = module.split("/") if module else []
        for path in use_paths(text, children_of(module, found)):
            to = resolve(current, path, found)
            if to is not None and to != module:
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
