"""Headless Chromium for checking rendered pages: the docs site and the usage report.

Uses Debian's ``chromium`` with no network and a throwaway profile, so a check sees only
what the page itself carries (both pages are self-contained files).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # No network: a page that needs anything but its own file fails to draw.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


class BrowserError(RuntimeError):
    """Chromium is missing or failed to render a page."""


def chromium_executable() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError("Chromium was not found on PATH: install Debian's `chromium` package (make system-deps).")


def _page_address(page: str | Path) -> str:
    text = str(page)
    if "://" in text:
        return text
    path, _, fragment = text.partition("#")
    address = Path(path).resolve().as_uri()
    return f"{address}#{fragment}" if fragment else address


def _run(page: str | Path, extra: list[str], *, wait_ms: int, timeout_s: float) -> str:
    with tempfile.TemporaryDirectory(prefix="uw-chromium-") as profile:
        cmd = [
            chromium_executable(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={wait_ms}",
            *extra,
            _page_address(page),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"Chromium did not finish rendering {page} within {timeout_s:.0f} s") from exc
    if done.returncode != 0:
        raise BrowserError(f"Chromium failed on {page} (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def render_dom(page: str | Path, *, wait_ms: int = 10_000, timeout_s: float = 180) -> str:
    """The page's DOM after its scripts ran for ``wait_ms`` of virtual time, as HTML.

    ``page`` is a file path (optionally with ``#fragment``) or a URL.
    """
    return _run(page, ["--dump-dom"], wait_ms=wait_ms, timeout_s=timeout_s)


def screenshot(
    page: str | Path,
    out_png: str | Path,
    *,
    width: int = 1400,
    height: int = 1000,
    wait_ms: int = 10_000,
    timeout_s: float = 180,
) -> Path:
    """Render ``page`` and save a PNG screenshot of the viewport to ``out_png``."""
    out = Path(out_png).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(page, [f"--screenshot={out}", f"--window-size={width},{height}"], wait_ms=wait_ms, timeout_s=timeout_s)
    if not out.exists() or out.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote no screenshot of {page} to {out}")
    return out
