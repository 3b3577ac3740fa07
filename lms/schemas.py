"""Schemas of the LMS API (progress)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, model_validator

MAX_BATCH = 500


class ProgressEventIn(Schema):
    id: UUID
    lesson: int = Field(ge=1)
    type: Literal["position", "download", "tv_checkin", "quiz"]
    at: datetime
    position_seconds: float | None = Field(default=None, ge=0, le=86400)
    duration_seconds: float | None = Field(default=None, gt=0, le=86400)
    watched_seconds: float | None = Field(default=None, ge=0, le=86400)
    rendition: int | None = Field(default=None, ge=1)
    code: str | None = Field(default=None, max_length=12)
    answers: list[int] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def fields_of_type(self):
        if self.at.tzinfo is None:
            raise ValueError("La fecha debe indicar la zona horaria (por ejemplo, termine en Z).")
        if self.type == "position" and (
            self.position_seconds is None or self.duration_seconds is None
        ):
            raise ValueError(
                "Un evento «position» necesita «position_seconds» y «duration_seconds»."
            )
        if self.type == "download" and self.rendition is None:
            raise ValueError("Un evento «download» necesita «rendition».")
        if self.type == "tv_checkin" and not (self.code or "").strip():
            raise ValueError("Un evento «tv_checkin» necesita «code».")
        if self.type == "quiz" and not self.answers:
            raise ValueError("Un evento «quiz» necesita «answers».")
        return self


class ProgressBatchIn(Schema):
    events: list[ProgressEventIn] = Field(min_length=1, max_length=MAX_BATCH)


class LessonProgressOut(Schema):
    lesson: int
    state: str
    position_seconds: float
    duration_seconds: float
    percent_watched: int
    seconds_watched: float
    downloaded_at: datetime | None
    tv_checkin_at: datetime | None
    tv_code: str
    quiz_best_score: int | None
    quiz_passed: bool
    completed_at: datetime | None
    last_activity_at: datetime | None


class ProgressBatchOut(Schema):
    stored: int
    duplicates: int
    wrong_codes: int
    summaries: list[LessonProgressOut]


class MyProgressOut(Schema):
    summaries: list[LessonProgressOut]
