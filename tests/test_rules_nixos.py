"""The nixos pack: NX000-NX004, each proven by a fixture it fails on and one it passes."""
from __future__ import annotations

import pytest

from lintutil import lint_after_fixes, FIXTURES, code_lines, lint, write_tree

RULES = FIXTURES / "rules"


def test_parse_error_points_at_the_first_error_and_other_files_are_still_linted(tmp_path):
    write_tree(tmp_path, {
        "broken.nix": "{\n  a = 1;\n  b = ;\n}\n",
        "fine.nix": "{ lib, ... }: { networking.firewall.enable = lib.mkForce true; }\n",
    })
    findings = lint(tmp_path, select=["NX000", "ST120"])
    assert ("NX000", 3) in code_lines(findings)
    assert any(f.code == "ST120" and f.path.endswith("fine.nix") for f in findings)


def test_trailing_comma_in_formals_is_not_a_parse_error(tmp_path):
    write_tree(tmp_path, {"m.nix": "{\n  lib,\n  pkgs,\n}:\n{ }\n"})
    assert lint(tmp_path, select=["NX000"]) == []


def test_a_pipe_operator_is_cannot_verify_not_a_syntax_error(tmp_path):
    # `|>` and `<|` are valid where Nix's experimental pipe-operators feature is on (a
    # public dendritic flake enables it); the grammar cannot read them.  A lone `|` is
    # no Nix operator at all: still a syntax error.
    write_tree(tmp_path, {
        "forward.nix": "{ lib, ... }: {\n  a = [ 1 ]\n    |> map (x: x);\n}\n",
        "backward.nix": "let f = x: x; in {\n  b = f <| 2;\n}\n",
        "bar.nix": "{\n  b = x: x | 2;\n}\n",
    })
    found = {(f.path.rsplit("/", 1)[-1], f.span.start_position[0], f.severity.value, f.message.split(":")[0])
             for f in lint(tmp_path, select=["NX000"])}
    assert found == {("forward.nix", 3, "info", "cannot verify this file"),
                     ("backward.nix", 2, "info", "cannot verify this file"),
                     ("bar.nix", 2, "error", "syntax error")}


def test_what_nix_refuses_when_parsing_beyond_its_grammar():
    findings = lint(RULES / "NX000" / "computed-names.nix", select=["NX000"])
    assert code_lines(findings) == {("NX000", 5), ("NX000", 7), ("NX000", 9)}
    assert [f.message.split(":")[0] for f in findings] == [
        "dynamic attributes not allowed in let", "duplicate formal function argument 'extraArgs'",
        "dynamic attributes not allowed in inherit"]
    assert lint(RULES / "NX000" / "static-names.nix", select=["NX000"]) == []


REFUSED_WHEN_PARSED = [
    'let ${x} = 1; in 1', 'let "${x}" = 1; in 1', 'let ${x}.b = 1; in 1', 'let ${"a"} = 1; in a',
    'let ${"a"}.b = 1; in a', 'let "a" = 1; in a', 'let { ${x} = 1; body = 1; }', 'rec { ${x} = 1; }',
    '{ a.${x}.c = 1; }', '{ inherit ${x}; }', '{ inherit "${x}"; }', '{ inherit "${"a"}"; }', '{ inherit ${"a"}; }',
    'let inherit ${x}; in 1', '{ inherit (y) "${x}"; }', '{ a, a }: a', 'a@{ a }: a', '{ a, ... }@a: a',
    '{ a ? 1, a ? 2 }: a', '{ a, b }@c: a', 'let f = { b, c, b }: b; in f',
]


@pytest.mark.parametrize("text", REFUSED_WHEN_PARSED)
def test_nx000_agrees_with_nix_on_what_it_refuses_when_parsing(tmp_path, text):
    import shutil
    import subprocess

    assert shutil.which("nix-instantiate"), "nix-instantiate is not installed (Debian's nix-bin; .ci/run installs it)"
    path = tmp_path / "file.nix"
    path.write_text(f'let x = "k"; y = {{ }}; a = 1; in {text}\n')
    refused = subprocess.run(["nix-instantiate", "--parse", str(path)], capture_output=True).returncode != 0
    assert bool(lint(path, select=["NX000", "NX001"])) == refused


