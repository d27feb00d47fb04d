"""Screenshots of a run's pages in headless Chromium, to look at what a reader sees.

    python tools/screenshot_run.py runs/2023-10 [--out shots/] [--width 1300 --height 2400]

Needs Debian's `chromium` (`apt-get install chromium`); takes one PNG of `index.html` and
of each notebook's HTML page. Chromium runs with a fresh profile and no background
networking (this workplace's network is closed). The pages of the run's `rapport.pdf`
(`romlab run --pdf`) are drawn too, one PNG per page, when `pypdfium2` is importable
(`pip install pypdfium2 pillow`: a tool's need, not romlab's).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a run folder, e.g. runs/2023-10")
    ap.add_argument("--out", default=None, help="where the PNGs go (default: <run>/screenshots)")
    ap.add_argument("--width", type=int, default=1300)
    ap.add_argument("--height", type=int, default=2400)
    args = ap.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    run = Path(args.run).resolve()
    out = Path(args.out or run / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    pages = [run / "index.html", *sorted(p for p in run.glob("*.html") if p.name != "index.html")]
    with tempfile.TemporaryDirectory() as profile:
        for page in pages:
            png = out / f"{page.stem}.png"
            subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={args.width},{args.height}",
                            f"--screenshot={png}", page.as_uri()], check=True, capture_output=True, timeout=120)
            print(png)
    pdf = run / "rapport.pdf"
    if pdf.is_file():
        _pdf_pages(pdf, out)
    return 0


def _pdf_pages(pdf: Path, out: Path, scale: float = 1.2) -> None:
    """One PNG per page of `pdf` (rapport-01.png, …), with pypdfium2 if it is there."""
    try:
        import pypdfium2
    except ImportError:
        print(f"{pdf.name}: pip install pypdfium2 pillow to draw its pages", file=sys.stderr)
        return
    doc = pypdfium2.PdfDocument(str(pdf))
    for i in range(len(doc)):
        png = out / f"rapport-{i + 1:02d}.png"
        doc[i].render(scale=scale).to_pil().save(png)
        print(png)


if __name__ == "__main__":
    sys.exit(main())
