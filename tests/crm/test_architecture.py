"""Dependencies run one way (README, "Architecture"): the import-linter contracts of
pyproject.toml hold, so a regression fails `make test` as well as `make lint`."""

import os
from pathlib import Path

import grimp
import pytest
from importlinter import cli

ROOT = Path(__file__).resolve().parents[2]
BUSINESS_APPS = (
    "leads",
    "orders",
    "aftersales",
    "calling",
    "customers",
    "performance",
    "training",
    "risk",
    "privacy",
    "configuration",
)
# Layers, top to bottom: each app imports only the apps below it.
LAYERS = (
    "configuration",
    "privacy",
    "training",
    "performance",
    "customers",
    "calling",
    "aftersales",
    "orders",
    "leads",
    "risk",
    "crm",
)
# Known and listed in pyproject.toml's contract, with the change that removes it.
ALLOWED_UPWARD = {("risk.access", "leads.models")}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("crm", *BUSINESS_APPS)


def test_the_import_linter_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert os.path.exists("pyproject.toml")
    status = cli.lint_imports(no_cache=True, no_logo=True)
    assert status == cli.EXIT_STATUS_SUCCESS, "lint-imports found a broken contract (see above)"


def test_the_kernel_imports_no_business_app(graph):
    upward = sorted(
        (importer, imported)
        for importer in {"crm"} | graph.find_descendants("crm")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.split(".")[0] in BUSINESS_APPS
    )
    assert upward == []


def test_no_app_imports_an_app_above_it(graph):
    rank = {app: index for index, app in enumerate(LAYERS)}
    upward = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if rank[imported.split(".")[0]] < rank[importer.split(".")[0]]
        and (importer, imported) not in ALLOWED_UPWARD
    )
    assert upward == []
