#!/usr/bin/env python3
"""Shuffles NDJSON audit records locally: records are cut into consecutive blocks whose event
times span at most --max-shift-seconds, and each block is shuffled (seeded, reproducible). No
record moves past another whose time differs by more than the bound, so a detector with an
allowed lateness above (input lateness + bound) must produce the same alerts."""
import argparse
import datetime
import json
import random
import sys


def event_time(line):
    t = json.loads(line)["time"]
    t = t.rstrip("Z")
    if "." in t:
        head, frac = t.split(".", 1)
        t = head + "." + frac[:6]
    return datetime.datetime.fromisoformat(t).timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-shift-seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    block, lo, hi = [], None, None
    out = sys.stdout

    def flush():
        rng.shuffle(block)
        out.writelines(block)
        block.clear()

    for line in sys.stdin:
        if not line.strip():
            continue
        t = event_time(line)
        if block and (max(hi, t) - min(lo, t) > args.max_shift_seconds):
            flush()
        if not block:
            lo = hi = t
        lo, hi = min(lo, t), max(hi, t)
        block.append(line if line.endswith("\n") else line + "\n")
    flush()


if __name__ == "__main__":
    main()