def test_a_module_mixing_an_explicit_config_with_top_level_settings():
    findings = lint(RULES / "NX008" / "mixed", select=["NX008"])
    assert code_lines(findings) == {("NX008", 6)}    # once, naming them all
    assert "move services, _module into config" in findings[0].message
    assert lint(RULES / "NX008" / "explicit", select=["NX008"]) == []


def test_a_library_with_an_options_attribute_that_no_system_uses_as_a_module(tmp_path):
    # `{ lib }: { configs = …; options = …; }`, loaded by the flake as a library: no module
    write_tree(tmp_path, {
        "flake.nix": "{\n  outputs = { nixpkgs, ... }: let mine = import ./lib { lib = nixpkgs.lib; }; in {\n"
                     "    nixosConfigurations.box = nixpkgs.lib.nixosSystem { system = \"x86_64-linux\";"
                     " modules = [ ./box.nix ]; };\n  };\n}\n",
        "lib/default.nix": "{ lib }: {\n  configs = { };\n  options = { };\n}\n",
        "box.nix": "{ ... }: { }\n",
    })
    assert lint(tmp_path, select=["NX008"]) == []


def test_a_root_standing_in_is_judged_by_nx008_only_where_written_as_a_module_function(tmp_path):
    # no system: every file nobody imports stands in for one -- a guess, which a library
    # exported bare (`{ lib }: { options = …; }`) does not make a module
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "lib/default.nix": "{ lib }: {\n  configs = { };\n  options = { };\n}\n",
        "server.nix": "{ config, ... }: {\n  config.boot.loader.timeout = 1;\n  boot.kernelParams = [ ];\n}\n",
    })
    assert [(f.code, f.path.rsplit("/", 1)[-1]) for f in lint(tmp_path, select=["NX008"])] == [("NX008", "server.nix")]


def test_duplicate_attribute_through_dotted_paths():
    assert code_lines(lint(RULES / "NX001" / "duplicate-dotted.nix", select=["NX001"])) == {("NX001", 3)}


def test_duplicate_attribute_through_a_nested_set():
    findings = lint(RULES / "NX001" / "duplicate-through-nested-set.nix", select=["NX001"])
    assert code_lines(findings) == {("NX001", 4)}
    # as Nix has it ("attribute 'firewall' already defined"): the literal set merging into
    # `networking` binds `firewall`, which line 2 made
    assert findings[0].message.startswith("networking.firewall is") and "line 2" in findings[0].message


def test_duplicate_let_binding():
    assert code_lines(lint(RULES / "NX001" / "duplicate-in-let.nix", select=["NX001"])) == {("NX001", 3)}


def test_extending_a_value_that_is_not_a_set():
    assert code_lines(lint(RULES / "NX001" / "value-then-extended.nix", select=["NX001"])) == {("NX001", 3)}


def test_merging_dotted_paths_and_sets_is_not_a_duplicate():
    assert lint(RULES / "NX001" / "merging-is-fine.nix", select=["NX001"]) == []


def test_conflicting_values_of_a_declared_option_at_the_same_priority():
    findings = lint(RULES / "NX002" / "conflict", select=["NX002"])
    assert {(f.code, f.path.rsplit("/", 1)[-1], f.span.line) for f in findings} == {("NX002", "vm.nix", 3)}
    assert "8443 here but 8080 in base.nix:3" in findings[0].message


def test_priority_resolves_the_conflict():
    assert lint(RULES / "NX002" / "agree", select=["NX002"]) == []


@pytest.mark.parametrize("shape", ["lines-concatenate", "unknown-values", "exclusive-conditions", "bool-by-or",
                                   "same-file-paths"])
