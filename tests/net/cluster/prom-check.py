#!/usr/bin/python3
# Parses Prometheus text (stdin) with prometheus_client's own parser and
# prints one line per sample: NAME{k="v",...} VALUE, labels sorted, so a
# shell test can grep them.  Exits 1 (with the parser's error) on text the
# parser refuses, or on a family without HELP or TYPE.
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
try:
    families = list(text_string_to_metric_families(text))
except Exception as e:  # the parser raises ValueError and others
    print(f"prom-check: not valid exposition format: {e}", file=sys.stderr)
    sys.exit(1)
for f in families:
    if not f.documentation or f.type == "unknown":
        print(f"prom-check: {f.name} has no HELP or TYPE", file=sys.stderr)
        sys.exit(1)
    for s in f.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value:g}")
