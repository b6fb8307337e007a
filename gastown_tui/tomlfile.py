"""Reading TOML files with errors that name the file (apart from the config records, for fast start-up)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import InvalidInput


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: malformed TOML: {exc}", "fix the file's syntax") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text (byte {exc.start})", "save the file as UTF-8") from None
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a TOML file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", "check the file's permissions") from None
