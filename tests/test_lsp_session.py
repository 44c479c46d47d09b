"""The language server's parts without a client: incremental parsing, re-evaluating
only what an edit touches, carrying findings over a syntax error, positions in every
encoding, suppression edits, and the option under a cursor."""
from __future__ import annotations

import random
import shutil

import pytest
from lsprotocol import types

from stereos_lint.checking import suppression
from stereos_lint.checking.engine import load_rules, run
from stereos_lint.checking.findings import Finding, Severity
from stereos_lint.checking.fixes import apply_edits
from stereos_lint.interfaces.lsp import protocol
from stereos_lint.interfaces.lsp.relocate import relocate
from stereos_lint.interfaces.lsp.session import Session
from stereos_lint.nix import parser
from stereos_lint.nix.parser import parse_source
from stereos_lint.nix.source import SourceFile, Span
from stereos_lint.systems.project import Project

from lintutil import FIXTURES, nix_files, write_tree

FLAKE = FIXTURES / "repos" / "stereos-flake"
SNIPPETS = ["", " ", "\n", ";", "{", "}", "= 1;", "a.b = ", "''", '"', "${", ",", "pkgs, ", "# c\n", "/*", "é", "x"]


def _shape(parsed) -> tuple:
    error = (parsed.error.start, parsed.error.end) if parsed.error else None
    return str(parsed.root), error, parsed.error_message


def test_incremental_parsing_gives_the_tree_a_fresh_parse_gives(monkeypatch):
    reused = []
    incremental = parser._incremental
    monkeypatch.setattr(parser, "_incremental", lambda previous, data: reused.append(1) or incremental(previous, data))
    generator = random.Random(20261130)
    files = [FIXTURES / "stereos" / "drifted" / "boot.nix", FLAKE / "flake.nix", FLAKE / "lib" / "default.nix"]
    edits = 0
    for path in files:
        data = path.read_bytes()
        previous = parse_source(SourceFile(str(path), data))
        for _ in range(120):
            at = generator.randrange(len(data) + 1)
            removed = generator.choice([0, 0, 1, 2, 5])
            data = data[:at] + generator.choice(SNIPPETS).encode() + data[at + removed:]
            again = parse_source(SourceFile(str(path), data), previous)
            assert _shape(again) == _shape(parse_source(SourceFile(str(path), data))), (path, at)
            previous = again
            edits += 1
    assert len(reused) == edits   # every edit went through the incremental path


def test_trailing_formal_commas_stay_valid_across_incremental_edits():
    source = b"{ pkgs, lib, }: { a = 1; }\n"
    previous = parse_source(SourceFile("t.nix", source))
    assert previous.error is None and previous.blanked
    edited = parse_source(SourceFile("t.nix", source.replace(b"a = 1", b"a = 2")), previous)
    assert edited.error is None
    broken = parse_source(SourceFile("t.nix", source.replace(b"lib, }", b"lib, , }")), edited)
    assert broken.error is not None


# -- re-evaluating what an edit touches -------------------------------------------------------------------

def _units_by_system(project: Project) -> dict[str, object]:
    return {name: unit.config for unit in project.units for name in unit.names}


def test_an_edit_evaluates_again_only_the_systems_that_contain_the_file(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FLAKE, repo)
    project = Project(nix_files(repo))
    before = _units_by_system(project)
    dev = repo / "profiles" / "dev.nix"
    edited = dev.read_bytes().replace(b'"persistent"', b'"volatile"')
    project.update(str(dev), edited)
    after = _units_by_system(project)
    assert before.keys() == after.keys()
    with_dev = {name for name in after if name.endswith("-dev")}
    assert with_dev and len(with_dev) < len(after)
    for name in after:
        assert (after[name] is before[name]) == (name not in with_dev), name
    # What the project says after the edit is what a fresh run over the edited files says.
    rules = list(load_rules().values())
    updated = run(project, rules)
    dev.write_bytes(edited)
    fresh = run(Project(nix_files(repo)), rules)
    assert [f.identity for f in updated] == [f.identity for f in fresh]