def test_nx002_is_silent_where_nixos_accepts_the_configuration(shape):
    # types.lines joins; unknown values prove nothing; mutually exclusive mkIfs never meet;
    # an untyped option merges booleans with `or`; ../x and ./x can name one file.
    assert lint(RULES / "NX002" / shape, select=["NX"]) == []


def test_update_of_a_mkif_value_drops_the_other_side_and_the_fix_keeps_both(tmp_path):
    findings = lint(RULES / "NX005" / "drops", select=["NX005"])
    assert [(f.code, f.span.line) for f in findings] == [("NX005", 5)]
    assert "(users) is dropped" in findings[0].message
    after, texts = lint_after_fixes(tmp_path, RULES / "NX005" / "drops", "NX005")
    assert after == []
    assert "lib.mkMerge [ (lib.mkIf cfg.enable { networking.firewall.allowedTCPPorts = [ 8080 ]; }) " \
           "({ users.groups.myapp = { }; }) ]" in texts["module.nix"]
    assert lint(RULES / "NX005" / "merged", select=["NX005"]) == []


def test_an_update_of_two_conditions_says_the_left_one_is_dropped(tmp_path):
    # `mkIf a { … } // mkIf b { … }`, as a public repository writes its two shares
    findings = lint(RULES / "NX005" / "two-conditions", select=["NX005"])
    assert [(f.code, f.span.line) for f in findings] == [("NX005", 7)]
    assert "keeps only the lib.mkIf value on its right" in findings[0].message
    assert "so the lib.mkIf value on its left is dropped" in findings[0].message
    after, texts = lint_after_fixes(tmp_path, RULES / "NX005" / "two-conditions", "NX005")
    assert after == [] and "lib.mkMerge [ (lib.mkIf cfg.ram" in texts["module.nix"]


def test_an_option_declared_with_an_update_is_declared_and_its_default_is_the_update(tmp_path):
    # `mkEnableOption "x" // { default = true; }`: an option declaration is a set to Nix
    findings = lint(RULES / "NX006" / "extended-enable", select=["NX006"])
    assert [(f.code, f.path.rsplit("/", 1)[-1], f.span.line) for f in findings] == [("NX006", "host.nix", 4)]
    assert "did you mean services.myapp.port?" in findings[0].message


def test_no_undeclared_option_where_a_declaration_of_the_set_cannot_be_known():
    assert lint(RULES / "NX006" / "unknown-declaration", select=["NX006"]) == []


def test_a_definition_under_the_trees_own_namespace_that_nothing_declares():
    findings = lint(RULES / "NX006" / "typo", select=["NX006"])
    assert [(f.code, f.path.rsplit("/", 1)[-1], f.span.line) for f in findings] == [("NX006", "phone.nix", 3)]
    assert "did you mean hardware.librem5.audio?" in findings[0].message
    # services.nginx.myExtra: NixOS's namespace, where an unknown name proves nothing
    assert lint(RULES / "NX006" / "declared", select=["NX006"]) == []


def test_a_set_of_declarations_under_a_nixos_namespace_adds_to_it(tmp_path):
    # `options.networking.firewall = { fromLan = …; }` adds to NixOS's own options there (it
    # merges declarations); `options = { top = …; }` is a set of top-level names
    (tmp_path / "lan.nix").write_text("{ lib, ... }: {\n  options = { top = lib.mkOption { default = 1; }; };\n"
                                      "  options.networking.firewall = { fromLan = lib.mkOption { default = [ ]; }; };\n}\n")
    (tmp_path / "host.nix").write_text("{ imports = [ ./lan.nix ]; networking.firewall.enable = true; top = 2; }\n")
    assert [f.code for f in lint(tmp_path, select=["NX006", "NX999"])] == []


