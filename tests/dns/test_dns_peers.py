"""The DNS demos against real peers on 127.0.0.1: dig 9.18 as a client of each demo server, and unbound 1.17 as a
recursive resolver whose only way into the DNS is the demo's root server.

Each test asserts what a real peer needs (issue 13, F1-F4). Without dig or unbound the tests skip with one
line saying what to install; with CI=true they fail instead.

unbound follows a referral's glue to port 53, as every resolver does: a delegation carries no port. The demo's
servers share 127.0.0.1 on ports the OS picked, so unbound gets the same strict table the demo resolver uses
(NS name -> loopback port), written as stub zones; with only the root as a stub it can prime and ask the root,
but it would look for the `test.` server on 127.0.0.1 port 53. In `make test`'s private network namespace (as
root) one server at a time can have 127.0.0.1 port 53, so the last two tests let unbound follow each referral
of the chain through its glue: root -> `test.`, then `test.` -> `example.test.`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from snippets.dns.dns_servers import EXAMPLE, ROOT, TLD, DNSHierarchy, ZoneServer
from tests.peers import missing_peer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def hierarchy() -> Iterator[DNSHierarchy]:
    with DNSHierarchy() as running:
        yield running


def dig(address: tuple[str, int], *args: str) -> str:
    """dig's full output for one question to one demo server; never the system's resolver."""
    if shutil.which("dig") is None:
        missing_peer("DNS", "dig", "apt-get install dnsutils")
    host, port = address
    assert host == "127.0.0.1"
    done = subprocess.run(
        ["dig", f"@{host}", "-p", str(port), "+tries=1", "+time=3", "+norec", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def header(output: str) -> tuple[str, set[str]]:
    """The status and the set of flags dig printed."""
    status = re.search(r"status: (\w+)", output)
    flags = re.search(r";; flags:([a-z ]*);", output)
    assert status and flags, output
    return status[1], set(flags[1].split())


def answers(output: str) -> list[str]:
    """The answer section, one normalised line per record."""
    section = output.split(";; ANSWER SECTION:\n")[1].split("\n\n")[0] if "ANSWER SECTION" in output else ""
    return [" ".join(line.split()) for line in section.splitlines()]


def auth(hierarchy: DNSHierarchy) -> tuple[str, int]:
    return hierarchy.nameservers["ns1.example.test."]


# dig against each demo server


def test_dig_sees_an_authoritative_answer_without_ad_or_cd(hierarchy: DNSHierarchy) -> None:  # F1
    output = dig(auth(hierarchy), "www.example.test", "A", "+adflag", "+cdflag")
    assert header(output) == ("NOERROR", {"qr", "aa"})
    assert answers(output) == ["www.example.test. 300 IN A 127.0.0.1"]
    assert "WARNING" not in output.upper().replace("WARNING: RECURSION", "")


def test_dig_gets_the_root_ns_and_the_tld_soa(hierarchy: DNSHierarchy) -> None:  # F2
    root = dig(hierarchy.root, ".", "NS")
    assert header(root) == ("NOERROR", {"qr", "aa"})
    assert answers(root) == [". 518400 IN NS a.root-servers.test."]
    tld = hierarchy.nameservers["ns1.test."]
    assert answers(dig(tld, "test.", "SOA")) == [
        "test. 86400 IN SOA ns1.test. hostmaster.test. 1 1800 900 604800 86400"
    ]
    assert answers(dig(tld, "ns1.test.", "A")) == ["ns1.test. 86400 IN A 127.0.0.1"]


def test_dig_over_tcp(hierarchy: DNSHierarchy) -> None:  # F3
    output = dig(auth(hierarchy), "www.example.test", "+tcp")
    assert answers(output) == ["www.example.test. 300 IN A 127.0.0.1"]
    assert re.search(r";; SERVER: 127\.0\.0\.1#\d+\(127\.0\.0\.1\) \(TCP\)", output), output


@pytest.mark.parametrize("limit", ["+noedns", "+bufsize=512"])
def test_dig_sees_tc_when_the_answer_is_over_its_limit(hierarchy: DNSHierarchy, limit: str) -> None:  # F3
    truncated = dig(auth(hierarchy), "pool.example.test", limit, "+ignore")  # +ignore: do not retry over TCP
    status, flags = header(truncated)
    assert (status, "tc" in flags, answers(truncated)) == ("NOERROR", True, [])
    retried = dig(auth(hierarchy), "pool.example.test", limit)  # dig's default: the same question over TCP
    assert ";; Truncated, retrying in TCP mode." in retried
    assert len(answers(retried)) == 40


def test_dig_with_a_large_enough_edns_buffer_needs_no_tcp(hierarchy: DNSHierarchy) -> None:  # F3, F4
    output = dig(auth(hierarchy), "pool.example.test", "+bufsize=1232")
    assert "tc" not in header(output)[1]
    assert len(answers(output)) == 40
    assert "; EDNS: version: 0, flags:; udp: 1232" in output  # our OPT record answers dig's
    assert "OPT PSEUDOSECTION" not in dig(auth(hierarchy), "www.example.test", "+noedns")


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("www.example.test", "CH", "A"), "REFUSED"),  # no CHAOS-class data here
        (("www.example.test", "+opcode=status"), "NOTIMP"),
        (("+header-only",), "FORMERR"),  # a query without a question
        (("www.example.test", "+edns=1", "+noednsneg"), "BADVERS"),
    ],
)
def test_dig_odd_queries(hierarchy: DNSHierarchy, args: tuple[str, ...], status: str) -> None:  # F4
    output = dig(auth(hierarchy), *args)
    assert header(output)[0] == status
    assert "malformed" not in output and "Got bad packet" not in output


def test_dig_any_gets_every_rrset_at_the_name(hierarchy: DNSHierarchy) -> None:  # F4
    output = dig(auth(hierarchy), "example.test", "ANY")
    assert sorted(line.split()[3] for line in answers(output)) == ["A", "NS", "SOA"]


def test_dig_axfr_is_refused_cleanly(hierarchy: DNSHierarchy) -> None:  # F3, F4
    assert "; Transfer failed." in dig(auth(hierarchy), "example.test", "AXFR")


# unbound, a real recursive resolver, whose way in is the demo's root


def free_port() -> int:
    """A port number free for both UDP and TCP just now (unbound does not take port 0)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
            udp.bind(("127.0.0.1", 0))
            try:
                tcp.bind(("127.0.0.1", udp.getsockname()[1]))
            except OSError:
                continue
            return udp.getsockname()[1]
    raise OSError("no port free for both UDP and TCP")