def test_an_edit_of_the_flake_discovers_the_systems_again(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FLAKE, repo)
    project = Project(nix_files(repo))
    assert "coder-dev" in {s.name for s in project.systems}
    flake = repo / "flake.nix"
    text = flake.read_text()
    start = text.index("          coder-dev = ")
    end = text.index("};", text.index("extraModules", start)) + 2
    project.update(str(flake), (text[:start] + text[end:]).encode())
    assert "coder-dev" not in {s.name for s in project.systems}
    assert "coder-dev" not in _units_by_system(project)


def test_an_edit_of_a_file_a_module_imports_evaluates_its_systems_again(tmp_path):
    # host.nix reads its kernel parameters with `import ./params.nix`: the value is the
    # file's, and editing that file (which is no module) changes what the system holds
    write_tree(tmp_path, {
        "flake.nix": '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { nixpkgs, ... }: {\n'
                     '    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n'
                     '      system = "x86_64-linux"; modules = [ ./host.nix ]; };\n  };\n}\n',
        "host.nix": "{ ... }: { boot.kernelParams = import ./params.nix; }\n",
        "params.nix": '[ "quiet" ]\n',
    })
    project = Project(nix_files(tmp_path))
    config = _units_by_system(project)["box"]
    assert config.value("boot.kernelParams") == ["quiet"]
    assert config.resolve("boot.kernelParams").winner.span.path.endswith("params.nix")
    project.update(str(tmp_path / "params.nix"), b'[ "quiet" "loglevel=0" ]\n')
    config = _units_by_system(project)["box"]
    assert config.value("boot.kernelParams") == ["quiet", "loglevel=0"]


# -- findings across a syntax error -------------------------------------------------------------------------

def _finding(source: SourceFile, needle: bytes, fix=None) -> Finding:
    start = source.data.index(needle)
    return Finding("ST999", "test", Severity.ERROR, "m", Span(source, start, start + len(needle)), fix)


def test_findings_on_unchanged_lines_move_with_them_and_the_rest_are_dropped():
    old = SourceFile("f.nix", b"{\n  a = 1;\n  b = 2;\n  c = 3;\n}\n")
    new = SourceFile("f.nix", b"{\n  # new line\n  a = 1;\n  b = ;\n  c = 3;\n}\n")
    moved = relocate([_finding(old, b"a = 1"), _finding(old, b"b = 2"), _finding(old, b"c = 3")], old, new)
    assert [(f.span.text, f.span.line, f.fix) for f in moved] == [("a = 1", 3, None), ("c = 3", 5, None)]
    assert all(f.span.source is new for f in moved)


# -- positions -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding,character", [(types.PositionEncodingKind.Utf16, 6),
                                                (types.PositionEncodingKind.Utf8, 11),
                                                (types.PositionEncodingKind.Utf32, 5)])
def test_positions_count_characters_in_the_agreed_encoding(encoding, character):
    source = SourceFile("f.nix", "x\n# é😀—ab = 1;\n".encode())
    offset = source.data.index(b"ab")
    where = protocol.position(source, offset, encoding)
    assert (where.line, where.character) == (1, character)
    assert protocol.offset(source, where, encoding) == offset
    past_the_end = types.Position(line=1, character=999)
    assert protocol.offset(source, past_the_end, encoding) == source.data.index(b";\n") + 1


# -- suppression comments as edits ------------------------------------------------------------------------------

def _edited(text: str, code: str, line: int, whole_file: bool = False) -> str | None:
    parsed = parse_source(SourceFile("f.nix", text.encode()))
    edit = suppression.disable_edit(parsed, code, line, whole_file)
    return None if edit is None else apply_edits(parsed.source.data, [edit]).decode()


