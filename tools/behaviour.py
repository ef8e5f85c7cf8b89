#!/usr/bin/env python3
"""Build doc/behaviour.md's matrix from nemesis campaign output.

    tools/behaviour.py > doc/behaviour.md                 (the runs kept in doc/runs/: RUNS)
    tools/behaviour.py NAME=LOG [NAME=LOG...]             (other runs)
    tools/behaviour.py --trim LOG > doc/runs/NAME.log     (the lines it reads, to keep)

Each LOG is the output of tests/net/nemesis/nemesis.sh (the meson test's log, or a long run's).
Per fault kind: what vipd does (the text below), how many rounds injected it, on db's holder or
on another node, the client's outage (median and worst, ms; the round's probe, which runs
across the fault and its healing), duplicates seen by the probe, and failed checks. A kind
that is not described here is listed with "?" so a new kind cannot go unnoticed.
"""
import os
import re
import statistics
import sys

DOES = {
    "vipd-kill": "kill -9 of a vipd: its owned nftables tables vanish with it, so the gate drops "
                 "its VIPs at once; the others see the process leave and the next in policy "
                 "takes over; the restarted vipd starts empty",
    "vipd-stop": "SIGSTOP of a vipd (80-900 ms): its lease runs out (150 ms) and the kernel gate "
                 "drops its VIPs; the others take over only once that lease has certainly run "
                 "out; resumed, it follows the agreed table",
    "link": "the node's link down: vipd gives up the VIPs on that link at the link event; "
            "corosync sees the node go and the others take over once its lease has run out",
    "partition": "the node cut off both ways: the minority loses quorum and removes its VIPs at "
                 "once; the majority takes over once the lease has run out",
    "asym": "one direction dropped: corosync's ring breaks, the membership settles without the "
            "node; as a partition",
    "corosync-kill": "kill -9 of a corosync: its vipd loses the engine and drops every VIP at "
                     "once; it reconnects when corosync is back",
    "all-vipd": "every vipd killed at once: every gate closes; the restarted vipds start from an "
                "empty table and the application claims again",
    "netem": "30 % loss and 50 +- 50 ms delay on one link: corosync retransmits; a view change "
             "when the token is lost; renewals may come late, the lease margin absorbs it",
    "cpu-starve": "a vipd starved of CPU past its lease: the kernel lease expires and the gate "
                  "drops its VIPs; the others take over after the lease",
    "nft-flush": "nft flush ruleset on the holder: vipd sees vipd_gate deleted (nf_tables "
                 "events), gives up every VIP it holds at once, rebuilds the gate, logs it",
    "flush-hang": "the flush, then the holder's vipd hangs: it gave up its VIPs on the flush "
                  "notice if it ran before the hang; else its owned vipd_lease tables keep "
                  "gating when the lease ends",
    "hang-flush": "the holder's vipd hangs, then the flush: it cannot notice; its owned "
                  "vipd_lease tables (a flush leaves them) drop its VIPs when the lease ends; "
                  "on resume it gives up and rebuilds the gate",
}

# the runs doc/behaviour.md is made of (paths from the top of the tree); lint checks it
RUNS = [
    "fixed-seed run (meson test nemesis, ASan+UBSan build)=doc/runs/nemesis-seed20.log",
    "long run (every kind; its netem rounds were 30 % loss without delay: the bed's netem relay "
    "came after it)=doc/runs/nemesis-long.log",
    "long run, no vipd restarted (every kind but vipd-kill and all-vipd, so the same three vipds "
    "lived the whole hour; netem with 50 +- 50 ms delay)=doc/runs/nemesis-rss.log",
]

ROUND = re.compile(r"^== round (\d+) \([^)]*\): (\S+) on (\S+)(?:, (\S+) on (\S+))?, "
                   r"(\d+) ms \(db at (\S+)\)")
FIGURE = re.compile(r"^\s+FIGURE (\S+): outage_ms=([\d.]+) dup=(\d+)")
FAIL = re.compile(r"^FAIL: round (\d+)")
HEAD = re.compile(r"^nemesis: seed (\d+), (\d+) rounds in (\d+) s")


def parse(path):
    """Rounds of one log: dicts with kind, on_holder, outage, dup, fails."""
    rounds, cur, fails, head = [], None, {}, ""
    with open(path, errors="replace") as f:
        for line in f:
            m = ROUND.match(line)
            if m:
                holder = m.group(7)
                cur = {"on_holder": m.group(3) == holder or m.group(5) == holder}
                continue
            m = FIGURE.match(line)
            if m and cur is not None:
                cur.update(kind=m.group(1), outage=float(m.group(2)), dup=int(m.group(3)))
                rounds.append(cur)
                cur = None
                continue
            m = FAIL.match(line)
            if m:
                fails[int(m.group(1))] = fails.get(int(m.group(1)), 0) + 1
            m = HEAD.match(line)
            if m:
                head = f"seed {m.group(1)}, {m.group(2)} rounds in {m.group(3)} s"
    for i, r in enumerate(rounds, 1):
        r["fails"] = fails.get(i, 0)
    return rounds, head


