"""Where the browser tests' files are: the repository, test apps, fake microphones, Chromium."""

from __future__ import annotations

from pathlib import Path

BROWSER_TESTS_DIR = Path(__file__).resolve().parents[1]
"""``tests/browser``."""
REPO_ROOT = BROWSER_TESTS_DIR.parents[1]
CHROMIUM_PATH = Path("/usr/bin/chromium")
APPS_DIR = BROWSER_TESTS_DIR / "apps"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "browser"
DEFAULT_FAKE_MIC_WAV = FIXTURES_DIR / "speech_pause.wav"
LOOPBACK_SITE_DIR = BROWSER_TESTS_DIR / "loopback_site"
"""Its ``sitecustomize.py`` confines a server's aioice to 127.0.0.1 (see ``LOOPBACK_ENV``)."""
