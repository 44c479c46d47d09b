"""Documentation drift, ST901-ST904: comments that no longer tell the truth, each rule proven
by fixtures it fails and passes on, on the drifted module's exact lines, and silent on the
corrected module."""
from __future__ import annotations

from lintutil import FIXTURES, code_lines, lint, write_tree
from stereos_lint.checking.findings import Severity
from stereos_lint.checking.fixes import fixed_files
from stereos_lint.nix.parser import parse_source
from stereos_lint.rules.stereos.comments import comments, paragraphs
from stereos_lint.nix.source import SourceFile

RULES = FIXTURES / "rules"
DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"
ST9 = ["ST901", "ST902", "ST903", "ST904"]


def only(findings):
    """The single finding, checked to be the only one."""
    assert len(findings) == 1, findings
    return findings[0]


# --- the SPEC's drifted and clean modules ----------------------------------------------------

def test_drifted_module_reports_each_comment_drift_at_its_spec_line():
    findings = lint(DRIFTED, select=ST9)
    assert code_lines(findings) == {("ST901", 95), ("ST902", 167), ("ST903", 98), ("ST904", 159)}
    assert all(f.severity is Severity.WARNING for f in findings)


def test_clean_module_is_silent():
    assert lint(CLEAN, select=ST9) == []


def test_fixes_rewrite_the_drifted_comments_as_the_clean_module_has_them():
    findings = lint(DRIFTED, select=ST9)
    assert all(f.fix is not None for f in findings)
    _, fixed = fixed_files(findings)[str(DRIFTED)]
    fixed_lines = fixed.decode().splitlines()
    clean_lines = CLEAN.read_text().splitlines()
    # The clean module has extra code lines: 95->96, 98->99, 159->162, 167->171.
    for drifted_line, clean_line in [(95, 96), (98, 99), (159, 162), (167, 171)]:
        assert fixed_lines[drifted_line - 1] == clean_lines[clean_line - 1]


# --- the shared comment reader ---------------------------------------------------------------

def test_comments_are_read_without_recursion_from_a_5000_level_tree():
    depth = 5000
    data = ("{ ... }: " + "[ " * depth + "# deep useDHCP=true\n1" + " ]" * depth + "\n").encode()
    parsed = parse_source(SourceFile("deep.nix", data))
    assert [c.body for c in comments(parsed)] == [" deep useDHCP=true"]


def test_paragraphs_end_at_blank_comment_lines_and_code():
    data = b"# one\n# two\n#\n# three\n{ a = 1; # four\n}\n"
    texts = [p.text for p in paragraphs(parse_source(SourceFile("p.nix", data)))]
    assert texts == [" one\n two", " three", " four"]


# --- ST901 comment-option-value --------------------------------------------------------------

def test_st901_comment_that_drifted_with_the_code_is_judged_against_the_spec():
    finding = only(lint(RULES / "ST901" / "drifted-with-code.nix", select=["ST901"]))
    assert (finding.span.line, finding.span.text) == (3, "useNetworkd=false")
    assert "SPEC requires networking.useNetworkd = true" in finding.message
    assert "effective value is false" in finding.message
    assert [e.content for e in finding.fix.edits] == ["true"]


def test_st901_agreeing_comments_prose_commented_out_code_defaults_and_strings_are_silent():
    assert lint(RULES / "ST901" / "agrees.nix", select=["ST901"]) == []


def test_st901_right_comment_on_drifted_code_is_left_to_the_code_rule():
    # The comment says what the SPEC pins (true); the code's false is ST110's finding.
    assert lint(RULES / "ST901" / "code-drifted-comment-right.nix", select=["ST901"]) == []


def test_st901_pinned_option_that_is_not_set_is_judged_against_the_spec():
    finding = only(lint(RULES / "ST901" / "pinned-not-set.nix", select=["ST901"]))
    assert finding.span.line == 3 and "efiSupport = true" in finding.message and "not set" in finding.message


def test_st901_name_matching_several_options_is_not_judged_but_a_dotted_suffix_is():
    finding = only(lint(RULES / "ST901" / "ambiguous-and-dotted.nix", select=["ST901"]))
    assert (finding.span.line, finding.span.text) == (6, "firewall.enable=true")


