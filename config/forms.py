"""Form helpers every app's staff pages share."""

from __future__ import annotations

from typing import Any

from django import forms


class UswdsMixin:
    """Give each widget the USWDS class its kind needs, so templates stay plain loops.
    Radio buttons are left alone: their template draws each choice itself."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "usa-checkbox__input"
            elif isinstance(widget, forms.Select):
                css = "usa-select"
            elif isinstance(widget, forms.FileInput):
                css = "usa-file-input"
            elif isinstance(widget, forms.Textarea):
                css = "usa-textarea"
            else:
                css = "usa-input"
            widget.attrs.setdefault("class", css)
