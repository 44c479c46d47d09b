"""A static, lazy interpreter for the subset of Nix that NixOS modules use.

It evaluates tree-sitter nodes to `values.Value`s.  Anything it does not model
-- calls of unknown functions, unknown variables, `config.*` references,
imports of other expressions -- becomes an `Unknown` or `Symbolic` carrying its
source span, never a guess.  Architecture questions (`pkgs.system`,
`stdenv.hostPlatform.isAarch64`) are answered for the one system this
interpreter judges, and counted (`arch_reads`).
"""
from __future__ import annotations

import os
import re
from typing import Any

from . import values as v
from .source import SourceFile, Span

MAX_DEPTH = 300  # nesting beyond this evaluates to Unknown instead of overflowing the stack


class Env:
    """A lexical scope; `with_scope` marks a `with e;` scope, searched only after all lexical ones."""

    __slots__ = ("vars", "parent", "with_scope")

    def __init__(self, vars: dict[str, v.Lazy], parent: "Env | None" = None, with_scope: v.Lazy | None = None):
        self.vars = vars
        self.parent = parent
        self.with_scope = with_scope

    def lookup(self, name: str) -> v.Lazy | None:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        env = self
        while env is not None:
            if env.with_scope is not None:
                scope = v.force(env.with_scope)
                found = select_attr(scope, name)
                if found is not None:
                    return found
            env = env.parent
        return None


def select_attr(value: v.Value, name: str) -> v.Lazy | None:
    """Attribute `name` of a set or of a modelled namespace; None when it is absent."""
    if isinstance(value, v.AttrsV):
        attr = value.attrs.get(name)
        return attr.value if attr is not None else None
    getter = getattr(value, "select", None)
    if getter is not None:
        return getter(name)
    return None


