"""Where a ledger is: ``doltlite:///path/ledger.db`` (or a plain path), or ``mysql://u:p@h:port/db``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from ..errors import InvalidInput
from .fields import clean_text

_DB_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class LedgerURL:
    """A parsed ledger location: ``doltlite:///path/ledger.db`` or ``mysql://u:p@h:port/db``."""

    scheme: str
    path: str = ""
    user: str = "root"
    password: str = ""
    host: str = "127.0.0.1"
    port: int = 3306
    database: str = ""

    @classmethod
    def parse(cls, url: str, base: str | None = None) -> LedgerURL:
        if clean_text(url) != url:
            raise InvalidInput(f"ledger URL {url!r} holds control characters", "give a plain file path or URL")
        if "://" not in url:
            path = url if os.path.isabs(url) or base is None else os.path.join(base, url)
            return cls("doltlite", path=path)
        parsed = urlparse(url)
        if parsed.scheme == "doltlite":
            path = unquote(parsed.path)
            if base is not None and not os.path.isabs(path):
                path = os.path.join(base, path)
            return cls("doltlite", path=path)
        if parsed.scheme in ("mysql", "dolt"):
            database = parsed.path.lstrip("/")
            if not _DB_NAME.fullmatch(database):
                raise InvalidInput(
                    f"bad database name in ledger URL {url!r}",
                    "use mysql://user:pass@host:port/dbname with letters, digits and _",
                )
            try:
                port = parsed.port or 3306
            except ValueError:
                raise InvalidInput(f"bad port in ledger URL {url!r}", "use a number, e.g. :3306") from None
            return cls(
                "mysql",
                user=unquote(parsed.username or "root"),
                password=unquote(parsed.password or ""),
                host=parsed.hostname or "127.0.0.1",
                port=port,
                database=database,
            )
        raise InvalidInput(
            f"unknown ledger URL {url!r}",
            "use a file path, doltlite:///path/ledger.db, or mysql://user:pass@host:port/db",
        )

    def describe(self) -> str:
        if self.scheme == "doltlite":
            return f"doltlite {self.path}"
        return f"mysql {self.user}@{self.host}:{self.port}/{self.database}"
