"""ST903 comment-slirp-addresses."""
from __future__ import annotations

import re

from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.checking.rule import FileContext, rule

from .comments import comment_bytes, paragraphs

# QEMU user-mode networking (SLIRP) on its default network 10.0.2.0/24.
ADDRESSES = {"gateway": "10.0.2.2", "dns": "10.0.2.3", "guest": "10.0.2.15"}
# SLIRP's DHCP server leases 16 addresses from 10.0.2.15 (a second NIC or guest gets .16, …)
GUEST_LEASES = frozenset(f"10.0.2.{n}" for n in range(15, 31))
ANOTHER = re.compile(r"\b(?:second|another|next|other|additional|more|2nd|3rd)\b", re.IGNORECASE)

SLIRP = re.compile(r"slirp|user[- ]mode network|qemu user network|user networking|-(?:netdev|nic) user",
                   re.IGNORECASE)
CUSTOM_NETWORK = re.compile(r"\b(?:net|host|dns|dhcpstart)=")   # `-netdev user,net=192.168.76.0/24,…`
OTHER_NETWORK = re.compile(r"vmnet|virtualization\.framework|\bapple\b", re.IGNORECASE)
# Longest first: "DHCP range" is the guest's, "DHCP server" the gateway's.
ROLE = re.compile(
    r"(?P<guest>\bDHCP (?:range|pool|lease)|\bleases?\b|\bguest\b|\bfirst address)"
    r"|(?P<dns>\bDNS\b|\bname ?servers?\b|\bresolver\b)"
    r"|(?P<gateway>\bDHCP server\b|\bDHCP\b|\bdefault route\b|\bgateway\b|\brouter?\b)",
    re.IGNORECASE)
_ANYWHERE = re.compile(rb"\d\.\d{1,3}\.\d")   # what every IPv4 address holds: a cheap first look
IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\.?\d|/\d)")


@rule("ST903", "comment-slirp-addresses", severity="warning", scope="file", fixable=True,
      summary="QEMU SLIRP addresses quoted in comments are right")
def check(ctx: FileContext):
    """Comments are part of the SPEC: an engineer debugging a guest without an IP
    address trusts the addresses they quote.  QEMU's user-mode networking (SLIRP)
    puts the gateway and DHCP server at 10.0.2.2, the DNS server at 10.0.2.3,
    and the guest at 10.0.2.15.

    A comment is about SLIRP when its paragraph (consecutive `#` lines) names
    SLIRP or QEMU user(-mode) networking (`-netdev user`), and a sentence of it
    that names another network (vmnet, Apple Virtualization.framework) does not
    count unless it names SLIRP too.  Each IPv4 address in such a sentence takes
    the role of the nearest role word before it -- since the previous address --
    or else after it: DHCP server / DHCP / gateway / route(r) -> 10.0.2.2, DNS /
    nameserver / resolver -> 10.0.2.3, guest / lease / DHCP range -> 10.0.2.15 (or, in a
    sentence about a second or another guest or NIC, one of the 16 addresses its DHCP server
    leases, up to 10.0.2.30).
    An address with no role word, or a network (`10.0.2.0/24`), is not judged,
    nor a paragraph that moves SLIRP off its default network (`net=`, `host=`,
    `dns=`, `dhcpstart=`).

    Bad:

        # QEMU's SLIRP stack provides a DHCP server at 15.5.2.2.

    Good:

        # QEMU's SLIRP stack provides a DHCP server at 10.0.2.2.
    """
    if not _ANYWHERE.search(comment_bytes(ctx.parsed)):
        return   # no IPv4 address in any comment
    for paragraph in paragraphs(ctx.parsed):
        if not SLIRP.search(paragraph.text) or CUSTOM_NETWORK.search(paragraph.text):
            continue
        for start, end in paragraph.sentences():
            sentence = paragraph.text[start:end]
            if OTHER_NETWORK.search(sentence) and not SLIRP.search(sentence):
                continue
            found = list(IPV4.finditer(sentence))
            for index, address in enumerate(found):
                before = sentence[found[index - 1].end() if index else 0:address.start()]
                after = sentence[address.end():found[index + 1].start() if index + 1 < len(found) else len(sentence)]
                roles = list(ROLE.finditer(before)) or list(ROLE.finditer(after))[:1]
                if not roles:
                    continue
                role = roles[-1].lastgroup
                expected = ADDRESSES[role]
                if address.group() == expected or role == "guest" and address.group() in GUEST_LEASES \
                        and ANOTHER.search(sentence):
                    continue
                span = paragraph.span(start + address.start(), start + address.end())
                yield ctx.finding(
                    span,
                    f"the comment gives {address.group()} as QEMU SLIRP's {roles[-1].group()} but it is "
                    f"{expected}: QEMU user-mode networking puts the gateway and DHCP server at 10.0.2.2, "
                    f"DNS at 10.0.2.3 and the guest at 10.0.2.15",
                    Fix(f"write {expected}", (Edit(span, expected),)))