def test_an_option_also_set_through_its_old_name_cannot_be_known():
    # lib.mkRenamedOptionModule gives listenPort's 9000 to port: not the default 8080
    from stereos_lint.systems.project import Project

    host = RULES / "NX006" / "renamed" / "host.nix"
    config = Project([str(host), str(host.parent / "myapp.nix")]).config(str(host))
    port, address, enable = (config.resolve(f"services.myapp.{name}") for name in ("port", "address", "enable"))
    assert "listenPort is defined too" in port.uncertain and "addr is defined too" in address.uncertain
    assert (enable.value, enable.uncertain) == (True, None)


def test_no_undeclared_option_in_a_system_whose_import_is_missing():
    # the missing file may declare it; NixOS refuses the missing import, which NX003 reports
    findings = lint(RULES / "NX006" / "missing-import", select=["NX006", "NX003"])
    assert [(f.code, f.path.rsplit("/", 1)[-1], f.span.line) for f in findings] == [("NX003", "phone.nix", 4)]


def test_a_value_the_declared_type_refuses():
    findings = lint(RULES / "NX007" / "outside-enum", select=["NX007"])
    assert [(f.span.line, f.message.split(" is ")[0]) for f in findings] == [
        (5, "services.myapp.mode"), (6, "services.myapp.workers")]   # "quick"; mkForce (mkIf …): put mkIf outside
    assert lint(RULES / "NX007" / "inside-enum", select=["NX007"]) == []


def test_a_rec_set_extended_by_a_dotted_binding_is_not_a_duplicate():
    assert lint(RULES / "NX001" / "rec-extended.nix", select=["NX001"]) == []


def test_missing_import_file_and_folder():
    findings = lint(RULES / "NX003" / "missing", select=["NX003"])
    assert sorted(f.span.text for f in findings) == ["./hardwre-configuration.nix", "./no-such-dir"]


def test_each_missing_file_one_entry_names_is_reported(tmp_path):
    # one written entry, mapped over a folder's entries: each folder without a default.nix
    write_tree(tmp_path, {
        "modules/default.nix": ("{ imports = builtins.map (n: ./${n}) (builtins.filter (n: n != \"default.nix\") "
                                "(builtins.attrNames (builtins.readDir ./.))); }\n"),
        "modules/a.nix": "{ }\n", "modules/b/x.nix": "{ }\n", "modules/c/y.nix": "{ }\n",
    })
    found = lint(tmp_path, select=["NX003"])
    assert sorted(f.message.split(" points to ")[1].split("/")[-2] for f in found) == ["b", "c"]


def test_existing_folder_and_external_imports_pass():
    assert lint(RULES / "NX003" / "present", select=["NX003"]) == []


@pytest.mark.parametrize("repository", [True, False])
def test_an_import_outside_the_repository_is_left_to_the_machine_that_builds(tmp_path, repository):
    # /etc/nixos/hardware-configuration.nix exists on the machine an impure build runs on;
    # here it cannot be known.  A missing file of the repository is still reported.
    tree = write_tree(tmp_path / "repo", {
        **({"flake.nix": "{ outputs = _: { }; }\n"} if repository else {}),
        "hosts/web/default.nix": "{\n  imports = [\n    /etc/nixos/hardware-configuration.nix\n"
                                 "    \"/etc/nixos/extra.nix\"\n    ../common.nix\n  ];\n}\n",
    })
    findings = lint(tree / "hosts", select=["NX003"])
    assert [f.span.text for f in findings] == ["../common.nix"]


def test_mkforce_on_a_list_lists_the_items_it_throws_away():
    findings = lint(RULES / "NX004" / "forced", select=["NX004"])
    assert code_lines(findings) == {("NX004", 4)}
    assert findings[0].severity.value == "warning"
    assert '"quiet"' in findings[0].message and '"loglevel=0"' in findings[0].message
    assert "base.nix" in findings[0].message


def test_plain_and_ordered_lists_and_a_lone_mkforce_pass():
    assert lint(RULES / "NX004" / "plain", select=["NX004"]) == []


