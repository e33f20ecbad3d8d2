"""Worker hosts in network namespaces for the partition test (Linux, root, iproute2).

Each host is a namespace joined to the root namespace by a veth pair on its own /30 of
10.231.<run>.0/24 (``run``: a block no other run's links use, so that runs do not collide):
host ``i``'s root end is ``.4i+1``, its own end ``.4i+2``. No route
leads anywhere else: a host reaches only the root namespace's address on its link.
Faults act on the root end of the link: ``cut`` (link down), ``slow`` (a token bucket
that holds the link to a trickle; the kernel here has no netem), ``heal``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

SUBNET = "10.231.0.0/16"


class NetnsError(RuntimeError):
    """A namespace, link or queueing discipline could not be set up."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)
    if check and proc.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)}: {proc.stderr.strip()}")
    return proc


def _tc(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["tc", *args], capture_output=True, text=True, timeout=20)
    if check and proc.returncode != 0:
        raise NetnsError(f"tc {' '.join(args)}: {proc.stderr.strip()}")
    return proc


@dataclass
class Host:
    index: int
    tag: str
    block: int  # the third octet: one /24 per run, one /30 per host in it

    @property
    def ns(self) -> str:
        return f"rq{self.tag}h{self.index}"

    @property
    def root_dev(self) -> str:
        return f"rq{self.tag}r{self.index}"  # at most 15 characters

    @property
    def host_dev(self) -> str:
        return f"rq{self.tag}n{self.index}"

    @property
    def root_addr(self) -> str:
        return f"10.231.{self.block}.{4 * self.index + 1}"

    @property
    def host_addr(self) -> str:
        return f"10.231.{self.block}.{4 * self.index + 2}"

    def create(self) -> None:
        _ip("netns", "add", self.ns)
        _ip("link", "add", self.root_dev, "type", "veth", "peer", "name", self.host_dev)
        _ip("link", "set", self.host_dev, "netns", self.ns)
        _ip("addr", "add", f"{self.root_addr}/30", "dev", self.root_dev)
        _ip("link", "set", self.root_dev, "up")
        _ip("-n", self.ns, "addr", "add", f"{self.host_addr}/30", "dev", self.host_dev)
        _ip("-n", self.ns, "link", "set", self.host_dev, "up")
        _ip("-n", self.ns, "link", "set", "lo", "up")

    def command(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *argv]

    def cut(self) -> None:
        _ip("link", "set", self.root_dev, "down")

    def slow(self, rate: str = "64kbit") -> None:
        # Packets beyond the bucket wait up to a second, then are dropped: a slow, lossy link.
        for dev, ns in ((self.root_dev, None), (self.host_dev, self.ns)):
            args = ["qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate,
                    "burst", "1600", "latency", "1s"]
            _tc(*(["-n", ns] if ns else []), *args)

    def heal(self) -> None:
        _tc("qdisc", "del", "dev", self.root_dev, "root", check=False)
        _tc("-n", self.ns, "qdisc", "del", "dev", self.host_dev, "root", check=False)
        _ip("link", "set", self.root_dev, "up")

    def destroy(self) -> None:
        _ip("link", "del", self.root_dev, check=False)  # removes its peer too
        _ip("netns", "del", self.ns, check=False)


def _free_block() -> int:
    """A third octet whose /24 no interface of the root namespace uses (another run's)."""
    start = os.getpid() % 250
    for k in range(250):
        block = (start + k) % 250
        used = _ip("-o", "addr", "show", "to", f"10.231.{block}.0/24").stdout.strip()
        if not used:
            return block
    raise NetnsError("every 10.231.x.0/24 block is in use")


def make_hosts(count: int) -> list[Host]:
    """``count`` hosts, named after this process so that runs never collide."""
    if os.geteuid() != 0:
        raise NetnsError("network namespaces need root")
    tag = f"{os.getpid() % 100000}"
    if count > 60:
        raise NetnsError("at most 60 hosts")
    block = _free_block()
    hosts = [Host(i, tag, block) for i in range(count)]
    made: list[Host] = []
    try:
        for host in hosts:
            made.append(host)
            host.create()
    except BaseException:
        for host in made:
            host.destroy()
        raise
    return hosts
