"""The test suite. A file-based SQLite test database (a worker process must see it), a fast
password hasher, and a broker folder of its own."""

import hashlib
import os
import tempfile
from pathlib import Path

# one folder per checkout: two checkouts testing at once must not share the SQLite test database
_checkout = hashlib.sha256(str(Path(__file__).resolve().parents[2]).encode()).hexdigest()[:8]
_test_var = Path(
    os.environ.setdefault(
        "PASOAPASO_VAR_DIR", str(Path(tempfile.gettempdir()) / f"pasoapaso-test-{_checkout}")
    )
)
os.environ.setdefault("MEDIA_ROOT", str(_test_var / "media"))

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WAGTAILADMIN_BASE_URL = "http://testserver"