def test_nixos_pack_is_silent_on_both_stereos_modules():
    assert lint(FIXTURES / "stereos", select=["NX"]) == []


# Nix's parser refuses a set that defines an attribute twice; it merges dotted bindings and
# literal sets (`rec` ones too) that do not clash.  `nix-instantiate --parse` is the judge.
SETS = [
    "{ a = 1; a = 2; }",
    "{ a.b = 1; a.b = 2; }",
    "{ a.b = 1; a = { c = 2; }; }",
    "{ a = { c = 2; }; a.b = 1; }",
    "{ a = { x = 1; }; a = { y = 2; }; }",
    "{ a = { x = 1; }; a = { x = 2; }; }",
    "{ a = rec { x = 1; }; a.y = 2; }",
    "{ a.y = 2; a = rec { x = 1; }; }",
    "{ a = rec { x = 1; }; a.x = 2; }",
    "{ a = 1; a.b = 2; }",
    "{ a.b = 2; a = 1; }",
    "{ inherit a; a = 1; }",
    "let a = 1; a = 2; in a",
    "let a = { x = 1; }; a.y = 2; in a",
    "{ a = { b = rec { x = 1; }; }; a.b.y = 2; }",
    "{ a = { b = { x = 1; }; }; a.b.x = 2; }",
    "{ \"a\" = 1; a = 2; }",
    "{ a = rec { x = 1; }; a = { y = 2; }; }",
    "{ b.x.${x} = [ ]; b.x = true; }",       # the names before a computed one are a set
    "{ a.${x} = 1; a = { b = 1; }; }",
    "{ inherit \"a\"; a = 1; }",              # an inherited name may be quoted
    "{ ${\"a\"} = 1; a = 2; }",              # a bare interpolated string is a plain name
    "{ \"${\"a\"}\" = 1; a = 2; }",          # an interpolated one in quotes is computed
    "{ a /* c */ . b = 1; a.b = 2; }",
    # two literal sets merge one level deep only (Nix's parser): a name both bind is twice
    "{ a.b.c = 1; a = { b.d = 2; }; }",
    "{ a.b.c = 1; a = { d = 2; }; }",
    "{ a = { b.d = 2; }; a.b.c = 1; }",
    "{ a = rec { b.d = 2; }; a = { b.c = 1; }; }",
    "{ a.x = { y.p = 1; }; a.x = { y.q = 2; }; }",
    "{ a.x = { y = 1; }; a.x = { z = 2; }; }",
    "{ a = { b = 1; inherit x; }; a = { x = 2; }; }",
    "{ a = { b = 1; }; a = { ${\"b\"} = 2; }; }",
    "{ a = { b = 1; }; a = { ${x} = 2; }; }",
]


@pytest.mark.parametrize("text", SETS)
def test_nx001_agrees_with_nix_on_duplicates(tmp_path, text):
    import shutil
    import subprocess

    if shutil.which("nix-instantiate") is None:
        pytest.skip("nix-instantiate is not installed (Debian's nix-bin; .ci/run installs it)")
    path = tmp_path / "set.nix"
    path.write_text("let x = \"k\"; in " + text.replace("inherit a;", "inherit (builtins) a;") + "\n")
    refused = subprocess.run(["nix-instantiate", "--parse", str(path)], capture_output=True).returncode != 0
    found = lint(path, select=["NX000", "NX001"])
    assert bool(found) == refused, (text, [f.message for f in found])


