"""ZIP archives whose bytes depend only on their content (fixed timestamps and modes, sorted
entries), so that a file named by its hash changes name only when what it holds changes."""

from __future__ import annotations

import io
import zipfile


def deterministic_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name], zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
