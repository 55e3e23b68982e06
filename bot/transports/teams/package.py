"""The Teams app package: manifest.json (with the bot's app id filled in) and the two icons, zipped.

Upload the zip in Teams (Apps > Manage your apps > Upload an app) or through the Teams admin centre. Teams
wants the three files at the root of the zip. No SDK is needed to build it.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

PLACEHOLDER = "{{TEAMS_APP_ID}}"
ICONS = ("color.png", "outline.png")
DEFAULT_NAME = "cohortbot-teams.zip"
_EPOCH = (2026, 1, 1, 0, 0, 0)  # fixed timestamps: the same inputs give the same zip


def app_dir() -> Traversable:
    return files("bot").joinpath("teams_app")


def manifest(app_id: str) -> dict[str, Any]:
    """The manifest with `app_id` in place of every placeholder."""
    try:
        normalised = str(uuid.UUID(app_id.strip()))
    except ValueError:
        raise ValueError(f"The Teams app id must be the bot's Microsoft App ID (a GUID), not {app_id!r}.") from None
    text = app_dir().joinpath("manifest.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text.replace(PLACEHOLDER, normalised))
    return data


def build_package(app_id: str, out: Path) -> Path:
    """Write the package to `out` (a .zip path, or a directory to put cohortbot-teams.zip in); return its path."""
    data = manifest(app_id)
    target = out / DEFAULT_NAME if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        entries = [("manifest.json", (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())]
        entries += [(name, app_dir().joinpath(name).read_bytes()) for name in ICONS]
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, payload)
    return target
