#!/usr/bin/env python3
"""Writes the windows of real-format transcript lines in fuzz/corpus/transcript/ from a corpus made by
bench's generator (agentpulse-make-corpus: every simulated agent, in the formats of docs/formats.md):
    build/agentpulse-make-corpus --out /tmp/c --bytes 400K --files 12 --seed 7 --share claude=0.6 --share codex=0.4 --days 2
    fuzz/make_seeds.py /tmp/c
The hand-written seeds beside them (edge cases) are kept in the repository as they are."""
import hashlib, os, sys

src, out = sys.argv[1], os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "transcript")
n = 0
for root, _, files in sorted(os.walk(src)):
    for name in sorted(files):
        lines = open(os.path.join(root, name), "rb").read().split(b"\n")
        agent = os.path.relpath(root, src).split(os.sep)[0]  # the corpus has a folder per agent
        kind = "subagent" if "subagents" in root else agent
        for start in range(0, len(lines), 9):
            window = b"\n".join(lines[start:start + 6]).strip(b"\n") + b"\n"
            if len(window) > 12000 or len(window) < 2:
                continue
            digest = hashlib.sha1(window).hexdigest()[:10]
            open(os.path.join(out, f"gen-{kind}-{digest}.jsonl"), "wb").write(window)
            n += 1
print(f"{n} seeds written to {out}")
