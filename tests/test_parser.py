"""Unit tests for stereos_lint.nix.parser: what parse_source accepts, rejects and reports."""
from __future__ import annotations

import pytest

from stereos_lint.nix.parser import (
    _parser,
    blank_trailing_formal_commas,
    parse_source,
    trailing_formal_commas,
)
from stereos_lint.nix.source import SourceFile


def parse(text: str | bytes, path: str = "test.nix"):
    data = text.encode() if isinstance(text, str) else text
    return parse_source(SourceFile(path, data))


def all_nodes(root):
    """Every node under `root`, without recursion."""
    stack, out = [root], []
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


# -- trailing commas in formals -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{ pkgs, }: pkgs",
        "{ pkgs, lib, }: pkgs",
        "{\n  config,\n  lib,\n  pkgs,\n}:\nconfig",
        "{ a ? {}, }: a",
        "{ a ? { b = 1; }, }: a",
        "args@{ a, }: args",
        "{ a, }@args: args",
        "{ a, # the last one\n}: a",
        "{ a, /* c, } */ }: a",
        "let f = { x, }: x; in f { x = 1; }",
        "{ a, }: { b, }: { c, }: a",
    ],
)
def test_trailing_comma_in_formals_is_accepted(text):
    assert _parser().parse(text.encode()).root_node.has_error  # the grammar alone rejects it
    parsed = parse(text)
    assert parsed.error is None, parsed.error_message
    assert not parsed.root.has_error


def test_trailing_comma_blanking_keeps_every_byte_offset():
    text = b"{\n  pkgs,\n  lib, # c\n}:\n{ inherit pkgs; v = lib.mkIf true \"\xc3\xa9,}\"; }\n"
    parsed = parse(text)
    assert parsed.error is None
    comma = text.index(b", # c")
    # The tree spans the original bytes, and every node after the comma starts
    # where its text starts in the original file.
    assert parsed.root.end_byte == len(text)
    after = [n for n in all_nodes(parsed.root) if n.start_byte > comma]
    assert len(after) > 10
    for node in after:
        assert text[node.start_byte:node.end_byte] == node.text
    body = parsed.root.child_by_field_name("expression").child_by_field_name("body")
    assert body.start_byte == text.index(b"{ inherit")
    assert body.start_point == (4, 0)


def test_blanking_replaces_only_the_trailing_comma_with_a_space():
    text = b"{ a, b, }: { c = \"x,}\"; }"
    blanked = blank_trailing_formal_commas(text)
    assert len(blanked) == len(text)
    assert blanked == text.replace(b"b, }", b"b  }")
    assert trailing_formal_commas(text) == [text.index(b", }")]


@pytest.mark.parametrize(
    "text",
    [
        '"x,}"',
        '"a, }"',
        "''a,}''",
        "''\n  a, }\n''",
        "# comment ,}\n1",
        "/* comment ,} */ 1",
        '"${"a,}"}"',
        '"\\",}"',
        "\"\\${a,}\"",
        "''''${a,}''",
        "'''''',}''",
        '"$${a,}"',
        "''$${a,}''",
        "let a'' = ''x,}''; in a''",
        "http://example.org/a,}",
    ],
)
def test_commas_inside_strings_and_comments_are_untouched(text):
    assert trailing_formal_commas(text.encode()) == []
    assert blank_trailing_formal_commas(text.encode()) == text.encode()


def test_trailing_comma_after_strings_with_tricky_text_is_found():
    # Each string below would derail a scanner that misreads it, leaving the
    # real trailing comma at the end unblanked.
    text = "let a = \"$${\"; b = ''$${''; c'' = ''x''; d = \"\\\"\"; in { x, }: x"
    assert trailing_formal_commas(text.encode()) == [text.index(", }")]
    assert parse(text).error is None


@pytest.mark.parametrize(
    "text, column",
    [
        ("{ , }", 3),
        ("{ a = 1;, }", 9),
        ("{ a, ..., }: a", 9),
        ('"${a,}"', 5),
        ("{ a, }: { b = 1;, }", 17),
        ("{ ..., }: 1", 6),
    ],
)
def test_a_comma_before_a_brace_outside_formals_stays_an_error(text, column):
    parsed = parse(text)
    assert parsed.error is not None
    assert parsed.error.start_position == (1, column)
    assert parsed.error_message == "syntax error: unexpected ','"


# -- odd inputs -----------------------------------------------------------------


@pytest.mark.parametrize("text", [b"", b"\n", b"  \r\n\t", b"# just a comment\n", b"/* only */"])
def test_a_file_without_an_expression_is_an_error_as_in_nix(text):
    # Nix rejects a file with no expression: "syntax error, unexpected end of file".
    parsed = parse(text)
    assert parsed.error is not None
    assert parsed.error_message == "syntax error: unexpected end of file"
    assert parsed.error.start == len(text)


@pytest.mark.parametrize("text", [b"{ inherit; }", b"let inherit (x); in 1", b"{ a = 1; inherit /* none */ ; }"])
def test_an_empty_inherit_is_valid_nix(text):
    assert parse(text).error is None