def test_a_line_suppression_goes_above_the_line_with_its_indentation():
    assert _edited("{\n    a = 1;\n}\n", "ST101", 2) == "{\n    # stereos-lint: disable=ST101\n    a = 1;\n}\n"


def test_a_line_suppression_joins_a_directive_already_there():
    text = "{\n  # stereos-lint: disable=ST101\n  a = 1;\n}\n"
    assert _edited(text, "ST102", 3) == "{\n  # stereos-lint: disable=ST101,ST102\n  a = 1;\n}\n"
    assert _edited("# stereos-lint: disable-file=NX\n{ }\n", "ST1", 2, True) == "# stereos-lint: disable-file=NX,ST1\n{ }\n"


def test_a_line_that_starts_inside_a_string_gets_the_comment_at_its_end_or_none():
    text = "{\n  x = ''\n    a\n  ''; y = 1;\n}\n"
    assert _edited(text, "ST101", 4) == "{\n  x = ''\n    a\n  ''; y = 1;  # stereos-lint: disable=ST101\n}\n"
    assert _edited(text, "ST101", 3) is None   # wholly inside the string


def test_a_file_suppression_goes_first_or_after_a_shebang():
    assert _edited("{ }\n", "ST101", 1, True) == "# stereos-lint: disable-file=ST101\n{ }\n"
    assert _edited("#!/usr/bin/env nix-shell\n{ }\n", "ST1", 2, True) == \
        "#!/usr/bin/env nix-shell\n# stereos-lint: disable-file=ST1\n{ }\n"


# -- the session ----------------------------------------------------------------------------------------------------

MODULE = """{ config, lib, ... }:
let enable = config.services.openssh.enable; in {
  services.openssh.enable = true;
  networking.firewall = { allowedTCPPorts = lib.mkIf enable [ 22 ]; };
}
"""


def test_hover_on_a_read_of_config_and_nothing_on_a_let_binding(tmp_path):
    write_tree(tmp_path, {"flake.nix": "{ }\n", "host.nix": MODULE})
    session = Session([str(tmp_path)])
    path = str(tmp_path / "host.nix")
    session.open(path, MODULE.encode())
    data = MODULE.encode()
    read = session.hover(path, data.index(b"openssh.enable;") + 2)
    assert read.startswith("**`services.openssh`**")
    enable = session.hover(path, data.index(b"enable;", data.index(b"openssh.enable;")) + 1)
    assert enable.startswith("**`services.openssh.enable`**") and "true" in enable
    assert session.hover(path, data.index(b"enable =") + 1) is None     # the let binding
    ports = session.hover(path, data.index(b"allowedTCPPorts") + 3)
    assert "[ 22 ]" in ports


def test_a_lint_overtaken_by_a_newer_text_stops_and_says_so(tmp_path):
    write_tree(tmp_path, {"flake.nix": "{ }\n", "host.nix": MODULE})
    session = Session([str(tmp_path)])
    path = str(tmp_path / "host.nix")
    session.open(path, MODULE.encode())
    assert session.diagnostics(path, cancelled=lambda: True) is None
    assert session.diagnostics(path) is not None


def test_excluded_files_get_no_diagnostics_and_new_files_join_their_workspace(tmp_path):
    write_tree(tmp_path, {".stereos-lint.toml": 'exclude = ["vendor/*"]\n', "vendor/x.nix": "{ a = 1; a = 2; }\n",
                          "host.nix": "{ b = 1; b = 2; }\n"})
    session = Session([str(tmp_path)])
    vendored, host = str(tmp_path / "vendor" / "x.nix"), str(tmp_path / "host.nix")
    session.open(vendored, (tmp_path / "vendor" / "x.nix").read_bytes())
    session.open(host, (tmp_path / "host.nix").read_bytes())
    assert session.diagnostics(vendored) == []
    assert "NX001" in [f.code for f in session.diagnostics(host)]
    created = tmp_path / "new.nix"
    created.write_text("{ imports = [ ./missing.nix ]; }\n")
    session.files_changed([str(created)])
    assert str(created) in session.workspace(host).project.files


