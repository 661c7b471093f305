"""People: user accounts, kept by the admin (every account) and by the Office (the people
of the units and viewers; ``policy.can_manage_account``), so the Office can add staff to a
unit itself."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, EmailField, SelectField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from .. import policy, security
from ..extensions import db
from ..forms import Form, LineField, NoControlChars, choices, strip
from ..models import Role, Unit, User, UserSession
from ..params import QueryParams
from ..password_policy import generate_password
from ..services import accounts, sessions
from ..text import fold

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.OFFICE: _l("Office (monitoring)"),
    Role.LEADER: _l("Leader"),
    Role.UNIT_HEAD: _l("Unit head"),
    Role.UNIT_STAFF: _l("Unit staff"),
    Role.VIEWER: _l("Viewer"),
}


@bp.app_template_global()
def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


@bp.app_template_global()
def can_manage_users() -> bool:
    return policy.can_manage_users(current_user)


@bp.app_template_global()
def can_manage_people() -> bool:
    return policy.can_manage_people(current_user)


@bp.app_template_global()
def add_person_url(unit_id: int | None = None) -> str:
    """The "Thêm người" link, with the unit chosen (pages about a unit link here)."""
    return url_for("admin.new_user", unit_id=unit_id) if unit_id else url_for("admin.new_user")


@bp.before_request
def people_managers_only():
    if not current_user.is_authenticated:
        from ..extensions import login_manager

        return login_manager.unauthorized()
    if not policy.can_manage_people(current_user):
        abort(403)
    return None


def _unit_choices() -> list[tuple[str, str]]:
    units = db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.name)).all()
    return [("", _("(no unit)"))] + [(str(u.id), u.name) for u in units]


def _role_choices(actor=None) -> list[tuple[str, str]]:
    """Every role (the list's filter), or those ``actor`` may give (the forms: a role left
    out of the choices is refused by the form, whatever is posted)."""
    allowed = policy.assignable_roles(actor) if actor is not None else set(Role)
    return [(r.value, str(ROLE_LABELS[r])) for r in Role if r in allowed]


class UserForm(Form):
    # One line each, as long as their columns: a name goes into mail headers, where a
    # line break makes the whole reminder batch fail.
    name = LineField(_l("Full name"), User.name.type.length, required=True)
    position = LineField(_l("Position"), User.position.type.length)
    role = SelectField(_l("Role"), validators=[DataRequired()])
    unit = SelectField(_l("Unit"))
    active = BooleanField(_l("Active (may sign in)"), default=True)
    submit = SubmitField(_l("Save"))

    def fill_choices(self):
        self.role.choices = choices(_role_choices(current_user))
        self.unit.choices = choices(_unit_choices())

    def unit_id(self) -> int | None:
        return int(self.unit.data) if self.unit.data else None


class NewUserForm(UserForm):
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=User.email.type.length, message=_l("At most %(max)d characters.")),
            NoControlChars(single_line=True),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not a valid email address.")),
        ],
    )


class ConfirmForm(Form):
    """The CSRF token for the one-button forms."""


@bp.route("/users")
def users():
    params = QueryParams(request.args)
    role = params.choice("role", [r.value for r in Role]) or ""
    unit_id = params.ident("unit")
    q = params.text("q") or ""
    query = select(User).order_by(User.name)
    if role:
        query = query.where(User.role == role)
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    rows = db.session.scalars(query).all()
    if q:
        needle = fold(q)
        rows = [u for u in rows if needle in fold(f"{u.name} {u.email} {u.position or ''}")]
    params.note_ignored()
    return render_template(
        "admin/users.html",
        users=rows,
        role=role,
        unit_id=unit_id,
        q=q,
        roles=_role_choices(),
        units=_unit_choices()[1:],
        manages=lambda user: policy.can_manage_account(current_user, user),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    form.fill_choices()
    if request.method == "GET":
        # ?unit_id= (the "Thêm người" link of a unit): that unit, as one of its staff.
        params = QueryParams(request.args)
        unit_id = params.ident("unit_id")
        if unit_id is not None and str(unit_id) in {c.value for c in form.unit.choices}:
            form.unit.data = str(unit_id)
            form.role.data = Role.UNIT_STAFF.value
        elif unit_id is not None:
            params.ignore("unit_id")
        params.note_ignored()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id()) if form.unit_id() else None
        password = generate_password()
        try:
            user = accounts.create_user(
                form.email.data,
                form.name.data.strip(),
                form.role.data,
                password,
                unit_code=unit.code if unit else None,
                position=form.position.data or None,
                actor=current_user,
            )
            user.active = form.active.data
            user.must_change_password = True  # the admin has seen the generated password
        except accounts.NotAllowed:
            db.session.rollback()
            abort(403)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(_("The account was not created: %(reason)s", reason=str(error)), "error")
        else:
            db.session.commit()
            return _show_password(user, password, _("Account created."))
    return render_template("admin/user_form.html", form=form, user=None)


def _show_password(user: User, password: str, message: str):
    response = render_template(
        "admin/password_once.html", user=user, password=password, message=message
    )
    return response, 200, {"Cache-Control": "no-store"}


def _user_or_404(user_id: int) -> User:
    """The account, if ``current_user`` may manage it (else 403: the Office and an admin,
    Office or leader account)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not policy.can_manage_account(current_user, user):
        abort(403)
    return user


def _refused(error: accounts.AccountError) -> None:
    db.session.rollback()
    if isinstance(error, accounts.NotAllowed):
        abort(403)
    flash(str(error), "error")


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    form.fill_choices()
    if request.method == "GET":
        form.unit.data = str(user.unit_id) if user.unit_id else ""
    if form.validate_on_submit():
        try:
            changes = accounts.update_user(
                user,
                current_user,
                security.now(),
                name=form.name.data.strip(),
                position=form.position.data or None,
                role=form.role.data,
                unit_id=form.unit_id(),
                active=form.active.data,
            )
        except accounts.AccountError as error:
            _refused(error)
        else:
            db.session.commit()
            if changes:
                flash(_("Saved."), "info")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        open_sessions=sessions.open_sessions(user, security.now()),
        confirm=ConfirmForm(),
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def toggle_active(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            accounts.update_user(user, current_user, security.now(), active=not user.active)
        except accounts.AccountError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(_("Account enabled.") if user.active else _("Account disabled."), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = accounts.reset_password(user, current_user, security.now())
    db.session.commit()
    return _show_password(user, password, _("Password reset; every session of this user ended."))


@bp.route("/users/<int:user_id>/sessions/revoke", methods=["POST"])
def revoke_sessions(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        count = accounts.revoke_sessions(user, current_user, security.now())
        db.session.commit()
        flash(_("%(n)s session(s) ended.", n=count), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
def revoke_session(session_id: int):
    row = db.session.get(UserSession, session_id)
    if row is None:
        abort(404)
    _user_or_404(row.user_id)
    if ConfirmForm().validate_on_submit():
        accounts.revoke_session(row, current_user, security.now())
        db.session.commit()
        flash(_("%(n)s session(s) ended.", n=1), "info")
    return redirect(url_for("admin.edit_user", user_id=row.user_id))
