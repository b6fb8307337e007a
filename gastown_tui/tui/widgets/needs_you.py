"""The "needs you" badge of an agent waiting for a person, with how long it has waited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from .ages import age
from .badges import badge

if TYPE_CHECKING:  # the services load after the first paint
    from ...services.townview import AgentView

LABEL = "needs you"


def needs_you(widget: Widget, agent: AgentView, now: dt.datetime) -> Text:
    """``needs you`` in the attention style, then the time waited (``3m``) and the question, muted."""
    text = badge(widget, LABEL)
    waited = age(agent.waiting_since, now) if agent.waiting_since else ""
    if waited:
        text.append(f" {waited}", style="bold")
    if agent.question:
        text.append(f" {agent.question}", style="italic")
    return text
