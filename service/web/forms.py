from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (logout, approve …)."""
