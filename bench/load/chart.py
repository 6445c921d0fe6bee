#!/usr/bin/env python3
# Draws commit-to-receipt latency against subscriber count from `run.sh sweep --json FILE`: an SVG written
# here by hand (no plotting library needed) and, when Chromium is installed, a PNG screenshot of it.
# Usage: bench/load/chart.py SWEEP.json OUT.png [OUT.svg]   (the SVG is kept only if asked for, or if there is
# no Chromium to turn it into the PNG)
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

W, H = 900, 520
LEFT, RIGHT, TOP, BOTTOM = 80, 210, 60, 70


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: chart.py SWEEP.json OUT.png [OUT.svg]", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        data = json.load(f)
    points = data["runs"][0]["points"]
    mach = data.get("machine", {})
    xs = [p["clients"] for p in points]
    series = [
        ("server p99", "p99_ms", "#d62728", False),
        ("server p50", "p50_ms", "#1f77b4", False),
        ("raw floor p99", "raw_p99_ms", "#7f7f7f", True),
        ("raw floor p50", "raw_p50_ms", "#bcbcbc", True),
    ]
    targets = [(1, 10), (1000, 25), (10000, 150)]
    ys = [p[k] for _, k, _, _ in series for p in points if p.get(k)] + [t for _, t in targets]
    xmin, xmax = 1, max(xs + [x for x, _ in targets]) * 1.3
    ymin = 10 ** math.floor(math.log10(max(0.01, min(ys))))
    ymax = 10 ** math.ceil(math.log10(max(ys) * 1.2))

    def px(x):
        return LEFT + (math.log10(max(x, xmin)) - math.log10(xmin)) / (math.log10(xmax) - math.log10(xmin)) * (W - LEFT - RIGHT)

    def py(y):
        return H - BOTTOM - (math.log10(max(y, ymin)) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin)) * (H - TOP - BOTTOM)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="DejaVu Sans, sans-serif" font-size="13">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="28" font-size="17" font-weight="bold">Live fan-out: commit to receipt against subscribers</text>',
           f'<text x="{LEFT}" y="47" fill="#555">100 rows/s for 20 s per count, one run; server and load client pinned to separate cores '
           f'({mach.get("nproc", "?")} x {mach.get("cpu", "?")}; load avg at start {mach.get("load_avg", [0])[0]:.1f})</text>']
    # Grid and axes.
    d = ymin
    while d <= ymax * 1.001:
        y = py(d)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{d:g}</text>')
        d *= 10
    for x in [1, 10, 100, 1000, 10000]:
        if x <= xmax:
            X = px(x)
            out.append(f'<line x1="{X:.1f}" y1="{TOP}" x2="{X:.1f}" y2="{H - BOTTOM}" stroke="#e5e5e5"/>')
            out.append(f'<text x="{X:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">{x:,}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 22}" text-anchor="middle">subscribers (log scale)</text>')
    out.append(f'<text transform="translate(22,{(TOP + H - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">'
               f'latency, ms (log scale)</text>')
    # Targets.
    for x, t in targets:
        X, Y = px(x), py(t)
        out.append(f'<path d="M{X - 7:.1f},{Y:.1f} L{X + 7:.1f},{Y:.1f} M{X:.1f},{Y - 7:.1f} L{X:.1f},{Y + 7:.1f}" '
                   f'stroke="#2ca02c" stroke-width="2.5"/>')
        right = X > LEFT + 0.6 * (W - LEFT - RIGHT)  # near the legend: label to the left of the mark
        anchor = "end" if right else "start"
        out.append(f'<text x="{X - 9 if right else X + 9:.1f}" y="{Y - 6:.1f}" fill="#2ca02c" font-size="11" '
                   f'text-anchor="{anchor}">p99 target {t} ms</text>')
    # Series.
    ly = TOP + 10
    for name, key, color, dashed in series:
        pts = [(px(p["clients"]), py(p[key])) for p in points if p.get(key)]
        if not pts:
            continue
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.2"{dash} points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
        out.append(f'<line x1="{W - RIGHT + 15}" y1="{ly}" x2="{W - RIGHT + 45}" y2="{ly}" stroke="{color}" stroke-width="2.2"{dash}/>')
        out.append(f'<text x="{W - RIGHT + 52}" y="{ly + 4}">{name}</text>')
        ly += 22
    out.append(f'<text x="{W - RIGHT + 15}" y="{ly + 8}" fill="#2ca02c">+ targets</text>')
    out.append(f'<text x="{W - RIGHT + 15}" y="{ly + 34}" fill="#555" font-size="11">raw floor: a trivial sender,</text>')
    out.append(f'<text x="{W - RIGHT + 15}" y="{ly + 49}" fill="#555" font-size="11">same frames, same sockets,</text>')
    out.append(f'<text x="{W - RIGHT + 15}" y="{ly + 64}" fill="#555" font-size="11">coalesced per pass</text>')
    out.append("</svg>")
    png = sys.argv[2]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    keep_svg = len(sys.argv) == 4 or not browser
    svg = sys.argv[3] if len(sys.argv) == 4 else os.path.splitext(png)[0] + ".svg"
    if keep_svg:
        with open(svg, "w") as f:
            f.write("\n".join(out) + "\n")
    if not browser:
        print(f"wrote {svg} (no chromium: no PNG)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if not keep_svg:
            svg = os.path.join(tmp, "chart.svg")
            with open(svg, "w") as f:
                f.write("\n".join(out) + "\n")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--hide-scrollbars", f"--user-data-dir={tmp}", f"--screenshot={os.path.abspath(png)}",
                        f"--window-size={W},{H}", "file://" + os.path.abspath(svg)],
                       check=True, capture_output=True, timeout=120)
    print(f"wrote {png}" + (f" and {svg}" if keep_svg else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
