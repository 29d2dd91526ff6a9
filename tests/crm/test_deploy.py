"""Deployment: production settings pass Django's deploy checks with no warning, and
docker-compose.yml is valid and describes the whole deployment. No database needed."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import unavailable

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker-fast", "worker-slow", "beat")
SERVICES = (*APP_SERVICES, "postgres", "redis")

# Not passed to the production subprocess: what production settings read with a default
# (a developer's shell must not change the outcome) and what the test run itself sets
# (conftest allows async-unsafe ORM calls for Playwright; deployments must not).
_NOT_INHERITED = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _production_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.production"
    # check --deploy does not connect; the URLs only have to be given.
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.update(values)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_production_settings_pass_deploy_checks_without_warnings():
    secret_key = secrets.token_urlsafe(64)
    assert len(secret_key) >= 50
    env = _production_env(SECRET_KEY=secret_key, ALLOWED_HOSTS="crm.example.com")

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "warning" not in output.lower(), output


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    empty = tmp_path / "empty.env"  # a developer's .env must not supply the key
    empty.write_text("")
    env = _production_env(ALLOWED_HOSTS="crm.example.com", ENV_FILE=str(empty))
    env.pop("SECRET_KEY", None)

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_fall_back_to_the_demo_database():
    env = _production_env(SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="crm.example.com")
    env.pop("DATABASE_URL")

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


# --- docker-compose.yml ---------------------------------------------------------------------


def _docker_compose() -> str:
    executable = shutil.which("docker-compose")
    if executable is None:
        unavailable("docker-compose is not on PATH")
    return executable


def _compose_config(tmp_path: Path, **values: str) -> subprocess.CompletedProcess:
    # An empty env file: a developer's .env must not decide whether the file is valid.
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    env.pop("SECRET_KEY", None)
    env.update(values)
    return subprocess.run(
        [_docker_compose(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_docker_compose_file_is_valid(tmp_path):
    result = _compose_config(tmp_path, SECRET_KEY=secrets.token_urlsafe(64))

    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_file_is_valid_without_any_environment(tmp_path):
    """Plain `docker-compose config` validates; the services themselves refuse an unset key."""
    result = _compose_config(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", ["", "too-short"])
def test_production_refuses_an_empty_or_short_secret_key(secret_key):
    env = _production_env(SECRET_KEY=secret_key, ALLOWED_HOSTS="crm.example.com")

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _environment(service: dict) -> dict:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return environment


def _depends_on(service: dict) -> dict:
    depends_on = service.get("depends_on", {})
    if isinstance(depends_on, list):
        depends_on = {name: {"condition": "service_started"} for name in depends_on}
    return depends_on


def test_compose_describes_the_whole_deployment(compose):
    services = compose["services"]
    assert set(SERVICES) <= set(services)

    web = _command(services["web"])
    assert "gunicorn crm.wsgi:application -c crm/gunicorn.conf.py" in web
    assert re.search(r"--workers[= ]\$\{WEB_CONCURRENCY:-3\}", web)
    assert "celery -A crm worker -Q fast " in _command(services["worker-fast"])
    assert "celery -A crm worker -Q slow " in _command(services["worker-slow"])
    beat = _command(services["beat"])
    assert "celery -A crm beat" in beat
    assert "--schedule /var/lib/crm/celerybeat-schedule" in beat
    assert "manage.py migrate" in _command(services["migrate"])
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")

    for name in APP_SERVICES:
        environment = _environment(services[name])
        assert environment["DJANGO_SETTINGS_MODULE"] == "crm.settings.production", name
        for variable in ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
            assert variable in environment, (name, variable)
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert "@postgres:5432/" in environment["DATABASE_URL"], name
        assert environment["REDIS_URL"].startswith("redis://redis:6379/"), name


def test_compose_migrates_before_the_app_starts(compose):
    services = compose["services"]
    assert _depends_on(services["migrate"])["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker-fast", "worker-slow", "beat"):
        depends_on = _depends_on(services[name])
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_compose_health_checks(compose):
    services = compose["services"]
    checked = ("web", "worker-fast", "worker-slow", "postgres", "redis")
    for name in checked:
        assert "healthcheck" in services[name], name
    tests = {name: " ".join(services[name]["healthcheck"]["test"]) for name in checked}
    assert "/readyz" in tests["web"]
    assert "celery -A crm inspect ping" in tests["worker-fast"]
    assert "celery -A crm inspect ping" in tests["worker-slow"]
    assert "pg_isready" in tests["postgres"]
    assert "redis-cli ping" in tests["redis"]


def test_compose_state_lives_in_named_volumes(compose):
    services = compose["services"]
    declared = set(compose.get("volumes") or {})
    mounts = {
        name: {volume.split(":")[1]: volume.split(":")[0] for volume in service.get("volumes", [])}
        for name, service in services.items()
    }
    assert mounts["postgres"]["/var/lib/postgresql/data"] in declared
    assert mounts["redis"]["/data"] in declared
    assert mounts["beat"]["/var/lib/crm"] in declared
    for name, service_mounts in mounts.items():
        for source in service_mounts.values():
            assert source in declared, f"{name} mounts {source!r}, not a declared named volume"


def test_dockerfile_runs_gunicorn_as_an_unprivileged_user():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert re.search(
        r'^CMD \["gunicorn", "crm\.wsgi:application", "-c", "crm/gunicorn\.conf\.py"\]',
        dockerfile,
        re.MULTILINE,
    )
    ignored = (REPO / ".dockerignore").read_text().split()
    for path in (".git", ".env", ".venv", "var"):
        assert path in ignored, path
