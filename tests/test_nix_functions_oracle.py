"""The interpreter's folds, `builtins.match` and string coercions against Nix itself.

Each expression is evaluated by the static interpreter and by `nix-instantiate --eval
--strict --json`: where the interpreter knows the value, it must be Nix's; where it does
not, it must say so (unknown), never guess.  Most of them must be known, so that the
test cannot pass by knowing nothing.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from oracle import NIXPKGS_LIB, require_oracle
from stereos_lint.modules.types import module_system_lib
from stereos_lint.nix import values as v
from stereos_lint.nix.operators import is_fully_known
from stereos_lint.nix.interpreter import Interpreter
from stereos_lint.nix.parser import parse_source
from stereos_lint.nix.source import SourceFile

EXPRESSIONS = [
    # folds: the order of application is Nix's
    "builtins.foldl' (acc: x: acc + x) \"\" [ \"a\" \"b\" \"c\" ]",
    "builtins.foldl' (acc: x: acc // x) { } [ { a = 1; } { b = 2; } { a = 3; } ]",
    "builtins.foldl' (acc: x: [ x ] ++ acc) [ ] [ 1 2 3 ]",
    "builtins.foldl' (acc: x: acc) 7 [ ]",
    "with builtins; foldl' (acc: h: acc // { ${h} = h; }) { } (filter (h: h != \"b\") [ \"a\" \"b\" \"c\" ])",
    # builtins.match: null, or the groups of a whole match
    "builtins.match \".*vm$\" \"kistavm\"",
    "builtins.match \".*vm$\" \"kista\"",
    "builtins.match \"vm\" \"kistavm\"",
    "builtins.match \"([a-z]+)-([0-9]+)\" \"host-42\"",
    "builtins.match \"([a-z]+)(-([0-9]+))?\" \"host\"",
    "builtins.match \"[^.]+[.]nix\" \"default.nix\"",
    "builtins.match \"(.*)[.]nix\" \"hosts/web.nix\"",
    "builtins.match \"a.b\" \"a\\nb\"",
    "builtins.match \"(a*)(a*)\" \"aaa\"",
    "builtins.match \"a|b\" \"b\"",
    "builtins.match \"x(a|b)\" \"xb\"",
    "builtins.match \"[[:alpha:]]+\" \"abc\"",
    "builtins.match \"a{2}\" \"aa\"",
    "map (h: builtins.match \".*vm$\" h == null) [ \"web\" \"webvm\" ]",
    # strings from sets with outPath, as a flake's self is one
    "{ outPath = \"/srv/repo\"; } + \"/hosts/web\"",
    "\"${{ outPath = \"/srv/repo\"; }}/modules\"",
    "toString { outPath = \"/srv/repo\"; }",
    # file names, as repositories name their hosts after folders
    "map baseNameOf [ \"/a/b/c.nix\" \"/a/b/\" \"c\" \"\" \"/\" ]",
    "map dirOf [ \"/a/b/c.nix\" \"/a/b/\" \"c\" \"/c\" ]",
    "builtins.baseNameOf (builtins.dirOf \"hosts/web/default.nix\")",
    # strings, counted in bytes as Nix does
    "builtins.substring 0 3 \"hello\"",
    "builtins.substring 2 (-1) \"hello\"",
    "builtins.substring 9 2 \"abc\"",
    "builtins.stringLength \"h\u00e9llo\"",
    "builtins.replaceStrings [ \"a\" \"\" ] [ \"b\" \"-\" ] \"aca\"",
    "builtins.replaceStrings [ \".\" \"-\" ] [ \"_\" \"\" ] \"web-1.lab\"",
    "[ (builtins.lessThan 1 2) (builtins.lessThan \"b\" \"a\") (builtins.lessThan \"B\" \"a\") ]",
    "builtins.match \".*\\\\.nix\" \"web.nix\"",
    # lists and sets
    "builtins.sort builtins.lessThan [ \"web\" \"db\" \"Cache\" \"a1\" ]",
    "builtins.sort (a: b: a > b) [ 3 1 2 ]",
    "builtins.sort (a: b: a.n < b.n) [ { n = 2; k = \"x\"; } { n = 1; k = \"y\"; } { n = 2; k = \"z\"; } ]",
    "[ (builtins.elemAt [ 1 2 3 ] 1) (builtins.tail [ 1 2 3 ]) (builtins.genList (i: i * 2) 4) ]",
    "[ (builtins.all (x: x > 0) [ 1 2 ]) (builtins.any (x: x > 1) [ 1 2 ]) (builtins.all (x: x) [ ]) ]",
    "builtins.partition (x: x > 1) [ 1 2 3 ]",
    "[ (builtins.removeAttrs { a = 1; b = 2; } [ \"a\" \"z\" ]) (builtins.getAttr \"a\" { a = 1; }) ]",
    "builtins.catAttrs \"a\" [ { a = 1; } { b = 2; } { a = 3; } ]",
    "builtins.intersectAttrs { a = 0; c = 0; } { a = 1; b = 2; }",
    "map builtins.typeOf [ 1 \"s\" [ ] { } null true 1.5 (x: x) ./. ]",
    "[ (builtins.isAttrs { }) (builtins.isList { }) (builtins.isString \"\") (builtins.isFunction map) ]",
    "[ (builtins.seq 1 2) (builtins.deepSeq [ 1 ] 3) ]",
    # data
    "builtins.fromJSON \"{\\\"a\\\": [1, 2.5, \\\"x\\\", null, true], \\\"b\\\": {}}\"",
    "builtins.fromTOML \"a = 1\\n[b]\\nc = \\\"x\\\"\"",
]


# nixpkgs' lib, as a module receives it (our side) and as ../shared/nixpkgs-lib defines it (Nix's)
LIB_EXPRESSIONS = [
    "lib.foldr (x: acc: acc + x) \"\" [ \"a\" \"b\" \"c\" ]",
    "lib.foldl (acc: x: acc + x) \"\" [ \"a\" \"b\" \"c\" ]",
    "lib.foldl' (acc: x: acc // x) { } (map (h: { ${h} = h; }) [ \"web\" \"db\" ])",
    "lib.foldr (x: acc: [ x ] ++ acc) [ ] [ 1 2 3 ]",
    # lib.extend: the overlay sees the extended lib as final and the old one as prev
    "(lib.extend (final: prev: { mine.double = x: x * 2; four = final.mine.double 2; })).four",
    "(lib.extend (final: prev: { hasSuffix = s: x: prev.hasSuffix s x; })).hasSuffix \"x\" \"linux\"",
    "let l = lib.extend (final: prev: { a = 1; }); in (l.extend (f: p: { b = p.a + 1; })).b",
    "(lib.extend (final: prev: { })).mapAttrs (n: v: v + 1) { a = 1; }",
    "lib.pipe 2 [ (x: x * 3) (x: x + 1) ]",
    # lib.flip, as dendritic flakes build their systems: `lib.flip lib.mapAttrs config.… (name: …)`
    "lib.flip lib.mapAttrs { web.n = 1; db.n = 2; } (name: { n }: name + toString n)",
    "[ (lib.flip lib.hasPrefix \"webserver\" \"web\") (map (lib.const 7) [ 1 2 ]) ((lib.flip lib.const) 1 2) ]",
    "lib.pipe [ 1 2 3 ] [ (map (x: x * 2)) (builtins.filter (x: x > 2)) ]",
    "(lib // { double = x: x * 2; }).double (lib.pipe 1 [ (x: x + 1) ])",
    "[ (lib.splitString \".\" \"web.example.org\") (lib.hasInfix \"ex\" \"example\") (lib.toLower \"WeB\") ]",
    "[ (lib.toUpper \"web\") (lib.concatStrings [ \"a\" \"b\" ]) (lib.concatMapStrings (x: x + \",\") [ \"a\" \"b\" ]) ]",
    "[ (lib.replaceString \"-linux\" \"\" \"aarch64-linux\") (lib.replaceString \"a\" \"bb\" \"banana\") ]",
    "[ (1 == null) ({ } != null) ([ ] == null) (\"\" != null) (null == null) ]",
    "lib.mergeAttrsList [ { a = 1; } { b = 2; } { a = 3; } ]",
    "lib.recursiveUpdate { a.b = 1; a.c = 2; d = 1; } { a.b = 3; d = { e = 1; }; }",
    "[ (lib.attrByPath [ \"a\" \"b\" ] 0 { a.b = 1; }) (lib.attrByPath [ \"a\" \"x\" ] 0 { a.b = 1; }) ]",
    "lib.attrsToList { b = 1; a = 2; }",
    "lib.concatMapAttrs (n: v: { ${n + \"x\"} = v; }) { a = 1; b = 2; }",
    "[ (lib.unique [ 1 2 1 \"a\" \"a\" ]) (lib.toList 1) (lib.toList [ 1 ]) (lib.range 2 5) (lib.last [ 1 2 ]) ]",
    "[ (lib.imap0 (i: x: i + x) [ 10 20 ]) (lib.imap1 (i: x: i + x) [ 10 20 ]) ]",
    "(lib.fix (self: { a = 1; b = self.a + 1; })).b",
]


def _ours(expression: str, directory, with_lib: bool = False) -> object:
    path = directory / "expression.nix"
    path.write_text(("{ lib, ... }: " if with_lib else "") + expression + "\n")
    source = SourceFile(str(path), path.read_bytes())
    interpreter = Interpreter("x86_64-linux", lib_extensions=module_system_lib())
    value = interpreter.eval_file(source, parse_source(source).root)
    if with_lib:
        value = interpreter.apply(value, interpreter.builtins.module_arguments(), value.span)
    return v.to_python(value)


def _nix(expression: str, directory, with_lib: bool = False) -> object:
    path = directory / "expression.nix"
    path.write_text((f"let lib = import {NIXPKGS_LIB}; in " if with_lib else "") + expression + "\n")
    # (read-write: reading a path's store copy needs the copy made)
    completed = subprocess.run(["nix-instantiate", "--eval", "--read-write-mode", "--strict", "--json", str(path)],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


_known = is_fully_known


def test_folds_match_and_coercions_agree_with_nix(tmp_path):
    require_oracle()
    known = 0
    for expression in EXPRESSIONS:
        ours = _ours(expression, tmp_path)
        if _known(ours):
            known += 1
            assert ours == _nix(expression, tmp_path), expression
    assert known >= len(EXPRESSIONS) - 3   # alternation with groups, classes and bounds stay unknown


def test_data_read_from_files_as_nix_reads_it(tmp_path):
    require_oracle()
    (tmp_path / "hosts.json").write_text('{"servers": {"value": [{"name": "web.lab", "tags": ["a"]}]}}')
    (tmp_path / "notes.txt").write_text("h\u00e9\n")
    expression = ("[ (lib.importJSON ./hosts.json) (builtins.readFile ./notes.txt) "
                  "(builtins.fromJSON (builtins.readFile ./hosts.json)).servers.value ]")
    ours = _ours(expression, tmp_path, with_lib=True)
    assert _known(ours) and ours == _nix(expression, tmp_path, with_lib=True)


def test_nixpkgs_lib_folds_agree_with_nixpkgs_lib(tmp_path):
    require_oracle()
    for expression in LIB_EXPRESSIONS:
        ours = _ours(expression, tmp_path, with_lib=True)
        assert _known(ours), expression
        assert ours == _nix(expression, tmp_path, with_lib=True), expression


def test_to_string_of_a_path_is_the_path_itself_as_nix_has_it(tmp_path):
    require_oracle()
    (tmp_path / "hosts").mkdir()
    expression = "[ (toString ./hosts) \"${toString ./.}/hosts/web\" ]"
    assert _ours(expression, tmp_path) == _nix(expression, tmp_path) == [
        str(tmp_path / "hosts"), str(tmp_path / "hosts" / "web")]


def test_file_names_of_paths_and_suffixes_of_their_store_copies_as_nix_has_them(tmp_path):
    # lib.hasSuffix compares a path as the store path Nix copies it to (/nix/store/HASH-NAME);
    # repositories filter `listFilesRecursive` with it.
    require_oracle()
    (tmp_path / "hosts" / "web").mkdir(parents=True)
    for name in ("default.nix", "foo.nix"):
        (tmp_path / "hosts" / "web" / name).write_text("{ }\n")
    expression = ("[ (baseNameOf ./hosts/web) (toString (dirOf ./hosts/web)) ] ++ map (p: lib.hasSuffix \"default.nix\" p) "
                  "[ ./hosts/web/default.nix ./hosts/web/foo.nix ] ++ [ (lib.hasSuffix \".nix\" ./hosts/web/foo.nix) "
                  "(lib.hasSuffix \"-foo.nix\" ./hosts/web/foo.nix) ]")
    ours = _ours(expression, tmp_path, with_lib=True)
    assert _known(ours) and ours == _nix(expression, tmp_path, with_lib=True)
    # a suffix reaching into the store path's hash cannot be known
    assert not _known(_ours("lib.hasSuffix \"x-foo.nix\" ./hosts/web/foo.nix", tmp_path, with_lib=True))


def test_a_path_interpolated_into_a_string_still_names_its_files(tmp_path):
    # "${./hosts}" is a store copy of the folder: the same files (its name stays unknown)
    require_oracle()
    (tmp_path / "hosts" / "web").mkdir(parents=True)
    (tmp_path / "hosts" / "web.nix").write_text("{ a = 1; }\n")
    expression = ('[ (builtins.attrNames (builtins.readDir "${./hosts}")) (builtins.readFile "${./hosts}/web.nix") '
                  '(builtins.pathExists "${./hosts}/db.nix") ]')
    ours = _ours(expression, tmp_path)
    assert _known(ours) and ours == _nix(expression, tmp_path) == [["web", "web.nix"], "{ a = 1; }\n", False]
    assert not _known(_ours('"${./hosts}/web.nix"', tmp_path))   # the store path itself is not known


def test_lib_path_append_as_nixpkgs_lib_has_it(tmp_path):
    require_oracle()
    expression = 'map toString [ (lib.path.append ./. "hosts/web") (lib.path.append ./hosts "./web/") ]'
    ours = _ours(expression, tmp_path, with_lib=True)
    assert _known(ours) and ours == _nix(expression, tmp_path, with_lib=True)
    assert not _known(_ours('lib.path.append ./. "../x"', tmp_path, with_lib=True))   # Nix refuses `..`


def test_files_listed_recursively_in_nix_order(tmp_path):
    # each folder's entries by name, a sub-folder's files where the sub-folder stands
    require_oracle()
    for name in ("tree/b.nix", "tree/a/x.nix", "tree/a/y/z.nix", "tree/a0.nix", "tree/c.txt", "tree/_d/e.nix"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{ }\n")
    expression = "map toString (lib.filesystem.listFilesRecursive ./tree)"
    ours = _ours(expression, tmp_path, with_lib=True)
    assert ours == _nix(expression, tmp_path, with_lib=True)
    assert [p.split("/tree/")[1] for p in ours] == ["_d/e.nix", "a/x.nix", "a/y/z.nix", "a0.nix", "b.nix", "c.txt"]


@pytest.mark.parametrize("expression", ["builtins.match \"x(a|b)\" \"xb\"", "builtins.match \"a{2}\" \"aa\""])
def test_regular_expressions_python_may_read_otherwise_stay_unknown(expression, tmp_path):
    assert not _known(_ours(expression, tmp_path))