@pytest.mark.parametrize(
    "data",
    [
        b'{ a = "caf\xe9"; }',  # Latin-1 in a string: valid Nix
        b"# \xff\xfe comment\n1",
        b"\xff\xfe\xfd",
        b"{ a\xe9 = 1; }",
        b"{ a = 1; \xc3",  # a UTF-8 sequence cut short, at the end
        b"\x00\x01{",
        b"\xef\xbb\xbf1",  # a byte-order mark
        bytes(range(256)),
    ],
)
def test_non_utf8_bytes_give_a_result_or_an_error_span_never_an_exception(data):
    parsed = parse(data)
    assert parsed.tree is not None
    if parsed.error is not None:
        line, column = parsed.error.start_position
        assert line >= 1 and column >= 1
        assert 0 <= parsed.error.start <= parsed.error.end <= len(data)
        assert isinstance(parsed.error_message, str) and parsed.error_message
        str(parsed.error)


def test_latin1_bytes_in_a_string_are_valid():
    assert parse(b'{ a, }: "caf\xe9, }"').error is None


def test_ten_megabyte_file_parses():
    # Trailing commas throughout, so the blank-and-reparse path runs on it all.
    unit = (
        b"  v%d = { pkgs, lib, }: {\n"
        b"    s = \"x,} ${pkgs.name}\";\n"
        b"    i = ''\n      ''${a}, }\n    '';\n"
        b"    l = [ 1 2 ./a.nix ];\n"
        b"  };\n"
    )
    parts, size, n = [b"let\n"], 4, 0
    while size < 10 * 1024 * 1024:
        part = unit % n
        parts.append(part)
        size += len(part)
        n += 1
    parts.append(b"in v0\n")
    data = b"".join(parts)
    parsed = parse(data)
    assert parsed.error is None, parsed.error_message
    assert parsed.root.end_byte == len(data)
    last = parsed.root.descendant_for_byte_range(len(data) - 3, len(data) - 3)
    assert last.text == b"v0"


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 5000 + b"]" * 5000,
        b"{a=" * 5000 + b"1" + b";}" * 5000,
        b"(" * 5000 + b"1" + b")" * 5000,
        b"{ x, }: " + b"[" * 5000 + b"]" * 5000,  # through the trailing-comma path
    ],
)
def test_deep_nesting_parses_without_recursion_error(data):
    parsed = parse(data)
    assert parsed.error is None
    assert len(all_nodes(parsed.root)) > 5000


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 5000,
        b"{a=" * 5000 + b"1",
        b"{ x, }: " + b"[" * 5000 + b"]" * 4999 + b" }",
    ],
)
def test_deep_nesting_with_an_error_reports_it_without_recursion_error(data):
    parsed = parse(data)
    assert parsed.error is not None
    assert parsed.error.start_position[0] == 1


# -- where the first error is reported -----------------------------------------


@pytest.mark.parametrize(
    "text, position, message",
    [
        # Nix reports the token after a missing `;`; tree-sitter the gap before it.
        ("{ a = 1 }", (1, 8), "syntax error: missing ';'"),
        ("let a = 1 in a", (1, 11), "syntax error: unexpected 'in'"),
        ("1)", (1, 2), "syntax error: unexpected ')'"),
        ("[ 1 2", (1, 6), "syntax error: missing ']'"),
        ("{ pkgs, }:\n{\n  a = ;\n}\n", (3, 6), "syntax error: missing 'identifier'"),
        ("{ a, }:\r\n{\r\n  b = 1\r\n}\r\n", (3, 8), "syntax error: missing ';'"),
        ('{ x = "éé"; y = 1 }', (1, 18), "syntax error: missing ';'"),  # columns count characters
        ("{ lib, }:\n{\n  a = 1;\n};\n}\n", (4, 2), "syntax error: unexpected ';'"),
        ("{ pkgs, }:\n{\n  a = [ 1 2\n", (3, 12), "syntax error: unexpected end of file"),
        ("{ a,\n  b, # c\n", (2, 9), "syntax error: unexpected end of file"),
    ],
)
def test_first_error_location(text, position, message):
    parsed = parse(text)
    assert parsed.error is not None
    assert parsed.error.start_position == position
    assert parsed.error_message == message


def test_first_error_after_a_trailing_comma_is_the_real_one():
    text = "{\n  pkgs,\n  lib,\n}:\n{\n  a = 1;\n  b = ;\n}\n"
    parsed = parse(text)
    assert parsed.error is not None
    assert parsed.error.start_position[0] == 7


def test_error_nested_in_a_recovered_region_is_reported_where_it_is():
    # Recovery wraps the whole unfinished formals in an ERROR node starting on
    # line 1; Nix rejects the `:` on line 4, and so do we.
    text = "{ f1,\n  # c, d\n  f2,\n :\n{ a = 1; }\n"
    parsed = parse(text)
    assert parsed.error is not None
    assert parsed.error.start_position[0] == 4


def test_syntax_index_finds_comments_and_sets_in_one_walk_outer_sets_first():
    from stereos_lint.nix.syntax_index import syntax_index

    text = b"# top\nlet a = { b = rec { c = 1; }; }; /* x */ in { d = a; }  # end\n"
    parsed = parse_source(SourceFile("x.nix", text))
    index = syntax_index(parsed)
    assert [text[n.start_byte:n.end_byte] for n in index.comments] == [b"# top", b"/* x */", b"# end"]
    assert [n.type for n in index.sets] == ["let_expression", "attrset_expression", "rec_attrset_expression",
                                            "attrset_expression"]
    assert syntax_index(parsed) is index     # found once per parsed file
    assert parse_source(SourceFile("y.nix", text)).syntax_index is None   # and only when asked for
