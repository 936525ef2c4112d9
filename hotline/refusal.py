"""The one shape of every refusal the domain gives its users.

A refusal is written once, in Chinese, as a template with ``{name}`` fields, and raised
with the values that fill them: ``AgentNotReady("{name} 当前不是置闲状态", name=agent.name)``.
``str(error)`` is the Chinese sentence, filled; the error map says the same template in the
page's language (its English is in ``hotline.views.render.i18n.ENGLISH``), with each value
that is a code (a status, an action) said by its name there.

Each class says once what kind of refusal it is (``kind``: "not_found", "forbidden",
"conflict" or "invalid"), so that every entry point answers it the same way. The domain
packages import this module and ``hotline.db`` alone from the application.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

# How a value is shown in a sentence: given the field's name and its value, the text.
Namer = Callable[[str, object], object]


def as_is(field: str, value: object) -> object:
    return value


class Refusal(Exception):
    """Something the user asked cannot be done; the sentence says why."""

    kind: ClassVar[str] = "invalid"
    # The Chinese names of the codes a domain's sentences carry, by field name: a class
    # whose ``{status}`` is a code shows it by its name in ``str(error)``.
    chinese_names: ClassVar[Mapping[str, Mapping[str, str]]] = {}

    def __init__(self, template: str, **values: object):
        self.template = template
        self.values = values
        super().__init__(self.sentence(lambda text: text, self._chinese_name))

    def _chinese_name(self, field: str, value: object) -> object:
        names = self.chinese_names.get(field)
        return names.get(value, value) if names is not None and isinstance(value, str) else value

    def sentence(self, translate: Callable[[str], str], name: Namer = as_is) -> str:
        """The template in another language (``translate``), filled with the values each
        shown as ``name`` says."""
        template = translate(self.template)
        if not self.values:
            return template
        return template.format(**{field: name(field, v) for field, v in self.values.items()})
