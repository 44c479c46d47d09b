"""A module's values are evaluated as options ask for them: asking path by path must
give exactly what walking the whole module gives, and what nobody asks is not evaluated."""
from __future__ import annotations

import pytest

from lintutil import FIXTURES, nix_files
from stereos_lint.modules.definitions import collect
from stereos_lint.modules.forced import forced_paths
from stereos_lint.modules.module import load_module
from stereos_lint.nix.interpreter import Interpreter
from stereos_lint.nix.parser import parse_file, parse_source
from stereos_lint.nix.source import SourceFile
from stereos_lint.systems.project import Project

MODULE_FILES = [p for p in nix_files(FIXTURES) if "nasty" not in p]


def _module(path: str):
    return load_module(path, path, parse_file(path), Interpreter("x86_64-linux"))


def _fresh(module):
    """The same module's config, not yet opened anywhere."""
    return collect(module.config, module.key) if module.config is not None else module.defs


def _key(written) -> tuple:
    return (written.option if hasattr(written, "option") else written.prefix, written.rank,
            written.key_span.start if written.key_span else None)


@pytest.mark.parametrize("path", MODULE_FILES, ids=lambda p: p.split("fixtures/", 1)[-1])
def test_asking_path_by_path_gives_what_the_whole_walk_gives(path):
    module = _module(path)
    everything = module.defs.definitions
    presences = module.defs.presences
    options = list(dict.fromkeys(d.option for d in everything))
    prefixes = list(dict.fromkeys(o[:n] for o in options for n in range(len(o))))
    for option in options:          # each asked first, of a tree nobody opened
        lazily = _fresh(module)
        assert [_key(d) for d in lazily.at(option)] == [_key(d) for d in everything if d.option == option]
    for prefix in prefixes:
        lazily = _fresh(module)
        under = [_key(d) for d in lazily.under(prefix)]
        assert under == [_key(d) for d in everything if d.option[:len(prefix)] == prefix and d.option != prefix]
        assert [_key(p) for p in lazily.presences_at(prefix)] == [_key(p) for p in presences if p.prefix == prefix]
        assert lazily.may_define(prefix)
    # Nothing else is defined -- unless the whole config cannot be known, which may define anything.
    assert _fresh(module).may_define(("no", "such", "option")) == any(d.option == () for d in everything)
    assert not _fresh(module).may_define(("no", "such", "option"), root=False)


def test_what_no_option_asks_for_is_not_evaluated():
    source = SourceFile("/virtual/m.nix", b"""{ lib, pkgs, ... }: {
  networking.firewall.enable = false;
  services.big = { a = builtins.trace "evaluated" 1; b = lib.mkIf true { c = 2; }; };
}""")
    interp = Interpreter("x86_64-linux")
    module = load_module(source.path, source.path, parse_source(source), interp)
    assert module.defs.at(("networking", "firewall", "enable"))[0].value.value is False
    big = module.defs._root.children["services"]
    assert big.pending, "services.* was opened though nothing asked for it"
    assert [d.option for d in module.defs.under(("services", "big"))] == [("services", "big", "a"),
                                                                        ("services", "big", "b", "c")]


@pytest.mark.parametrize("text, expected", [
    (b"{ lib, ... }: { a.b = lib.mkForce 1; c = 2; }", [("a", "b")]),
    (b"{ lib, ... }: with lib; { config = mkIf true (mkMerge [ { x.y = mkForce [ ]; } { z = 1; } ]); "
     b"options.o = mkOption { default = mkForce 1; }; }", [("x", "y")]),
    (b"{ lib, ... }: let inherit (lib) mkForce mkIf; in { boot = { kernelParams = mkOverride 10 [ ]; }; }",
     [("boot", "kernelParams")]),
    (b"{ lib, ... }: let inherit (lib) mkForce; in { a = 1; }", []),
    (b"{ lib, ... }: { a = 1; }", []),
    (b"{ lib, ... }: let forced = lib.mkForce 1; in { a = forced; }", None),          # a let may hand it anywhere
    (b"{ lib, ... }: { a = if true then lib.mkForce 1 else 2; }", None),             # not followed
    (b"{ lib, ... }: { \"a-b\" = lib.mkForce 1; }", None),                           # a quoted name
    (b"{ lib, ... }: { x = " + b"{ a = " * 5000 + b"lib.mkForce 1" + b"; }" * 5000 + b"; }", None),   # too deep
])
def test_where_a_module_can_force_a_definition(text, expected):
    assert forced_paths(parse_source(SourceFile("/virtual/f.nix", text))) == expected


def test_a_forcing_call_behind_a_let_is_still_found_by_nx004(tmp_path):
    """Where the syntax cannot say which option is forced, the whole module is evaluated."""
    (tmp_path / "base.nix").write_text('{ ... }: { boot.kernelParams = [ "quiet" ]; }\n')
    (tmp_path / "vm.nix").write_text('{ lib, ... }:\nlet forced = lib.mkForce [ "console=hvc0" ];\n'
                                     'in { imports = [ ./base.nix ]; boot.kernelParams = forced; }\n')
    project = Project([str(tmp_path / "vm.nix"), str(tmp_path / "base.nix")])
    config = project.config(str(tmp_path / "vm.nix"))
    assert config.forced_options() == [("boot", "kernelParams")]


@pytest.mark.parametrize("text, found", [
    (b'{ lib, ... }: { a = lib.mkIf true { b = 1; } // { c = 2; }; }', True),
    (b'{ lib, ... }: { url = "https://example.org"; a = lib.mkIf true { b = 1; } // { c = 2; }; }', True),
    (b'{ lib, ... }: { a = lib.mkIf true ({ b = 1; }//{ c = 2; }); }', False),   # `//` inside mkIf's value
    (b'{ ... }: { url = "https://example.org"; repo = "git+ssh://git@host/x"; f = "file:///etc"; }', False),
])
def test_a_module_is_evaluated_whole_for_nx005_only_where_its_text_may_hold_the_operator(text, found):
    """A `//` right after a `:` is a URL's, never the update operator: such a module is not
    evaluated whole to look for `mkIf … // { … }`."""
    source = SourceFile("/virtual/u.nix", text)
    interp = Interpreter("x86_64-linux")
    module = load_module(source.path, source.path, parse_source(source), interp)
    assert bool(module.dropped_updates) is found
    opened = module.defs._everything is not None
    assert opened is (b"//" in text.replace(b"://", b""))