def cell(xs):
    if not xs:
        return "-"
    return f"{statistics.median(xs):.0f} / {max(xs):.0f}"


def table(rounds, kinds):
    print("| fault | what vipd does | rounds (on holder) | outage on holder, median / worst ms "
          "| outage elsewhere, median / worst ms | duplicates | failed checks |")
    print("|---|---|---|---|---|---|---|")
    for k in kinds:
        rs = [r for r in rounds if r["kind"] == k]
        on = [r["outage"] for r in rs if r["on_holder"]]
        off = [r["outage"] for r in rs if not r["on_holder"]]
        does = DOES.get(k, "both faults at once" if "+" in k else "?")
        print(f"| `{k}` | {does} | {len(rs)} ({len(on)}) | {cell(on)} | {cell(off)} "
              f"| {sum(r['dup'] for r in rs)} | {sum(r['fails'] for r in rs)} |")


KEEP = re.compile(r"^(== round |\s+FIGURE |FAIL: |nemesis: |\s+ARP for |vipd RSS|  r\d+ |campaign probe: )")
RSS = re.compile(r"^  r(\d+) (.*)$")


def rss_lives(path):
    """Each vipd's RSS series from the log's RSS lines: [(node, [(round, kB)...])...], a new
    series wherever a sample is marked * (a new vipd)."""
    lives, cur = [], {}
    with open(path, errors="replace") as f:
        for line in f:
            m = RSS.match(line)
            if not m:
                continue
            for w in m.group(2).split():
                node, _, v = w.partition("=")
                if not v.rstrip("*").isdigit():
                    continue
                if v.endswith("*") or node not in cur:
                    cur[node] = []
                    lives.append((node, cur[node]))
                cur[node].append((int(m.group(1)), int(v.rstrip("*"))))
    return lives


def rss_section(path):
    lives = sorted(rss_lives(path), key=lambda x: -len(x[1]))[:3]
    if not lives:
        return
    print("Resident memory of the three longest-lived vipds (VmRSS, kB, after the round):\n")
    print("| node | rounds | first | a quarter in | half-way | three quarters | last | max |")
    print("|---|---|---|---|---|---|---|---|")
    for node, xs in lives:
        kb = [v for _, v in xs]
        q = [kb[min(len(kb) - 1, len(kb) * i // 4)] for i in (1, 2, 3)]
        print(f"| {node} | r{xs[0][0]}-r{xs[-1][0]} | {kb[0]} | {q[0]} | {q[1]} | {q[2]} "
              f"| {kb[-1]} | {max(kb)} |")
    print()


def trim(path):
    """The lines of a log that the matrix and the RSS series need (to keep in doc/runs/)."""
    with open(path, errors="replace") as f:
        sys.stdout.writelines(line for line in f if KEEP.match(line))


def main(args):
    if args[:1] == ["--trim"] and len(args) == 2:
        return trim(args[1])
    if not args:
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        args = [r.replace("=", "=" + top + "/", 1) for r in RUNS]
    if any("=" not in a for a in args):
        sys.exit("usage: behaviour.py NAME=LOG [NAME=LOG...] | behaviour.py --trim LOG")
    print("# What each fault costs\n")
    print("Produced by `tools/behaviour.py` from the output of the fault campaign "
          "(tests/net/nemesis, doc/nemesis.md): a 3-node bed, lease 150 ms, corosync token "
          "300 ms, a client probing `db` every millisecond. *Outage* is the longest time the "
          "client got no answer in the round (fault, healing and the operator's move "
          "included); *duplicates* counts answers from two holders within 1 s (must be 0). "
          "Rounds with two faults at once are listed in their own rows.\n")
    for a in args:
        name, path = a.split("=", 1)
        rounds, head = parse(path)
        single = sorted({r["kind"] for r in rounds if "+" not in r["kind"]})
        combo = sorted({r["kind"] for r in rounds if "+" in r["kind"]})
        print(f"## {name}\n\n{head}; {sum(r['dup'] for r in rounds)} duplicates in "
              f"{len(rounds)} rounds.\n")
        table(rounds, single)
        if combo:
            print("\nTwo faults at once:\n")
            table(rounds, combo)
        print()
        rss_section(path)


if __name__ == "__main__":
    main(sys.argv[1:])
