"""Default settings.

Order of precedence (later wins): these defaults, ``instance/config.py``, ``TRACKER_*``
environment variables, then the mapping a test passes to ``create_app``.
"""

DEV_SECRET_KEY = "dev-only-not-secret"


class Defaults:
    SECRET_KEY = DEV_SECRET_KEY
    # SQLALCHEMY_DATABASE_URI is filled in by create_app: SQLite in the instance folder
    # unless TRACKER_DATABASE_URL says otherwise.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # SQLite: every transaction takes the write lock at BEGIN (see tracker/database.py).
    SQLITE_IMMEDIATE_TRANSACTIONS = True
    TIMEZONE = "Asia/Ho_Chi_Minh"
    # Start the reminder scheduler inside the web process (single-process installs only).
    SCHEDULER = False
    BASE_URL = "http://127.0.0.1:5000"

    # Flask-WTF: a form left open for hours must still submit; the token stays bound
    # to the session.
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    # Domain settings (DESIGN §1); the Office may change them later.
    DUE_SOON_WORKING_DAYS = 3
    STALE_REPORT_DAYS = 14
    TASKS_PER_PAGE = 50

    # Mail: written to instance/mail/ as .eml files unless SMTP_HOST is set.
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_TLS = ""  # "", "starttls" or "ssl"
    MAIL_FROM = "tracker@localhost"

    # --- workflow (the web application) ---
    # Extension requests: at least this many working days before the due date, at most
    # this many approved extensions per task; after the due date only when allowed.
    EXTENSION_MIN_WORKING_DAYS_BEFORE_DUE = 3
    EXTENSION_MAX_COUNT = 2
    EXTENSION_ALLOWED_AFTER_DUE = False
    # Completion date = the confirmed submission's date (False) or the confirmation date.
    COMPLETION_DATE_IS_CONFIRMATION = False
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    UPLOAD_EXTENSIONS = frozenset(
        {"pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "png", "jpg", "jpeg", "zip", "txt"}
    )
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
