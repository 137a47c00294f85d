"""The built wheel ships the browser component, within its size budget."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD = "streamlit_rtc/streamlit/component_build/"
GZIP_BUDGET = 100 * 1024


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (REPO / BUILD / "index.html").is_file():
        pytest.fail("the component is not built: run `bash scripts/bootstrap.sh` first")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    (found,) = out.glob("streamlit_rtc-*.whl")
    return found


def test_the_wheel_contains_the_built_component(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert BUILD + "index.html" in names
        scripts = [n for n in names if n.startswith(BUILD) and n.endswith(".js")]
        assert scripts, names
        html = archive.read(BUILD + "index.html").decode()
        for script in scripts:
            assert script.rsplit("/", 1)[-1] in html or "assets/" in html
        assert not [n for n in names if "node_modules" in n or n.startswith("frontend/")]


def test_the_component_bundle_is_within_its_gzip_budget(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        total = sum(
            len(gzip.compress(archive.read(n), 9))
            for n in archive.namelist()
            if n.startswith(BUILD) and n.endswith((".js", ".css", ".html"))
        )
    assert 0 < total <= GZIP_BUDGET, f"{total / 1024:.1f} KiB gzipped"