def unbound_config(directory: Path, port: int, stubs: dict[str, tuple[str, int]], extra: str = "") -> str:
    # module-config "iterator": no DNSSEC validation, so no trust anchor (the demo zones are unsigned).
    # do-not-query-localhost: no -- every demo server is on 127.0.0.1.
    # local-zone "test." nodefault -- unbound answers RFC 6761's test. itself unless told not to.
    zones = "".join(f'stub-zone:\n  name: "{name}"\n  stub-addr: {h}@{p}\n' for name, (h, p) in stubs.items())
    return f"""server:
  interface: 127.0.0.1
  port: {port}
  do-ip6: no
  chroot: ""
  username: ""
  directory: "{directory}"
  pidfile: "{directory}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  module-config: "iterator"
  do-not-query-localhost: no
  local-zone: "test." nodefault
{extra}
{zones}"""


def ask_unbound(port: int, name: str, rdtype: str = "A") -> dns.message.Message:
    return dns.query.tcp(dns.message.make_query(name, rdtype), "127.0.0.1", port=port, timeout=10)


@pytest.fixture
def unbound() -> Iterator:
    """A function that starts unbound with the given stub zones; every unbound started is killed after the test."""
    if shutil.which("unbound") is None:
        missing_peer("DNS", "unbound", "apt-get install unbound")
    started: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:

        def start(stubs: dict[str, tuple[str, int]], extra: str = "") -> int:
            directory = Path(tmp) / str(len(started))
            directory.mkdir()
            port = free_port()
            (directory / "unbound.conf").write_text(unbound_config(directory, port, stubs, extra))
            process = subprocess.Popen(
                ["unbound", "-d", "-c", str(directory / "unbound.conf")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            started.append(process)
            for _ in range(100):  # ready when it answers; localhost. is one of its own local zones
                if process.poll() is not None:
                    pytest.fail(f"unbound exited with {process.returncode}: {process.stderr.read()}")
                try:
                    dns.query.udp(dns.message.make_query("localhost.", "A"), "127.0.0.1", port=port, timeout=0.2)
                    return port
                except (dns.exception.Timeout, ConnectionRefusedError):
                    time.sleep(0.1)
            pytest.fail("unbound did not answer within 30 s")

        try:
            yield start
        finally:
            for process in started:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                process.stderr.close()


def test_unbound_primes_from_the_demo_root(hierarchy: DNSHierarchy, unbound) -> None:  # F2
    before = len(hierarchy.queries()["."])
    port = unbound({".": hierarchy.root})  # the setup: the root is unbound's only way in
    reply = ask_unbound(port, ".", "NS")
    assert dns.rcode.to_text(reply.rcode()) == "NOERROR"
    assert [rr.to_text() for rrset in reply.answer for rr in rrset] == ["a.root-servers.test."]
    assert ". NS" in hierarchy.queries()["."][before:]  # the priming query (RFC 8109)
    nowhere = ask_unbound(port, "www.example.nowhere")
    assert dns.rcode.to_text(nowhere.rcode()) == "NXDOMAIN"
    assert [rrset.rdtype for rrset in nowhere.authority] == [dns.rdatatype.SOA]


def test_unbound_resolves_through_the_demo_servers(hierarchy: DNSHierarchy, unbound) -> None:  # F2, F3
    table = {".": hierarchy.root, **{server.zone.origin: server.address for server in hierarchy.servers.values()}}
    # edns-buffer-size 512: unbound offers 512 bytes, so the 40-address answer comes back with TC=1
    port = unbound(table, extra="  edns-buffer-size: 512")
    www = ask_unbound(port, "www.example.test")
    assert (dns.rcode.to_text(www.rcode()), [rrset.to_text() for rrset in www.answer]) == (
        "NOERROR",
        ["www.example.test. 300 IN A 127.0.0.1"],
    )
    soa = ask_unbound(port, "test.", "SOA")
    assert [rrset.rdtype for rrset in soa.answer] == [dns.rdatatype.SOA]
    assert [rr.address for rrset in ask_unbound(port, "ns1.test.").answer for rr in rrset] == ["127.0.0.1"]
    pool = ask_unbound(port, "pool.example.test")
    assert sorted(rr.address for rrset in pool.answer for rr in rrset) == sorted(f"127.0.0.{i}" for i in range(1, 41))
    assert "pool.example.test. A over TCP" in hierarchy.queries()["example.test."]  # unbound retried over TCP


@pytest.fixture
def port_53() -> None:
    """Port 53 only inside `make test`'s private network namespace, where nothing else can hold it."""
    if os.environ.get("INFRA_NOTES_HERMETIC") != "1" or os.geteuid() != 0:
        message = "port 53 needs root in a private network namespace: run them with `make test` as root"
        if os.environ.get("CI") == "true":
            pytest.fail(f"DNS peer tests cannot run in CI: {message}", pytrace=False)
        pytest.skip(f"DNS peer test skipped: {message}")


def test_unbound_follows_the_roots_referral_to_the_tld(unbound, port_53) -> None:  # F2
    with ZoneServer(ROOT) as root, ZoneServer(TLD, port=53) as tld:
        port = unbound({".": root.address})  # glue says ns1.test. is 127.0.0.1, and unbound asks port 53
        reply = ask_unbound(port, "test.", "SOA")
        assert [rrset.to_text() for rrset in reply.answer] == [
            "test. 86400 IN SOA ns1.test. hostmaster.test. 1 1800 900 604800 86400"
        ]
        assert ". NS" in root.resolver.queries  # primed first
        assert any(asked.startswith("test. ") for asked in tld.resolver.queries)  # then the referral, followed


def test_unbound_follows_the_tlds_referral_to_example_test(unbound, port_53) -> None:  # F2
    with ZoneServer(ROOT) as root, ZoneServer(TLD) as tld, ZoneServer(EXAMPLE, port=53) as example:
        port = unbound({".": root.address, "test.": tld.address})
        reply = ask_unbound(port, "www.example.test")
        assert [rrset.to_text() for rrset in reply.answer] == ["www.example.test. 300 IN A 127.0.0.1"]
        assert tld.resolver.queries  # unbound asked the TLD, got the referral with glue ...
        assert "www.example.test. A" in example.resolver.queries  # ... and followed it to port 53
