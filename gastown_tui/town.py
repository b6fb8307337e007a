"""A town: the folder that holds ``town.toml``, the ledger and one folder per rig."""

from __future__ import annotations

import functools
import json
import os
import shutil
import tomllib
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Conflict, GtError, InvalidInput

if TYPE_CHECKING:
    from .config import TownConfig
    from .ledger import Ledger
    from .runtime.tmux import Tmux

TOWN_FILE = "town.toml"
NO_TOWN_HINT = "create one with: gt install PATH (or pass --town, or set GT_TOWN)"


class Town:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.file = self.root / TOWN_FILE
        self._ledger: Ledger | None = None

    @functools.cached_property
    def raw(self) -> dict:
        from .tomlfile import read_toml

        return read_toml(self.file)

    @functools.cached_property
    def config(self) -> TownConfig:
        from .config import TownConfig, load_model

        return load_model(TownConfig, self.file, self.raw)

    @property
    def name(self) -> str:
        return str(self.raw.get("name", self.root.name))

    @property
    def prefix(self) -> str:
        """Bead prefix of town-level beads (``hq``)."""
        from .ledger.fields import check_prefix

        try:
            return check_prefix(self.raw.get("prefix", "hq"))
        except InvalidInput as exc:
            raise InvalidInput(f"{self.file}: {exc.message}", exc.hint) from None

    @property
    def ledger_url(self) -> str:
        ledger = self.raw.get("ledger") or {}
        url = ledger.get("url") if isinstance(ledger, dict) else None
        if not isinstance(url, str) or not url:
            raise InvalidInput(f"{self.file}: [ledger] url is missing", 'add url = "doltlite:ledger.db" under [ledger]')
        return url

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            from .ledger import Ledger

            url = self.ledger_url
            if url.startswith("doltlite:") and not url.startswith("doltlite://"):
                url = url[len("doltlite:") :]
            self._ledger = Ledger.open(url, base=str(self.root))
            _ROOT_OF_LEDGER[self._ledger] = self.root
        return self._ledger

    def rig_dir(self, rig: str) -> Path:
        return self.root / rig

    def tmux(self) -> Tmux:
        """The town's own tmux server (``tmux -L gt-<folder>-<hash>``): its agents' sessions, no other town's."""
        from .runtime.tmux import Tmux, socket_name

        return Tmux(socket_name(self.root))


# Which town opened a ledger: work that has only the ledger (mail nudges after a commit) finds its
# town's tmux server through it.
_ROOT_OF_LEDGER: weakref.WeakKeyDictionary[Ledger, Path] = weakref.WeakKeyDictionary()


def town_tmux(ledger: Ledger | None = None) -> Tmux:
    """The tmux server of the town that opened ``ledger``, else of the town this process is in
    (``GT_TOWN`` — set in every agent session — or the folder), else the user's default server."""
    from .runtime.tmux import Tmux, socket_name

    root = _ROOT_OF_LEDGER.get(ledger) if ledger is not None else None
    if root is None:
        try:
            root = find_town().root
        except GtError:
            return Tmux()
    return Tmux(socket_name(root))


def find_town(explicit: str | None = None, cwd: str | None = None) -> Town:
    """``--town``, else ``GT_TOWN``, else the nearest folder upwards holding town.toml."""
    chosen = explicit or os.environ.get("GT_TOWN")
    if chosen:
        root = Path(chosen).expanduser()
        if not (root / TOWN_FILE).is_file():
            raise GtError(f"no town at {root} (no {TOWN_FILE})", NO_TOWN_HINT)
        return Town(root)
    here = Path(cwd or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TOWN_FILE).is_file():
            return Town(folder)
    raise GtError("not inside a Gas Town town", NO_TOWN_HINT)


def install(path: str, ledger_url: str | None = None, prefix: str = "hq", name: str | None = None) -> Town:
    """Create a town at ``path``: town.toml, the ledger with its schema, Gas Town's config rows.

    On any failure everything it made is removed again: no half-made town is left behind.
    """
    from .ledger import Ledger, fields
    from .ledger.urls import LedgerURL

    root = Path(path).expanduser().resolve()
    if (root / TOWN_FILE).exists():
        raise Conflict(f"{root} is already a town", "use it as it is, or pick another folder")
    if root.exists() and not root.is_dir():
        raise InvalidInput(f"{root} is a file, not a folder", "give a new or existing folder for the town")
    fields.check_prefix(prefix)
    town_name = fields.check_name(name or root.name or "town", "town name")
    url = ledger_url or "doltlite:ledger.db"
    if url.startswith("doltlite:") and not url.startswith("doltlite://"):
        url = url[len("doltlite:") :]
    LedgerURL.parse(url, base=str(root))  # a bad URL is refused before anything is made
    created_root = not root.exists()
    try:
        before = set() if created_root else set(os.listdir(root))
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create the town folder {root}: {exc.strerror}", _WRITABLE_HINT) from None
    try:
        ledger = Ledger.open(url, base=str(root))
        ledger.create()

        def seed(tx):
            if not tx.config("issue_prefix"):
                tx.set_config("issue_prefix", prefix)
            have = [t.strip() for t in (tx.config("types.custom") or "").split(",") if t.strip()]
            tx.set_config("types.custom", ",".join(dict.fromkeys((*have, *fields.GASTOWN_TYPES))))

        ledger.write("install", seed, actor="overseer")
        ledger.close()
        text = _town_toml(town_name, prefix, ledger_url or "doltlite:ledger.db")
        tmp = root / (TOWN_FILE + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(root / TOWN_FILE)
    except BaseException as exc:
        if created_root:
            shutil.rmtree(root, ignore_errors=True)
        else:
            for entry in set(os.listdir(root)) - before:
                _remove(root / entry)
        if isinstance(exc, OSError):
            where = exc.filename or root
            raise InvalidInput(f"cannot write {where}: {exc.strerror or exc}", _WRITABLE_HINT) from None
        raise
    return Town(root)


_WRITABLE_HINT = "pick a folder you can write to"


def _town_toml(name: str, prefix: str, ledger_url: str) -> str:
    """town.toml's text, checked to read back as written (a URL may hold any character)."""
    text = (
        f'name = {_toml_string(name)}\nprefix = {_toml_string(prefix)}\ndefault_runtime = "claude"\n\n'
        f"[ledger]\nurl = {_toml_string(ledger_url)}\n\n[mail.lists]\n"
    )
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        parsed = {}
    if parsed.get("ledger", {}).get("url") != ledger_url:
        raise InvalidInput(f"ledger URL {ledger_url!r} cannot be written to {TOWN_FILE}", "use a plain URL or path")
    return text


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes (\\n, \\", \\uXXXX…) are TOML's too."""
    return json.dumps(value, ensure_ascii=False)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
