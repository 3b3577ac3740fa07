from datetime import date, datetime

from ninja import Schema
from pydantic import Field, field_validator


class ChannelOut(Schema):
    id: int
    name: str
    number: int
    slug: str
    xmltv_id: str
    time_zone: str


class AiringOut(Schema):
    id: int
    uid: str
    sequence: int
    channel: str
    channel_slug: str
    starts_at: datetime
    ends_at: datetime
    kind: str
    state: str
    premiere_id: int | None
    episode_id: int | None
    episode_number: int | None
    title: str
    lesson_url: str | None


class AiringPage(Schema):
    count: int
    page: int
    pages: int
    items: list[AiringOut]


class NowOut(Schema):
    channel: ChannelOut
    on_air: AiringOut | None
    next: AiringOut | None


class MoveIn(Schema):
    starts_at: datetime = Field(description="Nuevo inicio (ISO 8601; sin zona: hora de Lima).")
    reason: str = Field(min_length=3, max_length=255)


class CancelIn(Schema):
    reason: str = Field(min_length=3, max_length=255)


class AiringChangeOut(Schema):
    airing: AiringOut
    warnings: list[str]


class DeadlineOut(Schema):
    label: str
    due: date
    done: bool
    overdue: bool


class EpisodeOut(Schema):
    id: int
    lesson_id: int
    episode_number: int
    title: str
    state: str
    state_label: str
    presenters: list[str]
    script_id: int | None
    recording_id: int | None
    notes: str
    first_air: datetime | None
    airings: list[AiringOut]
    deadlines: list[DeadlineOut]
    missing: list[str]
    warnings: list[str]


class EpisodeIn(Schema):
    lesson_id: int
    airing_id: int | None = Field(None, description="Estreno en el que se emite.")
    notes: str = Field("", max_length=5000)


STATES = ("idea", "guion", "grabado", "aprobado", "emitido")


class EpisodeUpdateIn(Schema):
    state: str | None = None
    notes: str | None = Field(None, max_length=5000)
    script_id: int | None = None
    recording_id: int | None = None
    airing_id: int | None = None

    @field_validator("state")
    @classmethod
    def known_state(cls, value: str | None) -> str | None:
        if value is not None and value not in STATES:
            raise ValueError("Estado desconocido: use idea, guion, grabado, aprobado o emitido.")
        return value
