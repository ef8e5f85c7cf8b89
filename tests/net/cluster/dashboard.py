#!/usr/bin/python3
# The Grafana dashboard (dist/grafana/vipd-dashboard.json) against real
# scrapes of vipd's metrics (a directory of files T.NODE, each the text of
# `vipctl metrics` on NODE at unix time T, parsed with prometheus_client).
#
#   dashboard.py check DASHBOARD DIR       every query must parse (the
#       small PromQL subset below), name only metrics vipd exports, and give
#       at least one series over the scrapes; exit 1 naming the panel.
#   dashboard.py render DASHBOARD DIR PNG  draws each panel's queries as
#       evaluated here with matplotlib, laid out by the dashboard's gridPos:
#       a rendering of the queries, not a Grafana screenshot.
#
# The subset: [sum|min|max by (L, ...) (] INNER [)], INNER one of NAME{M},
# rate(NAME{M}[W]) or increase(NAME{M}[W]); M: label="v" or label=~"re";
# $vip is "all" (.*), $__rate_interval is 4 scrapes.
import collections
import os
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

AGG = re.compile(r'^(sum|min|max) by \(([\w, ]*)\) \((.*)\)$')
FUNC = re.compile(r'^(rate|increase)\((.*)\[([^\]]+)\]\)$')
SEL = re.compile(r'^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$')
MATCH = re.compile(r'\s*(\w+)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def load(d):
    """{node: [(t, {(name, labels-tuple): value})]} sorted by t; names."""
    scrapes, names = collections.defaultdict(list), set()
    for f in os.listdir(d):
        t, node = f.rsplit(".", 1)
        with open(os.path.join(d, f)) as fh:
            text = fh.read()
        if not text.strip():
            continue
        samples = {}
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                names.add(s.name)
                lab = dict(s.labels, instance=node)
                samples[(s.name, tuple(sorted(lab.items())))] = s.value
        scrapes[node].append((float(t), samples))
    for v in scrapes.values():
        v.sort(key=lambda x: x[0])
    return scrapes, names


def parse(expr):
    """(agg, by, func, name, matchers) or ValueError."""
    expr = expr.replace("$vip", ".*").strip()
    agg = by = func = None
    m = AGG.match(expr)
    if m:
        agg, by, expr = m.group(1), [x.strip() for x in m.group(2).split(",") if x.strip()], m.group(3)
    m = FUNC.match(expr)
    if m:
        func, expr = m.group(1), m.group(2)
    m = SEL.match(expr.strip())
    if not m:
        raise ValueError(f"not in the subset: {expr!r}")
    matchers, rest = [], m.group(2) or ""
    while rest.strip():
        mm = MATCH.match(rest)
        if not mm:
            raise ValueError(f"bad matcher: {rest!r}")
        matchers.append((mm.group(1), mm.group(2), mm.group(3)))
        rest = rest[mm.end():]
    return agg, by, func, m.group(1), matchers


def selected(samples, name, matchers):
    for (n, lab), v in samples.items():
        d = dict(lab)
        if n != name:
            continue
        if all((d.get(k, "") == val) if op == "=" else re.fullmatch(val, d.get(k, ""))
               for k, op, val in matchers):
            yield lab, v


def evaluate(q, scrapes, window=4):
    """{series labels: [(t, value)]} at every scrape of every node."""
    agg, by, func, name, matchers = q
    out = collections.defaultdict(dict)
    for node, seq in scrapes.items():
        for i, (t, samples) in enumerate(seq):
            if func and i < window:
                continue
            for lab, v in selected(samples, name, matchers):
                if func:
                    t0, old = seq[i - window]
                    v0 = old.get((name, lab))
                    if v0 is None:
                        continue
                    inc = v - v0 if v >= v0 else v  # a restart reset it
                    v = inc / (t - t0) if func == "rate" else inc
                out[lab][round(t, 1)] = v
    if not agg:
        return {k: sorted(v.items()) for k, v in out.items()}
    groups = collections.defaultdict(lambda: collections.defaultdict(list))
    for lab, pts in out.items():
        d = dict(lab)
        key = tuple((k, d.get(k, "")) for k in by)
        for t, v in pts.items():
            groups[key][t].append(v)
    f = {"sum": sum, "min": min, "max": max}[agg]
    return {k: sorted((t, f(vs)) for t, vs in pts.items()) for k, pts in groups.items()}


def targets(dash):
    for p in dash["panels"]:
        for t in p.get("targets", []):
            yield p, t


def check(dash, scrapes, names):
    bad = 0
    for p, t in targets(dash):
        try:
            q = parse(t["expr"])
        except ValueError as e:
            print(f"FAIL: panel '{p['title']}': {e}")
            bad += 1
            continue
        if q[3] not in names:
            print(f"FAIL: panel '{p['title']}': {q[3]} is not a metric vipd exports")
            bad += 1
        elif not evaluate(q, scrapes):
            print(f"FAIL: panel '{p['title']}': {t['expr']} gives no series")
            bad += 1
        else:
            print(f"ok: panel '{p['title']}': {q[3]}")
    return bad


def legend(fmt, lab):
    return re.sub(r"\{\{(\w+)\}\}", lambda m: dict(lab).get(m.group(1), ""), fmt)


def render(dash, scrapes, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    fig = plt.figure(figsize=(18, rows * 0.55))
    gs = fig.add_gridspec(rows, 24, hspace=2.2, wspace=1.2, top=0.96)
    t0 = min(seq[0][0] for seq in scrapes.values())
    for p in dash["panels"]:
        g = p["gridPos"]
        ax = fig.add_subplot(gs[g["y"]:g["y"] + g["h"] - 1, g["x"]:g["x"] + g["w"]])
        ax.set_title(p["title"], fontsize=10, loc="left")
        for ti, t in enumerate(p["targets"]):
            series = evaluate(parse(t["expr"]), scrapes)
            for li, (lab, pts) in enumerate(sorted(series.items())):
                xs = [x - t0 for x, _ in pts]
                ys = [y for _, y in pts]
                name = legend(t.get("legendFormat", ""), lab)
                if p["type"] == "state-timeline":
                    on = [x for x, y in zip(xs, ys) if y]
                    ax.scatter(on, [dict(lab).get("vip")] * len(on), s=12,
                               marker="s", label=name)
                else:
                    ax.plot(xs, ys, label=name, linewidth=1.2,
                            linestyle="-" if ti == 0 else "--")
        ax.tick_params(labelsize=7)
        ax.set_xlabel("s", fontsize=7)
        ax.grid(alpha=0.3)
        h, lbl = ax.get_legend_handles_labels()
        if h:
            ax.legend(fontsize=6, ncol=3, loc="upper left")
    fig.suptitle("dist/grafana/vipd-dashboard.json: each panel's queries evaluated over "
                 "metrics scraped from a 3-node bed run (matplotlib, not Grafana)",
                 fontsize=11, y=0.985)
    fig.savefig(png, dpi=80, bbox_inches="tight")


def main():
    import json
    mode, dash_path, d = sys.argv[1:4]
    dash = json.load(open(dash_path))
    scrapes, names = load(d)
    if mode == "check":
        sys.exit(1 if check(dash, scrapes, names) else 0)
    render(dash, scrapes, sys.argv[4])


if __name__ == "__main__":
    main()
