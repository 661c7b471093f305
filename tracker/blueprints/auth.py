"""Sign-in, sign-out, the user's own password and preferences."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .. import policy, security
from ..extensions import db
from ..forms import EmailAddress, Form, NoControlChars, choices, has_control_chars, strip
from ..i18n import current_locale
from ..password_policy import MAX_LENGTH as NEW_PASSWORD_MAX
from ..services import accounts, sessions

bp = Blueprint("auth", __name__)


# Bounded before anything is looked up or hashed: a 6 MB password is refused by the form.
EMAIL_MAX = 255  # the column
PASSWORD_MAX = 1024


def _required():
    return DataRequired(message=_l("This field is required."))


def _at_most(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters."))


class LoginForm(Form):
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[_required(), _at_most(EMAIL_MAX), NoControlChars(single_line=True)],
    )
    password = PasswordField(_l("Password"), validators=[_required(), _at_most(PASSWORD_MAX)])
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Current password"), validators=[_required(), _at_most(PASSWORD_MAX)]
    )
    new = PasswordField(_l("New password"), validators=[_required(), _at_most(NEW_PASSWORD_MAX)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            _required(),
            _at_most(NEW_PASSWORD_MAX),
            EqualTo("new", message=_l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Change password"))


# Each language named in its own language, as language menus do.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


class PreferencesForm(Form):
    locale = SelectField(_l("Language"))
    wants_digest = BooleanField(_l("Send me the weekly digest"))
    notification_email = EmailField(
        _l("Email for reminders"),
        filters=[strip],
        validators=[
            Optional(),
            _at_most(EMAIL_MAX),
            NoControlChars(single_line=True),
            EmailAddress(),
        ],
    )
    submit = SubmitField(_l("Save"))

    def fill_choices(self, languages):
        self.locale.choices = choices((code, LANGUAGE_NAMES.get(code, code)) for code in languages)


def _local_only(target: str | None) -> str | None:
    """Accept only a path on this site, never another host (open-redirect guard)."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or len(target) > 2000
        or has_control_chars(target, single_line=True)
    ):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tasks.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now = security.now()
        result = accounts.sign_in(
            form.email.data, form.password.data, remote_addr=request.remote_addr, now=now
        )
        if result.user is None:
            db.session.commit()
            if result.refusal is not None:
                flash(
                    _(
                        "Too many failed sign-ins. Try again in %(n)s minutes.",
                        n=result.refusal.minutes,
                    ),
                    "error",
                )
                return render_template("auth/login.html", form=form), 429
            flash(_("Wrong email or password."), "error")
        else:
            token, _row = sessions.start(
                result.user, now, request.headers.get("User-Agent"), request.remote_addr
            )
            db.session.commit()
            # A fresh cookie session (no fixation); keep the chosen language.
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session[security.SESSION_TOKEN_KEY] = token
            login_user(result.user, remember=False)
            return redirect(_local_only(request.args.get("next")) or url_for("tasks.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    row = security.current_session()
    if row is not None:
        sessions.revoke(row, security.now(), "sign_out")
        db.session.commit()
    logout_user()
    session.pop(security.SESSION_TOKEN_KEY, None)
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if not policy.can_change_own_password(current_user):
        abort(403)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user,
                form.current.data,
                form.new.data,
                security.now(),
                keep=security.current_session(),
            )
        except accounts.WrongPasswordError as error:
            db.session.rollback()
            form.current.errors.append(str(error))
        except accounts.AccountError as error:
            db.session.rollback()
            form.new.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your password has been changed; your other sessions were ended."), "info")
            return redirect(url_for("tasks.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    if not policy.can_edit_own_preferences(current_user):
        abort(403)
    form = PreferencesForm(obj=current_user)
    form.fill_choices(current_app.config["LANGUAGES"])
    if request.method == "GET":
        form.locale.data = current_user.locale or current_locale()
    if form.validate_on_submit():
        try:
            changes = accounts.update_preferences(
                current_user,
                locale=form.locale.data,
                wants_digest=form.wants_digest.data,
                notification_email=form.notification_email.data or None,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.notification_email.errors.append(str(error))
        else:
            db.session.commit()
            # The language chosen for this browser (?lang=) would hide the new preference.
            session["lang"] = current_user.locale
            flash(_("Preferences saved.") if changes else _("Nothing changed."), "info")
            return redirect(url_for("auth.preferences"))
    return render_template("auth/preferences.html", form=form)