def _generated_set(seed: int) -> str:
    """A small set, as people write them and beyond: dotted, quoted and computed names,
    nested, `rec` and `let` sets, inherits, sets inside lists and functions."""
    import random

    chance = random.Random(seed)
    names = ["a", "b", "c"]

    def name() -> str:
        roll, plain = chance.random(), chance.choice(names)
        return (f'"{plain}"' if roll < 0.1 else '${x}' if roll < 0.15 else f'${{"{plain}"}}' if roll < 0.18
                else '"${x}"' if roll < 0.2 else f'"{plain}.{chance.choice(names)}"' if roll < 0.23 else plain)

    def bindings(depth: int, in_let: bool = False) -> str:
        written = []
        for _ in range(chance.randint(1, 4)):
            roll = chance.random()
            if roll < 0.1:
                written.append(f"inherit {' '.join(chance.sample(names, chance.randint(1, 2)))};")
            elif roll < 0.15:
                written.append(f'inherit (y) "{chance.choice(names)}";')
            else:
                path = [name() for _ in range(chance.choice([1, 1, 2, 2, 3]))]
                if in_let and path[0].startswith(("${", '"${')):
                    path[0] = chance.choice(names)     # Nix refuses a computed name in `let`
                written.append(f"{'.'.join(path)} = {value(depth)};")
        return " ".join(written)

    def value(depth: int) -> str:
        roll = chance.random()
        if depth > 2 or roll < 0.4:
            return chance.choice(["1", "x", "[ ]"])
        if roll < 0.75:
            return f"{{ {bindings(depth + 1)} }}"
        if roll < 0.85:
            return f"rec {{ {bindings(depth + 1)} }}"
        if roll < 0.92:
            return f"[ {{ {bindings(depth + 1)} }} ]"
        return f"let {bindings(depth + 1, in_let=True)} in {{ {bindings(depth + 1)} }}"

    return f"{{ {bindings(0)} }}"


def test_the_sweep_lets_through_every_file_the_full_check_faults():
    """NX001 walks a file's bindings only where a sweep of their paths' text finds two
    that may clash: on 3,000 generated sets, it must let through every one the full walk
    faults, and it must spare most clean modules (else it would be no sweep)."""
    from stereos_lint.nix.duplicate_attributes import every_duplicate, may_repeat
    from stereos_lint.nix.parser import parse_source
    from stereos_lint.nix.source import SourceFile

    faulted = spared = 0
    for seed in range(3000):
        text = _generated_set(seed)
        parsed = parse_source(SourceFile(f"set{seed}.nix", text.encode()))
        assert parsed.error is None, text
        if any(True for _ in every_duplicate(parsed)):
            faulted += 1
            assert may_repeat(parsed), text
        elif not may_repeat(parsed):
            spared += 1
    assert faulted > 1000 and spared > 300
    clean = FIXTURES / "stereos" / "clean" / "boot.nix"
    assert not may_repeat(parse_source(SourceFile(str(clean), clean.read_bytes())))


def test_nx001_agrees_with_nix_on_generated_sets(tmp_path):
    """Nix is the judge of what it refuses: NX001 reports a duplicate exactly where
    `nix-instantiate --parse` refuses the file, on sets generated in every shape above."""
    import shutil
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    assert shutil.which("nix-instantiate"), "nix-instantiate is not installed (Debian's nix-bin; .ci/run installs it)"
    texts = [_generated_set(seed) for seed in range(1300)]
    paths = []
    for number, text in enumerate(texts):
        path = tmp_path / f"set{number}.nix"
        path.write_text('let a = 1; b = 1; c = 1; x = "k"; y = { a = 1; b = 1; c = 1; }; in\n' + text + "\n")
        paths.append(path)

    def refused(path) -> str | None:
        done = subprocess.run(["nix-instantiate", "--parse", str(path)], capture_output=True, text=True)
        return done.stderr.splitlines()[0] if done.returncode else None

    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(refused, paths))
    assert all(v is None or "already defined" in v for v in verdicts), [v for v in verdicts if v]
    found = {f.path for f in lint(tmp_path, select=["NX000", "NX001"])}
    disagree = [(text, verdict) for text, path, verdict in zip(texts, paths, verdicts)
                if (str(path) in found or any(p.endswith(path.name) for p in found)) != (verdict is not None)]
    assert not disagree
    assert 0.2 < sum(v is not None for v in verdicts) / len(verdicts) < 0.8   # both verdicts are well tested
