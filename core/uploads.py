"""An uploaded workbook kept server-side between its preview and its confirmation.

Every import page (org tree, rubric, offline scores) works the same way: upload → preview (nothing saved) →
confirm (checked again, saved whole). `UploadStash` holds the file in between: under MEDIA_ROOT/imports/ with a
random name, takeable back only by the session that uploaded it, and deleted after a day if never confirmed.

Every stash has a size cap (by default the largest file cap of core.workbook's table). A file over it is kept
cut at cap + 1 bytes: never more on disk, and enough for the workbook reader, which checks the size before
anything else, to refuse it as too large with the cap of the workbook's kind. A session keeps at most
KEEP_PER_SESSION files of a kind; an older one is deleted when a new one comes.
"""
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from core.workbook import LARGEST_FILE_BYTES

MAX_AGE_SECONDS = 24 * 3600
KEEP_PER_SESSION = 10
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


class UploadStash:
    def __init__(self, kind: str, *, max_bytes: int = LARGEST_FILE_BYTES):
        self.kind = kind
        self.max_bytes = max_bytes
        self.session_key = f"upload_stash_{kind}"

    def _folder(self) -> Path:
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _file(self, token: str) -> Path:
        return self._folder() / f"{self.kind}-{token}.xlsx"

    def _remove_stale(self):
        cutoff = time.time() - MAX_AGE_SECONDS
        for old in self._folder().glob(f"{self.kind}-*.xlsx"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                pass

    def put(self, request, upload) -> str:
        """Store `upload` (a Django UploadedFile) for this session, at most `max_bytes` + 1 of it; returns the token
        for the confirm form."""
        self._remove_stale()
        token = secrets.token_hex(16)
        room = self.max_bytes + 1
        with open(self._file(token), "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk[:room])
                room -= min(len(chunk), room)
                if not room:
                    break
        tokens = request.session.get(self.session_key, []) + [token]
        for old in tokens[:-KEEP_PER_SESSION]:
            self._file(old).unlink(missing_ok=True)
        request.session[self.session_key] = tokens[-KEEP_PER_SESSION:]
        return token

    def path(self, request, token: str | None) -> Path | None:
        """The stored file for `token`, or None when the token is malformed, not this session's, or expired."""
        if not token or not TOKEN_RE.match(token) or token not in request.session.get(self.session_key, []):
            return None
        path = self._file(token)
        return path if path.exists() else None

    def discard(self, request, token: str | None):
        """Delete the stored file and forget the token (after confirming, cancelling or a failed check)."""
        if token and TOKEN_RE.match(token):
            self._file(token).unlink(missing_ok=True)
        request.session[self.session_key] = [t for t in request.session.get(self.session_key, []) if t != token]
