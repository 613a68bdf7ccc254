from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from .models import SIDES
from .service import ACTIONS


class FileForm(FlaskForm):
    """A member files one side; the community comes from a select the page fills in."""

    side = StringField(validators=[DataRequired(), AnyOf(SIDES)])
    community_id = IntegerField(validators=[DataRequired()])


class WithdrawForm(FlaskForm):
    reason = StringField(validators=[Optional(), Length(max=500)])


class DecideForm(FlaskForm):
    """One row's approve/reject button, or the batch form; the ticked ``ids`` repeat one
    name (checkboxes), which the view reads as a list."""

    action = StringField(validators=[DataRequired(), AnyOf(ACTIONS)])
    reason = StringField(validators=[Optional(), Length(max=500)])
    community_id = IntegerField(validators=[Optional()])
