"""Set-up files agree with each other: environment.yml lists what pyproject.toml does."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml

from romlab import paths


def _norm(spec: str) -> tuple[str, str]:
    spec = spec.replace(" ", "")
    m = re.match(r"^([A-Za-z0-9_.\-]+)(.*)$", spec)
    return m.group(1).lower().replace("_", "-"), m.group(2)


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda = [d for d in conda if _norm(d)[0] not in {"python", "pip"}]
    assert dict(map(_norm, conda)) == dict(map(_norm, pip_deps))
    assert any(isinstance(d, dict) and "-e ." in d.get("pip", []) for d in env["dependencies"])


def test_python_version_agrees():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"] and project["requires-python"] == ">=3.11"


def test_constraints_pin_every_dependency():
    lines = (paths.ROOT / "constraints.txt").read_text().splitlines()
    pinned = {_norm(line.split("==")[0])[0] for line in lines if "==" in line}
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    names = {_norm(d)[0] for d in project["dependencies"] + project["optional-dependencies"]["test"]}
    assert names <= pinned, names - pinned


def test_make_help_lists_every_target_with_a_line():
    out = subprocess.run(["make", "-s", "help"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout
    for target in ["report", "test", "lab", "help", "notebooks", "data", "sample", "bench", "install"]:
        assert re.search(rf"make {target}\s+\S", out), target