def test_st901_unpinned_option_comment_must_match_the_effective_value():
    finding = only(lint(RULES / "ST901" / "unpinned-disagrees.nix", select=["ST901"]))
    assert finding.span.line == 3 and finding.severity is Severity.WARNING
    assert 'networking.hostName is "sandbox"' in finding.message
    assert [e.content for e in finding.fix.edits] == ['"sandbox"']


def test_st901_unknowable_value_gives_cannot_verify_info():
    finding = only(lint(RULES / "ST901" / "unpinned-unknown.nix", select=["ST901"]))
    assert finding.span.line == 3 and finding.severity is Severity.INFO
    assert "cannot verify" in finding.message and "builtins.readFile" in finding.message


def test_st901_effective_value_from_an_imported_module():
    finding = only(lint(RULES / "ST901" / "imported", select=["ST901"]))
    assert finding.path.endswith("boot.nix") and finding.span.line == 4
    assert "net.nix:3" in finding.message


def test_st901_pinned_option_defined_in_an_imported_module():
    finding = only(lint(RULES / "ST901" / "imported-pinned", select=["ST901"]))
    assert finding.path.endswith("boot.nix") and finding.span.line == 4
    assert "useDHCP = false" in finding.message and "net.nix:3" in finding.message


def test_st901_mkforce_in_the_importer_makes_the_imported_module_comment_wrong():
    finding = only(lint(RULES / "ST901" / "mkforce", select=["ST901"]))
    assert finding.path.endswith("base.nix") and finding.span.line == 3
    assert "lib.mkForce, boot.nix:4" in finding.message


def test_st901_in_a_module_imported_as_a_value_is_judged_in_the_system_holding_it(tmp_path):
    # named.nix is no file of the system's module list but a value one of them imports
    # (`self.nixosModules.named`, made by `import ./named.nix` in the flake): its comment
    # is still judged against the system's effective value
    write_tree(tmp_path, {
        "flake.nix": '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs }: {\n'
                     '    nixosModules.named = import ./named.nix;\n'
                     '    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n'
                     '      system = "x86_64-linux"; modules = [ ./host.nix ]; specialArgs = { inherit self; };\n'
                     '    };\n  };\n}\n',
        "host.nix": "{ self, ... }: { imports = [ self.nixosModules.named ]; }\n",
        "named.nix": '{\n  # hostName="other" here\n  networking.hostName = "sandbox";\n}\n',
    })
    finding = only(lint(tmp_path, select=["ST901"]))
    assert finding.path.endswith("named.nix") and finding.span.line == 2
    assert 'networking.hostName is "sandbox"' in finding.message


def test_st901_mkdefault_losing_to_a_plain_definition_keeps_the_comment_right():
    assert lint(RULES / "ST901" / "mkdefault", select=["ST901"]) == []


def test_st901_mkif_false_hides_the_definition_the_comment_would_contradict():
    assert lint(RULES / "ST901" / "mkif-false", select=["ST901"]) == []


def test_st901_comment_in_a_file_written_inline(tmp_path):
    write_tree(tmp_path, {"m.nix": "{\n  # polkit off: polkit.enable=false\n  security.polkit.enable = false;\n}\n"})
    assert lint(tmp_path, select=["ST901"]) == []
    write_tree(tmp_path, {"m.nix": "{\n  # polkit on: polkit.enable=true\n  security.polkit.enable = true;\n}\n"})
    assert code_lines(lint(tmp_path, select=["ST901"])) == {("ST901", 2)}


# --- ST902 comment-phase-headers -------------------------------------------------------------

def test_st902_section_titled_like_phase_2_but_numbered_1_is_renumbered():
    finding = only(lint(RULES / "ST902" / "renumbered.nix", select=["ST902"]))
    assert (finding.span.line, finding.span.text) == (13, "Phase 1")
    assert "Phase 2" in finding.message and "line 6" in finding.message
    assert [(e.span.text, e.content) for e in finding.fix.edits] == [("1", "2")]


def test_st902_sections_in_announced_order_and_phase_text_in_strings_are_silent():
    assert lint(RULES / "ST902" / "in-order.nix", select=["ST902"]) == []