class Interpreter:
    """Evaluates Nix for one system.  `importer` (value, span) -> value | None makes
    `import` follow local files (system discovery does); `lib_extensions` adds members
    to `lib` (the system builders discovery recognises)."""

    def __init__(self, system: str | None, importer=None, lib_extensions: dict | None = None):
        self.system = system
        self.arch_reads = 0     # how often an evaluation asked which architecture it is on
        self.depth = 0
        self.importer = importer
        self.frames: list[tuple[Span, v.Lambda]] = []   # the function calls being evaluated, outermost first
        self.impure: list[Span] = []    # reads of the builder's environment (getEnv): what no static tool can know
        self.data_files: list[str] = []   # files read as data (readFile, importJSON, …): what the values depend on
        self.dropped_updates: list = []  # `mkIf … // { … }` evaluated (operators.DroppedUpdate)
        from .nixlib import Builtins  # local import: nixlib needs this module's names

        self.builtins = Builtins(self, lib_extensions)
        self.global_env = Env(self.builtins.globals())

    # -- entry points ---------------------------------------------------------------

    def eval_file(self, source: SourceFile, root_node: Any) -> v.Value:
        expr = _first_named(root_node)
        if expr is None:
            return v.Unknown(Span(source, 0, 0), "empty file")
        return self.eval(expr, self.global_env, source)

    def eval(self, node: Any, env: Env, source: SourceFile) -> v.Value:
        if self.depth > MAX_DEPTH:
            return v.Unknown(self.span(source, node), "nested too deeply to evaluate")
        method = getattr(self, "eval_" + node.type, None)
        if method is None:
            return v.Unknown(self.span(source, node), f"unsupported expression {node.type}")
        self.depth += 1
        try:
            return method(node, env, source)
        finally:
            self.depth -= 1

    def lazy(self, node: Any, env: Env, source: SourceFile) -> v.Lazy:
        """A thunk for `node`, except for literals that are cheaper to evaluate now -- not a
        string or path that interpolates a value (`"${self}/hosts"` must not ask for a
        flake's `self` while its outputs are being made)."""
        kind = node.type
        if kind in _EAGER and (kind not in _INTERPOLATING
                               or source.data.find(b"${", node.start_byte, node.end_byte) < 0):
            return self.eval(node, env, source)   # (an escaped `\${` is taken to interpolate: then lazy)
        return v.Thunk(lambda: self.eval(node, env, source), kind)

    @staticmethod
    def span(source: SourceFile, node: Any) -> Span:
        return Span(source, node.start_byte, node.end_byte)

    def use_arch(self) -> str | None:
        self.arch_reads += 1
        return self.system

    # -- literals -------------------------------------------------------------------

    def eval_parenthesized_expression(self, node, env, source):
        inner = _first_named(node)
        return self.eval(inner, env, source) if inner is not None else v.Unknown(self.span(source, node))

    def eval_integer_expression(self, node, env, source):
        try:
            return v.Const(int(source.text(node.start_byte, node.end_byte)), self.span(source, node))
        except ValueError:
            return v.Unknown(self.span(source, node), "integer")

    def eval_float_expression(self, node, env, source):
        try:
            return v.Const(float(source.text(node.start_byte, node.end_byte)), self.span(source, node))
        except ValueError:
            return v.Unknown(self.span(source, node), "float")

    def eval_variable_expression(self, node, env, source):
        name = source.text(node.start_byte, node.end_byte)
        span = self.span(source, node)
        found = env.lookup(name)
        if found is None:
            return v.Unknown(span, f"unknown variable {name}")
        value = v.force(found)
        if isinstance(value, v.Const) and value.span is None:
            return v.Const(value.value, span)  # true/false/null: give the literal its place
        return value

    def eval_string_expression(self, node, env, source):
        return v.Str(tuple(self._string_parts(node, env, source, indented=False)), self.span(source, node))

    def eval_indented_string_expression(self, node, env, source):
        pieces = self._string_parts(node, env, source, indented=True, raw=True)
        return v.Str(tuple(strip_indentation(pieces)), self.span(source, node))

    def _string_parts(self, node, env, source, indented: bool, raw: bool = False) -> list:
        parts: list = []
        for child in node.named_children:
            kind = child.type
            text = source.text(child.start_byte, child.end_byte)
            if kind == "string_fragment":
                parts.append(("lit", text) if raw else text)
            elif kind == "escape_sequence":
                decoded = _unescape(text, indented)
                parts.append(("esc", decoded) if raw else decoded)
            elif kind == "dollar_escape":
                decoded = "$" if text.endswith("$") else ""
                parts.append(("esc", decoded) if raw else decoded)
            elif kind == "interpolation":
                inner = _first_named(child)
                value = self.eval(inner, env, source) if inner is not None else v.Unknown(self.span(source, child))
                if isinstance(value, v.Str) and value.known is None:
                    pieces = list(value.parts)  # a partly known string: splice its text and unknowns
                else:
                    pieces = [self.coerce_to_string(value, self.span(source, child))]
                for piece in pieces:
                    parts.append(("interp", piece) if raw else piece)
        return parts if raw else _join_text(parts)

    def coerce_to_string(self, value: v.Value, span: Span) -> str | v.Unknown:
        value = v.as_string(value)
        if isinstance(value, v.Str):
            known = value.known
            return known if known is not None else v.Unknown(span, "interpolated string")
        if isinstance(value, v.Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
            return v.Unknown(span, "int in string")  # Nix refuses ints in "${}"
        if isinstance(value, v.PathV) and value.resolved:
            return v.StorePath(span, value.resolved)
        return v.Interpolated(span, "interpolation", value)

    def eval_path_expression(self, node, env, source):
        text = source.text(node.start_byte, node.end_byte)
        span = self.span(source, node)
        if any(c.type == "interpolation" for c in node.named_children):
            text = self._interpolated_path(node, env, source)
            if text is None:
                return v.Unknown(span, "interpolated path")
        if text.startswith("/"):
            resolved = os.path.normpath(text)
        else:
            resolved = os.path.normpath(os.path.join(os.path.dirname(source.path), text))
        return v.PathV(text, resolved, span)

    def _interpolated_path(self, node, env, source) -> str | None:
        """`./hosts/${name}` with every interpolation a known string, as text; else None."""
        pieces = []
        for child in node.named_children:
            if child.type == "interpolation":
                inner = _first_named(child)
                value = self.eval(inner, env, source) if inner is not None else None
                if not isinstance(value, v.Str) or value.known is None:
                    return None
                pieces.append(value.known)
            else:
                pieces.append(source.text(child.start_byte, child.end_byte))
        return "".join(pieces)

    def eval_hpath_expression(self, node, env, source):
        return v.PathV(source.text(node.start_byte, node.end_byte), None, self.span(source, node))

    def eval_spath_expression(self, node, env, source):
        return v.PathV(source.text(node.start_byte, node.end_byte), None, self.span(source, node))

    def eval_uri_expression(self, node, env, source):
        return v.Str((source.text(node.start_byte, node.end_byte),), self.span(source, node))

    def eval_list_expression(self, node, env, source):
        items = [self.lazy(child, env, source) for child in node.named_children if child.type != "comment"]
        return v.ListV(items, self.span(source, node))

    # -- sets and scopes --------------------------------------------------------------

    def eval_attrset_expression(self, node, env, source):
        return self.build_attrs(node, env, source, recursive=False)

    def eval_rec_attrset_expression(self, node, env, source):
        return self.build_attrs(node, env, source, recursive=True)

    def eval_let_attrset_expression(self, node, env, source):
        attrs = self.build_attrs(node, env, source, recursive=True)
        body = attrs.attrs.get("body")
        return v.force(body.value) if body else v.Unknown(self.span(source, node), "let without body")

    def build_attrs(self, node, env, source, recursive: bool) -> v.AttrsV:
        result = v.AttrsV({}, self.span(source, node), explicit=True)
        scope = Env({}, env) if recursive else env
        bindings = next((c for c in node.named_children if c.type == "binding_set"), None)
        if bindings is not None:
            self.add_bindings(result, bindings, scope, env, source)
        if recursive:
            scope.vars.update({name: attr.value for name, attr in result.attrs.items()})
        return result

    def add_bindings(self, target: v.AttrsV, binding_set, scope: Env, outer: Env, source) -> None:
        """Add the bindings of `binding_set` to `target`; values are evaluated in `scope`,
        `inherit (e)` expressions and plain `inherit x` names in `outer`."""
        for binding in binding_set.named_children:
            kind = binding.type
            if kind == "binding":
                self._add_binding(target, binding, scope, source)
            elif kind in ("inherit", "inherit_from"):
                self._add_inherit(target, binding, scope, outer, source)

    def _add_binding(self, target: v.AttrsV, binding, scope: Env, source) -> None:
        attrpath = binding.child_by_field_name("attrpath")
        expression = binding.child_by_field_name("expression")
        if attrpath is None or expression is None:
            return
        start = attrpath.start_byte
        names: list[tuple[str | None, int]]
        text = source.text(start, attrpath.end_byte)
        if _PLAIN_ATTRPATH.fullmatch(text):   # `a.b.c`, the common case: names without visiting the parts
            names, end = [], start
            for name in text.split("."):
                end += len(name)
                names.append((name, end))
                end += 1
        else:
            names = [(self.attr_name(part, scope, source), part.end_byte)
                     for part in attrpath.named_children if part.type != "comment"]
        binding_span = self.span(source, binding)
        current = target
        for index, (name, end) in enumerate(names):
            if name is None:
                return  # a dynamic attribute name (${x}) that cannot be known: not modelled
            key_span = Span(source, start, end)
            last = index == len(names) - 1
            existing = current.attrs.get(name)
            if last:
                value = self.lazy(expression, scope, source)
                if existing is None:
                    current.attrs[name] = v.Attr(value, key_span, binding_span)
                else:
                    merged = _merge_literal_sets(existing, value)
                    if merged is not None:
                        existing.value = merged
                    # else: a duplicate definition, which Nix rejects; the first one stays.
                return
            if existing is None:
                nested = v.AttrsV({}, Span(source, binding.start_byte, binding.end_byte), explicit=False)
                current.attrs[name] = v.Attr(nested, key_span, binding_span)
                current = nested
                continue
            inner = v.force(existing.value)
            if not isinstance(inner, v.AttrsV):
                return  # `a = 1; a.b = 2;` is a Nix error; keep the first definition
            existing.value = inner
            current = inner

    def _add_inherit(self, target: v.AttrsV, node, scope: Env, outer: Env, source) -> None:
        source_expr = node.child_by_field_name("expression")
        attrs = node.child_by_field_name("attrs")
        if attrs is None:
            return
        from_value: v.Lazy | None = None
        if source_expr is not None:
            from_value = self.lazy(source_expr, outer, source)
        binding_span = self.span(source, node)
        for attr in attrs.named_children:
            if attr.type == "comment":
                continue
            name = self.attr_name(attr, outer, source)
            if not name:
                continue  # a dynamic name, or the empty `inherit;`
            span = self.span(source, attr)
            if from_value is not None:
                value: v.Lazy = v.Thunk(_selector(self, from_value, name, span))
            else:
                found = outer.lookup(name)
                value = found if found is not None else v.Unknown(span, f"unknown variable {name}")
            target.attrs.setdefault(name, v.Attr(value, span, binding_span))

    def attr_name(self, part, env: Env, source) -> str | None:
        kind = part.type
        if kind == "identifier":
            return source.text(part.start_byte, part.end_byte)
        if kind == "string_expression":
            value = self.eval_string_expression(part, env, source)
            return value.known
        if kind == "interpolation":
            inner = _first_named(part)
            value = self.eval(inner, env, source) if inner is not None else None
            if isinstance(value, v.Str):
                return value.known
        return None

    def eval_let_expression(self, node, env, source):
        scope = Env({}, env)
        holder = v.AttrsV({}, None)
        bindings = next((c for c in node.named_children if c.type == "binding_set"), None)
        if bindings is not None:
            self.add_bindings(holder, bindings, scope, scope, source)
        scope.vars.update({name: attr.value for name, attr in holder.attrs.items()})
        body = node.child_by_field_name("body")
        return self.eval(body, scope, source) if body is not None else v.Unknown(self.span(source, node))

    def eval_with_expression(self, node, env, source):
        environment = node.child_by_field_name("environment")
        body = node.child_by_field_name("body")
        if body is None:
            return v.Unknown(self.span(source, node))
        scope_value = self.lazy(environment, env, source) if environment is not None else v.Unknown(None)
        return self.eval(body, Env({}, env, with_scope=scope_value), source)

    def eval_assert_expression(self, node, env, source):
        body = node.child_by_field_name("body")
        return self.eval(body, env, source) if body is not None else v.Unknown(self.span(source, node))

    # -- selection ----------------------------------------------------------------------

    def eval_select_expression(self, node, env, source):
        target = node.child_by_field_name("expression")
        attrpath = node.child_by_field_name("attrpath")
        default = node.child_by_field_name("default")
        span = self.span(source, node)
        value = self.eval(target, env, source)
        for part in attrpath.named_children if attrpath is not None else ():
            if part.type == "comment":
                continue
            name = self.attr_name(part, env, source)
            if name is None and (member := getattr(value, "any_member", None)) is not None:
                value = v.force(member)   # (nixlib.AnyName: the same whatever the name)
                continue
            if name is None:
                return v.Unknown(span, "dynamic attribute")
            if isinstance(value, v.PartlyKnown) and (known := value.select(name)) is not None:
                value = v.force(known)
                continue
            if isinstance(value, (v.Unknown,)):
                return v.Unknown(span, value.why)
            if isinstance(value, v.Symbolic):
                value = v.Symbolic(value.path + (name,), span)
                continue
            found = select_attr(value, name)
            if found is None:
                if default is not None:
                    return self.eval(default, env, source)
                if isinstance(value, v.AttrsV):
                    return v.Unknown(span, f"missing attribute {name}")
                return v.Unknown(span, "selection from a value that is not a set")
            value = v.force(found)
        if isinstance(value, v.Symbolic):
            return v.Symbolic(value.path, span)
        if isinstance(value, v.Unknown) and value.span is None:
            return v.Unknown(span, value.why)   # `builtins.currentSystem`: unknown, as written here
        return value

    def eval_has_attr_expression(self, node, env, source):
        span = self.span(source, node)
        target = _first_named(node)
        attrpath = node.child_by_field_name("attrpath")
        value = self.eval(target, env, source)
        for part in attrpath.named_children if attrpath is not None else ():
            name = self.attr_name(part, env, source)
            if name is None or not isinstance(value, v.AttrsV):
                return v.Unknown(span, "has-attribute test")
            found = select_attr(value, name)
            if found is None:
                return v.Const(False, span)
            value = v.force(found)
        return v.Const(True, span)

    # -- functions ----------------------------------------------------------------------

    def eval_function_expression(self, node, env, source):
        return v.Lambda(node, env, source, self.span(source, node))

    def eval_apply_expression(self, node, env, source):
        function = self.eval(node.child_by_field_name("function"), env, source)
        argument = self.lazy(node.child_by_field_name("argument"), env, source)
        return self.apply(function, argument, self.span(source, node))

    def apply(self, function: v.Value, argument: v.Lazy, span: Span) -> v.Value:
        if self.depth > MAX_DEPTH:
            return v.Unknown(span, "call nested too deeply")
        if isinstance(function, v.Primop):
            args = function.args + (argument,)
            if len(args) < function.arity:
                return v.Primop(function.name, function.arity, function.impl, args, span)
            self.depth += 1
            try:
                return function.impl(span, *args)
            finally:
                self.depth -= 1
        if isinstance(function, v.Lambda):
            self.depth += 1
            self.frames.append((span, function))
            try:
                return self.call_lambda(function, argument, span)
            finally:
                self.frames.pop()
                self.depth -= 1
        if isinstance(function, v.Symbolic):
            return v.Unknown(span, f"call of {function.name}")
        return v.Unknown(span, "call of an unknown function")

    def call_lambda(self, function: v.Lambda, argument: v.Lazy, span: Span) -> v.Value:
        node, source = function.node, function.source
        scope = Env({}, function.env)
        universal = node.child_by_field_name("universal")
        if universal is not None:
            scope.vars[source.text(universal.start_byte, universal.end_byte)] = argument
        formals = node.child_by_field_name("formals")
        if formals is not None:
            arg_value = v.force(argument)
            for formal in formals.named_children:
                if formal.type != "formal":
                    continue
                name_node = formal.child_by_field_name("name")
                if name_node is None:
                    continue
                name = source.text(name_node.start_byte, name_node.end_byte)
                found = select_attr(arg_value, name) if not isinstance(arg_value, v.Unknown) else None
                if found is None:
                    default = formal.child_by_field_name("default")
                    if default is not None:
                        found = self.lazy(default, scope, source)
                    else:
                        found = v.Symbolic((name,), self.span(source, name_node))
                scope.vars[name] = found
        body = node.child_by_field_name("body")
        return self.eval(body, scope, source) if body is not None else v.Unknown(span)

    # -- operators ----------------------------------------------------------------------

    def eval_if_expression(self, node, env, source):
        condition = self.eval(node.child_by_field_name("condition"), env, source)
        known = v.truth(condition)
        if known is None:
            return v.Unknown(self.span(source, node), "if on a condition that cannot be known")
        branch = node.child_by_field_name("consequence" if known else "alternative")
        return self.eval(branch, env, source) if branch is not None else v.Unknown(self.span(source, node))

    def eval_unary_expression(self, node, env, source):
        operator = node.child_by_field_name("operator")
        argument = self.eval(node.child_by_field_name("argument"), env, source)
        span = self.span(source, node)
        op = source.text(operator.start_byte, operator.end_byte) if operator is not None else ""
        if op == "!":
            known = v.truth(argument)
            return v.Const(not known, span) if known is not None else v.Unknown(span, "negation")
        if op == "-" and isinstance(argument, v.Const) and isinstance(argument.value, (int, float)) and not isinstance(argument.value, bool):
            return v.Const(-argument.value, span)
        return v.Unknown(span, "unary operator")

    def eval_binary_expression(self, node, env, source):
        from .operators import binary  # one concept per module: operator semantics live there

        operator = node.child_by_field_name("operator")
        op = source.text(operator.start_byte, operator.end_byte) if operator is not None else ""
        left_node = node.child_by_field_name("left")
        right_node = node.child_by_field_name("right")
        span = self.span(source, node)
        if left_node is None or right_node is None:
            return v.Unknown(span)
        # Long chains (`a + b + c + …`) nest to the left: evaluate them iteratively.
        chain = [(right_node, op)]
        while left_node.type == "binary_expression":
            inner_op_node = left_node.child_by_field_name("operator")
            inner_op = source.text(inner_op_node.start_byte, inner_op_node.end_byte) if inner_op_node else ""
            inner_right = left_node.child_by_field_name("right")
            inner_left = left_node.child_by_field_name("left")
            if inner_right is None or inner_left is None or inner_op in ("&&", "||", "->") or op in ("&&", "||", "->"):
                break
            chain.append((inner_right, inner_op))
            left_node = inner_left
        result = self.eval(left_node, env, source)
        for right, operator_text in reversed(chain):
            end = right.end_byte
            result = binary(self, operator_text, result, right, env, source, Span(source, node.start_byte, end))
        return result


# An attribute path of plain names only (ASCII: its characters are its bytes).
_PLAIN_ATTRPATH = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*")

_EAGER = frozenset({
    "integer_expression", "float_expression", "string_expression", "path_expression",
    "function_expression", "hpath_expression", "spath_expression", "uri_expression",
})
_INTERPOLATING = frozenset({"string_expression", "path_expression"})


def _first_named(node) -> Any:
    for child in node.named_children:
        if child.type != "comment":
            return child
    return None


def _selector(interp: Interpreter, source_value: v.Lazy, name: str, span: Span):
    def compute() -> v.Value:
        value = v.force(source_value)
        if isinstance(value, v.PartlyKnown) and (known := value.select(name)) is not None:
            return v.force(known)
        if isinstance(value, v.Symbolic):
            return v.Symbolic(value.path + (name,), span)
        if isinstance(value, v.Unknown):
            return v.Unknown(span, value.why)
        found = select_attr(value, name)
        return v.force(found) if found is not None else v.Unknown(span, f"missing attribute {name}")
    return compute


def _merge_literal_sets(existing: v.Attr, value: v.Lazy) -> v.AttrsV | None:
    """`a = { x = 1; }; a.y = 2;` and `a.x = 1; a = { y = 2; };` merge in Nix."""
    old = v.force(existing.value)
    new = v.force(value)
    if not isinstance(old, v.AttrsV) or not isinstance(new, v.AttrsV):
        return None
    if set(old.attrs) & set(new.attrs):
        return None
    merged = v.AttrsV(dict(old.attrs), old.span, explicit=old.explicit or new.explicit)
    merged.attrs.update(new.attrs)
    return merged


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _unescape(text: str, indented: bool) -> str:
    if indented:
        if text == "'''":
            return "''"
        if text.startswith("''\\") and len(text) >= 4:
            return _ESCAPES.get(text[3], text[3])
        if text.startswith("''$"):
            return "$"
        return text
    if text.startswith("\\") and len(text) >= 2:
        return _ESCAPES.get(text[1], text[1:])
    return text


def strip_indentation(pieces: list[tuple[str, Any]]) -> list:
    """Nix's rule for ''indented strings'': drop the smallest indentation of the
    non-blank lines, a first line that is blank, and the spaces of a blank last line."""
    lines: list[list[tuple[str, Any]]] = [[]]
    for kind, content in pieces:
        if kind == "lit":
            chunks = content.split("\n")
            for index, chunk in enumerate(chunks):
                if index:
                    lines.append([])
                if chunk:
                    lines[-1].append(("lit", chunk))
        else:
            lines[-1].append((kind, content))

    def leading_spaces(line) -> int:
        count = 0
        for kind, content in line:
            if kind != "lit":
                return count
            stripped = content.lstrip(" ")
            count += len(content) - len(stripped)
            if stripped:
                return count
        return count

    def blank(line) -> bool:
        return all(kind == "lit" and not content.strip(" ") for kind, content in line)

    candidates = [leading_spaces(line) for i, line in enumerate(lines) if not blank(line)]
    indent = min(candidates) if candidates else 0
    if len(lines) > 1 and blank(lines[-1]):
        lines[-1] = []
    if len(lines) > 1 and blank(lines[0]):
        lines = lines[1:]
    out: list = []
    for index, line in enumerate(lines):
        if index:
            out.append("\n")
        to_strip = indent
        for kind, content in line:
            if kind == "lit" and to_strip:
                stripped = content.lstrip(" ")
                removed = min(to_strip, len(content) - len(stripped))
                content = content[removed:]
                to_strip = to_strip - removed if not content else 0
                if content:
                    out.append(content)
                continue
            to_strip = 0
            out.append(content)
    return _join_text(out)


def _join_text(parts: list) -> list:
    """Adjacent text pieces joined into one; empty ones dropped; Unknowns kept in place."""
    joined: list = []
    texts: list[str] = []  # the current run of text, joined once (`+=` would be quadratic)
    for part in parts:
        if isinstance(part, str):
            if part:
                texts.append(part)
            continue
        if texts:
            joined.append("".join(texts))
            texts = []
        joined.append(part)
    if texts:
        joined.append("".join(texts))
    return joined
