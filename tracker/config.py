"""Default settings.

Order of precedence (later wins): these defaults, ``instance/config.py``, ``TRACKER_*``
environment variables, then the mapping a test passes to ``create_app``.
"""

from datetime import date

DEV_SECRET_KEY = "dev-only-not-secret"


class Defaults:
    SECRET_KEY = DEV_SECRET_KEY
    # SQLALCHEMY_DATABASE_URI is filled in by create_app: SQLite in the instance folder
    # unless TRACKER_DATABASE_URL says otherwise.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # PostgreSQL, on every connection of the app: JIT compilation costs more than it saves
    # on an OLTP app's queries (129 of 219 ms of a count query, DESIGN pitfalls); a random
    # read costs about a sequential one when the data is on SSD or in memory, so a unit's
    # few thousand tasks are read by index, not by scanning all of them (bench/unit_tasks.py).
    POSTGRES_SETTINGS: dict = {"jit": "off", "random_page_cost": "1.1"}
    # PostgreSQL: a web request's statement that runs longer than this is cancelled (one
    # bad query cannot hold a worker; the CLI and the scheduler are not limited); 0 = off.
    WEB_STATEMENT_TIMEOUT_MS = 10_000
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

    # --- auth: sessions and sign-in throttling ---
    # Sessions end after this much inactivity, and in any case after the absolute lifetime.
    SESSION_IDLE_MINUTES = 120
    SESSION_LIFETIME_HOURS = 12
    # None: the cookie is Secure exactly when the request came over HTTPS; True/False force it.
    # Behind a reverse proxy set PROXY_COUNT so the HTTPS scheme and the client's address
    # (used by the per-address sign-in limit) come from its X-Forwarded-* headers.
    SESSION_COOKIE_SECURE = None
    REMEMBER_COOKIE_HTTPONLY = True
    # Per account: after this many failures in a row the account is locked for
    # LOGIN_LOCK_MINUTES, doubling with each further lockout up to LOGIN_LOCK_MAX_MINUTES.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 1
    LOGIN_LOCK_MAX_MINUTES = 60
    # A quiet day forgets an account's earlier lockouts.
    LOGIN_FAILURE_RESET_HOURS = 24
    # Per address: at most this many failed sign-ins in the window, whatever the account.
    LOGIN_ADDRESS_MAX_FAILURES = 30
    LOGIN_ADDRESS_WINDOW_MINUTES = 15
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none;
    # never more than there really are, or clients could forge their address).
    PROXY_COUNT = 0

    # --- workflow (the web application) ---
    # Extension requests: at least this many working days before the due date, at most
    # this many approved extensions per task; after the due date only when allowed.
    EXTENSION_MIN_WORKING_DAYS_BEFORE_DUE = 3
    EXTENSION_MAX_COUNT = 2
    EXTENSION_ALLOWED_AFTER_DUE = False
    # Completion date = the confirmed submission's date (False) or the confirmation date.
    COMPLETION_DATE_IS_CONFIRMATION = False
    # Which tasks a period report holds unless the page asks otherwise (issue 10):
    # "assigned" (giao trong kỳ), "due" (đến hạn trong kỳ) or "cumulative" (lũy kế).
    REPORT_PERIOD_SCOPE = "assigned"
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    UPLOAD_EXTENSIONS = frozenset(
        {"pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "png", "jpg", "jpeg", "zip", "txt"}
    )
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # Hostile input (tracker/forms.py): free text is capped, dates outside this range are
    # refused (a far date overflows working-day arithmetic and is never meant).
    FREE_TEXT_MAX_CHARS = 20_000
    DATE_MIN = date(2000, 1, 1)
    DATE_MAX = date(2100, 12, 31)

    # Reminders (DESIGN §1, issue 4). Working days come from tracker/calendar.py.
    REMINDER_ON_ASSIGNMENT = True
    REMINDER_BEFORE_WORKING_DAYS = (5, 1)  # before the current due date
    REMINDER_ON_DUE_DATE = True
    REMINDER_OVERDUE_EVERY_WORKING_DAYS = 3
    REMINDER_OVERDUE_COPY_HEAD_AFTER_DAYS = 7  # calendar days overdue
    REMINDER_DIGEST_WEEKDAY = 0  # Monday
    REMINDER_DIGEST_AT = "07:30"
    REMINDER_DIGEST_HORIZON_DAYS = 7  # overdue or due within this many days
    REMINDER_DAILY_AT = "07:00"  # day-based reminders are planned from this local time
    REMINDER_ASSIGNMENT_LOOKBACK_DAYS = 1  # an assignment missed while the planner was down
    REMINDER_PLAN_EVERY_MINUTES = 15
    REMINDER_DELIVER_EVERY_SECONDS = 60
    REMINDER_MISFIRE_GRACE_SECONDS = 600
    REMINDER_BATCH_SIZE = 100  # mails (recipient and day) claimed by one delivery pass
    REMINDER_LEASE_SECONDS = 300  # a crashed worker's claim is taken over after this
    # A mail the server did not take (no answer, 4xx) is retried after 1, 2, 4 … minutes,
    # at most every 30 minutes, until this many hours after its first attempt: an outage
    # of a day loses nothing. A recipient refused (550/551/553) fails at once.
    REMINDER_RETRY_BASE_SECONDS = 60
    REMINDER_RETRY_MAX_SECONDS = 30 * 60
    REMINDER_GIVE_UP_HOURS = 72
    # Authentication or relay refused (530, 535, 554 relay): delivery pauses, the rows
    # stay pending and are tried again this often, and the admin sees a banner.
    REMINDER_PAUSED_RETRY_SECONDS = 5 * 60
    # Days the planner missed (scheduler down) are planned afterwards, this many days back,
    # with only what is still true today (README, "Reminder mails").
    REMINDER_CATCH_UP_DAYS = 3
    # Sent and cancelled outbox rows older than this are deleted by a nightly job (the
    # audit trail keeps each "reminder.sent"); never fewer days than the planner looks back.
    REMINDER_PURGE_AFTER_DAYS = 180
    REMINDER_PURGE_AT = "02:30"
    SMTP_TIMEOUT = 30