def test_st902_announced_phase_without_a_section_is_reported_at_the_announcement():
    finding = only(lint(RULES / "ST902" / "missing-section.nix", select=["ST902"]))
    assert finding.span.line == 6 and "no `# Phase 2:` section" in finding.message


def test_st902_phase_the_header_never_announces():
    finding = only(lint(RULES / "ST902" / "unannounced.nix", select=["ST902"]))
    assert finding.span.line == 14 and "Phase 3" in finding.message and "announces only" in finding.message


def test_st902_phase_with_two_sections():
    finding = only(lint(RULES / "ST902" / "duplicate.nix", select=["ST902"]))
    assert finding.span.line == 14 and "repeats Phase 2" in finding.message and "line 12" in finding.message


def test_st902_sections_out_of_order():
    finding = only(lint(RULES / "ST902" / "out-of-order.nix", select=["ST902"]))
    assert finding.span.line == 12 and "comes after Phase 2" in finding.message


def test_st902_module_header_without_announced_phases_is_not_judged():
    assert lint(RULES / "ST902" / "no-announcements.nix", select=["ST902"]) == []


# --- ST903 comment-slirp-addresses -----------------------------------------------------------

def test_st903_wrong_slirp_dhcp_server_address():
    finding = only(lint(RULES / "ST903" / "wrong-dhcp-server.nix", select=["ST903"]))
    assert (finding.span.line, finding.span.text) == (4, "15.5.2.2")
    assert "DHCP server" in finding.message and "10.0.2.2" in finding.message
    assert [e.content for e in finding.fix.edits] == ["10.0.2.2"]


def test_st903_right_addresses_other_networks_and_non_slirp_comments_are_silent():
    assert lint(RULES / "ST903" / "right-addresses.nix", select=["ST903"]) == []


def test_st903_role_word_after_the_address_when_none_precedes_it():
    finding = only(lint(RULES / "ST903" / "wrong-dns-role-after.nix", select=["ST903"]))
    assert finding.span.start_position == (4, 5) and "DNS" in finding.message
    assert [e.content for e in finding.fix.edits] == ["10.0.2.3"]


def test_st903_slirp_named_on_an_earlier_line_of_the_paragraph():
    finding = only(lint(RULES / "ST903" / "wrong-guest-next-line.nix", select=["ST903"]))
    assert (finding.span.line, finding.span.text) == (4, "10.0.2.16")
    assert [e.content for e in finding.fix.edits] == ["10.0.2.15"]


def test_st903_paragraph_that_moves_slirp_off_its_default_network_is_not_judged():
    assert lint(RULES / "ST903" / "custom-network.nix", select=["ST903"]) == []


# --- ST904 comment-timeout-defaults ----------------------------------------------------------

def test_st904_wrong_default_stop_timeout():
    finding = only(lint(RULES / "ST904" / "wrong-stop-default.nix", select=["ST904"]))
    assert (finding.span.line, finding.span.text) == (4, "93 s")
    assert "stop" in finding.message and "90 s" in finding.message
    assert [(e.span.text, e.content) for e in finding.fix.edits] == [("93", "90")]


def test_st904_right_defaults_configured_values_and_other_timeouts_are_silent():
    assert lint(RULES / "ST904" / "right-defaults.nix", select=["ST904"]) == []


def test_st904_compound_duration_is_replaced_whole():
    finding = only(lint(RULES / "ST904" / "wrong-start-compound.nix", select=["ST904"]))
    assert (finding.span.line, finding.span.text) == (3, "2min") and "start" in finding.message
    assert [e.content for e in finding.fix.edits] == ["90 s"]


def test_st904_default_quoted_with_defaults_to_is_judged_but_the_new_value_is_not():
    finding = only(lint(RULES / "ST904" / "wrong-defaults-to.nix", select=["ST904"]))
    assert (finding.span.line, finding.span.text) == (3, "120 s")


def test_st903_another_address_slirp_leases_is_a_guests(tmp_path):
    (tmp_path / "net.nix").write_text("# QEMU SLIRP: the guest gets 10.0.2.15; a second guest NIC would get 10.0.2.16.\n"
                                      "# With QEMU user networking a guest at 10.0.2.99 is wrong.\n{ }\n")
    found = lint(tmp_path, select=["ST903"])
    assert [f.span.line for f in found] == [2] and "10.0.2.99" in found[0].message
