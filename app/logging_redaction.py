"""Access logs without secrets: join and invitation tokens, photo and voice note names are
masked."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# Path segments that are capabilities: whoever reads them in a log could use them.
_SECRET_PATHS = re.compile(r"^(/(?:j|invite|photos|voice|api/v1/invites)/)[^/?#]+")


def redact_path(path: str) -> str:
    return _SECRET_PATHS.sub(r"\1…", path)


class RedactingLogger(Logger):
    """gunicorn's logger, with the request path redacted and no query string."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms.get("U", ""))
        atoms["r"] = f"{atoms.get('m', '')} {atoms['U']} {atoms.get('H', '')}"
        atoms["q"] = ""
        return atoms