def test_a_file_outside_every_folder_and_repository_is_linted_alone(tmp_path):
    lone = tmp_path / "lone.nix"
    lone.write_text("{ c = 1; c = 2; }\n")
    session = Session([])
    session.open(str(lone), lone.read_bytes())
    found = session.diagnostics(str(lone))
    assert "NX001" in [f.code for f in found] and {f.path for f in found} == {str(lone)}
    assert session.workspace(str(lone)).project.files == [str(lone)]


CONFLICT = {".stereos-lint.toml": 'select = ["NX"]\n',
            "host.nix": "{ lib, ... }: {\n  imports = [ ./other.nix ];\n"
                        "  options.my.port = lib.mkOption { type = lib.types.port; };\n  config.my.port = 22;\n}\n",
            "other.nix": "{ my.port = 22; }\n"}


def test_a_file_changed_on_disk_changes_the_findings_of_an_open_file_it_imports_into(tmp_path):
    write_tree(tmp_path, CONFLICT)
    session = Session([str(tmp_path)])
    host = str(tmp_path / "host.nix")
    session.open(host, (tmp_path / "host.nix").read_bytes())
    assert session.diagnostics(host) == []
    (tmp_path / "other.nix").write_text("{ my.port = 2222; }\n")
    session.files_changed([str(tmp_path / "other.nix")])
    assert [(f.code, f.span.line) for f in session.diagnostics(host)] == [("NX002", 4)]
    (tmp_path / ".stereos-lint.toml").write_text('select = ["NX"]\nignore = ["NX002"]\n')
    session.files_changed([str(tmp_path / ".stereos-lint.toml")])
    assert session.diagnostics(host) == []


def test_a_data_file_discovery_read_changing_on_disk_changes_the_systems(tmp_path):
    # Hosts listed in a JSON file (a Terraform output): a new host there is a new system.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = nixpkgs.lib.genAttrs (nixpkgs.lib.importJSON ./hosts.json)
      (name: nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./host.nix ]; });
  };
}
""",
        "hosts.json": '["web"]',
        "host.nix": "{ networking.firewall.enable = false; }\n",
    })
    session = Session([str(tmp_path)])
    host = str(tmp_path / "host.nix")
    session.open(host, (tmp_path / "host.nix").read_bytes())
    session.diagnostics(host)
    assert [s.name for s in session.workspace(host).project.systems] == ["web"]
    (tmp_path / "hosts.json").write_text('["web", "db"]')
    session.files_changed([str(tmp_path / "hosts.json")])
    session.diagnostics(host)
    assert sorted(s.name for s in session.workspace(host).project.systems) == ["db", "web"]


def test_references_include_the_declaration_when_asked(tmp_path):
    write_tree(tmp_path, CONFLICT)
    session = Session([str(tmp_path)])
    host = str(tmp_path / "host.nix")
    data = (tmp_path / "host.nix").read_bytes()
    session.open(host, data)
    at = data.index(b"my.port = 22") + 4
    definitions = [(s.path, s.line) for s in session.references(host, at)]
    assert definitions == [(host, 4), (str(tmp_path / "other.nix"), 1)]
    with_declaration = [(s.path, s.line) for s in session.references(host, at, declarations=True)]
    assert with_declaration == [(host, 3), *definitions]


def test_a_file_outside_every_folder_takes_its_repositorys_configuration(tmp_path):
    write_tree(tmp_path, {".stereos-lint.toml": 'select = ["NX001"]\n', "lone.nix": "{ c = 1; c = 2; }\n"})
    lone = str(tmp_path / "lone.nix")
    session = Session([])
    session.open(lone, (tmp_path / "lone.nix").read_bytes())
    assert [f.code for f in session.diagnostics(lone)] == ["NX001"]
