"""The production layout (deploy/, docs/production.md) is consistent with the code: the processes
of the Procfile, each with a health check the code serves, and only settings that exist."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.config import Settings
from tests.e2e.system import ROOT

DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
RASA_SITE = next((ROOT / ".venv-rasa" / "lib").glob("python3.*/site-packages"), None)
# The app each HTTP process serves, to ask it for its health path.
APPS = {"api": "api.main", "internal": "api.internal_main", "gateway": "bot.main"}
# What Rasa's own processes serve, in their source: (file under site-packages, route decorator).
RASA_ROUTES = {
    "rasa": ("rasa/server.py", "@app.get({path!r})"),
    "actions": ("rasa_sdk/endpoint.py", "@app.get({path!r})"),
}


def unit(path: Path) -> dict[str, list[str]]:
    """Every Key=value of a unit file ("Section.Key" -> values in order; keys may repeat)."""
    entries: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, value = line.split("=", 1)
        entries.setdefault(f"{section}.{key}", []).append(value)
    return entries


def instances() -> dict[str, list[str]]:
    """Process name -> its instances, as spie.target starts them."""
    wanted = " ".join(unit(UNITS / "spie.target")["Unit.Wants"]).split()
    found: dict[str, list[str]] = {}
    for name in wanted:
        process, instance = re.fullmatch(r"spie-(\w+)@(\w+)\.service", name).groups()
        found.setdefault(process, []).append(instance)
    return found


# Processes of the embedded demo only: production mails go through a real SMTP relay (SPIE_SMTP_HOST).
DEMO_ONLY = {"mailsink"}


def procfile() -> dict[str, str]:
    """The Procfile's processes that production runs too."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = dict(line.split(": ", 1) for line in lines if line.strip())
    return {name: command for name, command in entries.items() if name not in DEMO_ONLY}


def health_target(process: str) -> str:
    [post] = unit(UNITS / f"spie-{process}@.service")["Service.ExecStartPost"]
    match = re.fullmatch(r"/opt/spie/\.venv/bin/python -m bot\.healthcheck (\S+) --wait \d+", post)
    assert match, f"spie-{process}@: ExecStartPost is not a health check: {post}"
    return match.group(1)


def test_the_layout_runs_every_process_of_the_procfile_several_where_it_scales() -> None:
    layout = instances()
    assert set(layout) == set(procfile()), "the layout and the Procfile must run the same processes"
    for process in ("api", "gateway", "rasa", "scheduler"):
        assert len(layout[process]) >= 2, f"{process}: one instance is no cluster"
    for process in layout:
        assert (UNITS / f"spie-{process}@.service").exists()


@pytest.mark.parametrize("process", sorted(procfile()))
def test_each_unit_runs_what_the_procfile_runs(process: str) -> None:
    entries = unit(UNITS / f"spie-{process}@.service")
    [start] = entries["Service.ExecStart"]
    command = procfile()[process]
    program = re.search(r"(uvicorn [\w.]+:app|-m [\w.]+|rasa run actions|rasa run)", command).group(1)
    assert program in start, f"{process}: the Procfile runs {program!r}, the unit {start!r}"
    if "--port" in command:
        assert "--port %i" in start, f"{process}: the instance name is its port"
    if "127.0.0.1" in command:
        environment = " ".join(entries.get("Service.Environment", []))
        assert "127.0.0.1" in start + environment, (
            f"{process}: loopback only, as the Procfile (docs/security.md)"
        )


@pytest.mark.parametrize("process", sorted(APPS))
def test_our_http_processes_serve_their_health_check(process: str) -> None:
    target = health_target(process)
    assert target.startswith("http://127.0.0.1:%i/"), target
    path = target.removeprefix("http://127.0.0.1:%i")
    module = __import__(APPS[process], fromlist=["app"])
    assert TestClient(module.app).get(path).status_code == 200


@pytest.mark.parametrize("process", sorted(RASA_ROUTES))
def test_rasas_processes_serve_their_health_check(process: str) -> None:
    if RASA_SITE is None:
        pytest.skip("no Rasa environment (make setup)")
    target = health_target(process)
    assert target.startswith("http://127.0.0.1:%i/"), target
    path = target.removeprefix("http://127.0.0.1:%i")
    source, decorator = RASA_ROUTES[process]
    assert decorator.format(path=path).replace("'", '"') in (RASA_SITE / source).read_text()


def test_the_schedulers_health_check_is_the_heartbeat_it_writes() -> None:
    entries = unit(UNITS / "spie-scheduler@.service")
    [setting] = [
        value for value in entries["Service.Environment"] if value.startswith("SPIE_HEARTBEAT_FILE=")
    ]
    heartbeat = setting.split("=", 1)[1]
    assert health_target("scheduler") == heartbeat
    assert Path(heartbeat).parent == Path("/run") / entries["Service.RuntimeDirectory"][0]


def named_settings(text: str) -> set[str]:
    return set(re.findall(r"\bSPIE_[A-Z0-9_]*[A-Z0-9]\b", text))


def test_every_setting_the_layout_names_exists() -> None:
    known = {f"SPIE_{name.upper()}" for name in Settings.model_fields}
    rasa_side = [*(ROOT / "actions").glob("*.py"), *(ROOT / "rasa_channels").glob("*.py")]
    known |= named_settings("".join(path.read_text() for path in rasa_side))
    texts = [path for path in DEPLOY.rglob("*") if path.is_file()] + [ROOT / "docs" / "production.md"]
    for path in texts:
        unknown = named_settings(path.read_text()) - known
        assert not unknown, f"{path.relative_to(ROOT)} names settings that do not exist: {sorted(unknown)}"


def test_rasas_endpoints_get_every_variable_they_expand() -> None:
    expanded = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "rasa" / "endpoints.yml").read_text()))
    given = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "env" / "rasa.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert expanded == given


def test_the_example_settings_start_in_production_once_the_secrets_are_filled_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in named_settings(" ".join(os.environ)):
        monkeypatch.delenv(name)  # the test run's own settings must not hide the file's
    example = (DEPLOY / "env" / "spie.env.example").read_text()
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=str(DEPLOY / "env" / "spie.env.example"))
    problems = str(refused.value)
    for secret in (
        "SPIE_BOT_TOKEN",
        "SPIE_GATEWAY_SIGNING_KEY",
        "SPIE_RASA_AUTH_TOKEN",
        "SPIE_TWILIO_AUTH_TOKEN",
    ):
        assert secret in problems
    filled = tmp_path / "spie.env"
    secrets = iter(letter * 40 for letter in "bgrt")
    filled.write_text(
        re.sub(r"^(\w+_(TOKEN|KEY))=REPLACE$", lambda m: f"{m[1]}={next(secrets)}", example, flags=re.M)
    )
    settings = Settings(_env_file=str(filled))
    assert settings.environment == "production" and len(settings.rasa_urls) == len(instances()["rasa"])
    assert settings.redis_url and settings.rasa_tracker_database_url


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units as installed here (/opt/spie is this checkout)."""
    for name in ("spie.env.example", "rasa.env.example"):
        shutil.copy(DEPLOY / "env" / name, tmp_path / name.removesuffix(".example"))
    names = []
    for path in UNITS.iterdir():
        text = path.read_text().replace("/opt/spie", str(ROOT)).replace("/etc/spie/", f"{tmp_path}/")
        name = path.name.replace("@.", "@1.")
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    done = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
