"""The message catalogs: zh_Hans is complete and well-formed, the .mo files match the .po
files, the catalogs cover every UI string in the source, and the pages switch language.

Regenerate and compile with `make messages` (or the two manage.py commands it runs).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from crm.models import Role
from tests.factories import TeamFactory, make_member
from tests.support import unavailable

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
LANGUAGES = ("zh_Hans", "en")
MESSAGES_HINT = (
    "run `make messages` (makemessages + compilemessages), then translate the new "
    "entries in locale/zh_Hans/LC_MESSAGES/django.po and compile again"
)

# A printf-style conversion as Python's %-formatting reads it ("%%" included).
PY_FORMAT = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)
# Strict form (no space flag, no "%%"): what makes a string a python-format string.
PY_FORMAT_STRICT = re.compile(r"%(?:\([^)]+\))?[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")
TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")

# Copied for the coverage check: everything makemessages would scan, minus the bulk.
COPY_SKIP_NAMES = {
    ".git",
    ".venv",
    "venv",
    "var",
    "static",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "htmlcov",
    "test-results",
    "playwright-report",
    ".env",
}
COPY_SKIP_PATHS = {"bench/results"}
COPY_SKIP_SUFFIXES = (".pyc", ".mo", ".sqlite3", ".egg-info")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def mo_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.mo"


def load_po(language: str) -> polib.POFile:
    path = po_path(language)
    assert path.is_file(), f"{path} is missing: {MESSAGES_HINT}"
    return polib.pofile(str(path))


def live_entries(po) -> list:
    return [entry for entry in po if not entry.obsolete and entry.msgid != ""]


def key(entry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def label(entry_key: tuple[str, str]) -> str:
    context, msgid = entry_key
    return f"{context}|{msgid!r}" if context else repr(msgid)


def translations(entry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def nplurals(po) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalog header has no Plural-Forms"
    return int(match.group(1))


def gettext_tools_or_skip(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        unavailable(f"GNU gettext tools not on PATH: {', '.join(missing)}")


# --- (a) zh_Hans is complete ------------------------------------------------------------


class TestChineseCatalogIsComplete:
    def test_header(self):
        po = load_po("zh_Hans")
        assert not po.metadata_is_fuzzy, "the catalog header is marked fuzzy"
        assert po.metadata.get("Language") == "zh_Hans"
        assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
        assert "charset=UTF-8" in po.metadata.get("Content-Type", "")

    def test_every_entry_is_translated(self):
        po = load_po("zh_Hans")
        entries = live_entries(po)
        assert entries, "the zh_Hans catalog is empty"
        untranslated = [
            label(key(entry))
            for entry in entries
            if not all(text.strip() for text in translations(entry))
        ]
        assert not untranslated, "untranslated in zh_Hans:\n" + "\n".join(untranslated)

    def test_nothing_is_fuzzy(self):
        fuzzy = [label(key(entry)) for entry in live_entries(load_po("zh_Hans")) if entry.fuzzy]
        assert not fuzzy, "fuzzy in zh_Hans (check, then drop the flag):\n" + "\n".join(fuzzy)

    def test_plural_entries_have_one_form_per_plural(self):
        po = load_po("zh_Hans")
        expected = set(range(nplurals(po)))
        wrong = [
            f"{label(key(entry))}: forms {sorted(entry.msgstr_plural)}"
            for entry in live_entries(po)
            if entry.msgid_plural and set(entry.msgstr_plural) != expected
        ]
        assert not wrong, f"plural entries need forms {sorted(expected)}:\n" + "\n".join(wrong)

    def test_no_obsolete_entries(self):
        obsolete = [label(key(entry)) for entry in load_po("zh_Hans").obsolete_entries()]
        assert not obsolete, "obsolete entries (#~), regenerate with --no-obsolete:\n" + (
            "\n".join(obsolete)
        )


# --- (b) placeholders ---------------------------------------------------------------------


def placeholders(text: str) -> Counter:
    return Counter(PY_FORMAT.findall(text))


def html_tags(text: str) -> Counter:
    return Counter(HTML_TAG.findall(text))


def positional(text: str) -> list[str]:
    return [p for p in PY_FORMAT.findall(text) if not p.startswith("%(") and p != "%%"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_python_format_flags_match_the_msgids(language):
    wrong = []
    for entry in live_entries(load_po(language)):
        is_format = bool(PY_FORMAT_STRICT.search(entry.msgid + (entry.msgid_plural or "")))
        if is_format != ("python-format" in entry.flags):
            wrong.append(f"{label(key(entry))}: flags {entry.flags}")
    assert not wrong, "python-format flag is wrong:\n" + "\n".join(wrong)


def test_placeholders_and_markup_survive_translation():
    wrong = []
    for entry in live_entries(load_po("zh_Hans")):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        for text in translations(entry):
            if "python-format" in entry.flags:
                # Any source form may be the model (a plural's `one` form may omit the count).
                if not any(placeholders(text) == placeholders(src) for src in sources):
                    wrong.append(f"{label(key(entry))} -> {text!r}: placeholders differ")
                elif not any(positional(text) == positional(src) for src in sources):
                    wrong.append(f"{label(key(entry))} -> {text!r}: positional order differs")
            elif PY_FORMAT_STRICT.search(text):
                wrong.append(f"{label(key(entry))} -> {text!r}: stray %-placeholder")
            if not any(html_tags(text) == html_tags(src) for src in sources):
                wrong.append(f"{label(key(entry))} -> {text!r}: HTML markup differs")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_template_syntax_in_messages(language):
    # `{% blocktranslate %}` turns {{ var }} into %(var)s: template syntax in a catalog is
    # a sign of a string built by hand, and would be shown to the user verbatim.
    wrong = [
        label(key(entry))
        for entry in live_entries(load_po(language))
        for text in [entry.msgid, entry.msgid_plural or "", *translations(entry)]
        if TEMPLATE_SYNTAX.search(text)
    ]
    assert not wrong, "template syntax in messages:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_check_passes(language):
    gettext_tools_or_skip("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(po_path(language))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- (c) the committed .mo files are compiled from the current .po files ------------------


def _as_dict(entries) -> dict:
    return {
        key(entry): (
            tuple(translations(entry)) if entry.msgid_plural else entry.msgstr,
            entry.msgid_plural or "",
        )
        for entry in entries
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_is_up_to_date(language):
    path = mo_path(language)
    assert path.is_file(), f"{path} is missing: run compilemessages and commit it"
    po = load_po(language)
    mo = polib.mofile(str(path))
    expected = _as_dict(entry for entry in po.translated_entries() if entry.msgid != "")
    compiled = _as_dict(entry for entry in mo if entry.msgid != "")
    stale = sorted(label(k) for k in expected.keys() ^ compiled.keys())
    stale += sorted(
        label(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
    )
    assert not stale, f"{path} is stale, run compilemessages:\n" + "\n".join(stale)
    for field in ("Plural-Forms", "Content-Type"):
        assert mo.metadata.get(field) == po.metadata.get(field), f"{path}: {field} is stale"


def test_english_catalog_has_the_same_msgids():
    zh = {key(entry) for entry in live_entries(load_po("zh_Hans"))}
    en = {key(entry) for entry in live_entries(load_po("en"))}
    difference = sorted(label(k) for k in zh ^ en)
    assert not difference, f"zh_Hans and en differ, {MESSAGES_HINT}:\n" + "\n".join(difference)


# --- (d) the catalog covers every UI string in the source -----------------------------------


def _ignore_for_copy(directory: str, names: list[str]) -> set[str]:
    relative = Path(directory).resolve().relative_to(ROOT)
    return {
        name
        for name in names
        if name in COPY_SKIP_NAMES
        or (relative / name).as_posix() in COPY_SKIP_PATHS
        or name.endswith(COPY_SKIP_SUFFIXES)
    }


def _subprocess_env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONSAFEPATH", "PYTHONHOME"}}
    env.update(
        DJANGO_SETTINGS_MODULE="crm.settings.local",
        PYTHONPATH=str(copy),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _run(args: list[str], copy: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=copy,
        env=_subprocess_env(copy),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_catalog_covers_the_source():
    """makemessages on a copy of the tree finds exactly the msgids of the committed catalog."""
    gettext_tools_or_skip("xgettext", "msgmerge", "msguniq")
    committed_path = po_path("zh_Hans")
    committed_bytes = committed_path.read_bytes()
    committed = {key(entry) for entry in live_entries(load_po("zh_Hans"))}
    with tempfile.TemporaryDirectory(prefix="crm-makemessages-") as tmp:
        copy = Path(tmp).resolve() / "project"
        shutil.copytree(ROOT, copy, ignore=_ignore_for_copy, symlinks=True)

        # The settings derive BASE_DIR (and LOCALE_PATHS) from their own file: make sure the
        # copy's settings are the ones imported, so makemessages cannot touch the real tree.
        probe = _run(
            [
                "-c",
                "from django.conf import settings; import crm; "
                "print(crm.__file__); print(settings.BASE_DIR); "
                "print(*settings.LOCALE_PATHS, sep='\\n')",
            ],
            copy,
        )
        assert probe.returncode == 0, probe.stderr
        crm_file, base_dir, *locale_paths = probe.stdout.split()
        assert Path(crm_file).resolve().is_relative_to(copy), crm_file
        assert Path(base_dir).resolve() == copy, base_dir
        assert all(Path(p).resolve().is_relative_to(copy) for p in locale_paths), locale_paths

        result = _run(
            [
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "--ignore=.venv",
                "--ignore=var",
                "--ignore=static",
                "--no-obsolete",
            ],
            copy,
        )
        assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
        regenerated_po = polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
        regenerated = {key(entry) for entry in live_entries(regenerated_po)}

    assert committed_path.read_bytes() == committed_bytes, "the real catalog was modified"
    new = sorted(label(k) for k in regenerated - committed)
    gone = sorted(label(k) for k in committed - regenerated)
    problems = []
    if new:
        problems.append("in the source but not in the catalog:\n  " + "\n  ".join(new))
    if gone:
        problems.append("in the catalog but no longer in the source:\n  " + "\n  ".join(gone))
    assert not problems, f"{MESSAGES_HINT}.\n" + "\n".join(problems)


# --- (e) the pages follow the user's language ---------------------------------------------


@pytest.fixture
def reset_language():
    yield
    translation.deactivate()


def home_title(response) -> str:
    match = re.search(r'id="home-title">(.*?)</h1>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


@pytest.mark.django_db
@pytest.mark.parametrize("via", ["accept-language", "cookie"])
@pytest.mark.parametrize(
    ("language", "expected", "other"),
    [("zh-hans", "我的工作", "My work"), ("en", "My work", "我的工作")],
)
def test_agent_home_is_in_the_chosen_language(
    client, reset_language, via, language, expected, other
):
    agent = make_member(username="i18n_agent", role=Role.AGENT, team=TeamFactory())
    client.force_login(agent.user)
    if via == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get("/")
    else:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    assert home_title(response) == expected
    assert f'<html lang="{language}">' in body
    assert other not in body
