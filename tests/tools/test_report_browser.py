"""The report's pages in headless Chromium: they load without console messages, draw something,
and the entity lookup's script builds the facts table. Skips only where no Chromium is installed
(`.ci/run` installs Debian's `chromium` package when it is missing)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kgprep.cli import main

BROWSER = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                if (path := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed")

# With --enable-logging=stderr, Chromium logs every console message and uncaught exception of the
# page as an INFO:CONSOLE line (console.log and console.error alike), so any such line fails.


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}",
         "--window-size=1200,900", *extra, url],
        capture_output=True, text=True, timeout=120, check=False)


def load(url: str, tmp: Path) -> tuple[list[str], Path]:
    """Console messages of the page and its screenshot's path."""
    shot = tmp / "shot.png"
    shot.unlink(missing_ok=True)
    done = chromium(url, tmp / "profile", f"--screenshot={shot}")
    assert shot.is_file(), done.stderr[-2000:]
    return [line for line in done.stderr.splitlines()
            if ":CONSOLE" in line or "Uncaught" in line], shot


def dom(url: str, tmp: Path) -> str:
    return chromium(url, tmp / "profile", "--dump-dom").stdout


def drawn(png: Path) -> tuple[int, float]:
    """Distinct colours in the screenshot and the share of pixels that are not the background."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 24) or []
    background = max(colours)[1] if colours else (0, 0, 0)
    pixels = image.width * image.height
    return len(colours), 1 - sum(c for c, rgb in colours if rgb == background) / pixels


def test_the_checks_catch_a_broken_or_blank_page(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><p>x</p><script>notDefined();</script>"
                      "</body></html>", encoding="utf-8")
    messages, shot = load(broken.as_uri(), tmp_path)
    assert any("notDefined" in m for m in messages)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    messages, shot = load(blank.as_uri(), tmp_path)
    assert messages == [] and drawn(shot)[1] == 0


@pytest.mark.parametrize("page", ["index.html", "entities.html"])
def test_report_pages_load_cleanly_and_are_not_blank(sample_run, tmp_path, page):
    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    assert main(["report", str(pipeline)]) == 0
    messages, shot = load((sample_run / "report" / page).as_uri(), tmp_path)
    assert messages == []
    colours, ink = drawn(shot)
    assert colours > 50 and ink > 0.02, (colours, ink)


def test_entity_lookup_script_builds_the_facts_of_the_asked_entity(sample_run, tmp_path):
    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    assert main(["report", str(pipeline)]) == 0
    page = sample_run / "report" / "entities.html"
    html = dom(page.as_uri() + "#Voyager%201", tmp_path)
    detail = html[html.index('id="detail"'):]
    assert "<h2>Voyager 1</h2>" in detail
    # The facts table: NASA launched Voyager 1, the sentence with both arguments marked.
    assert re.search(r'<mark class="subj">NASA</mark> launched <mark class="obj">Voyager 1</mark>',
                     detail)
    assert "astro-028" in detail
    # The search list holds every listed entity when the box is empty (up to 30).
    assert html.count("<li>") == 30
