from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class FormFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    help_text: str
    choices: list[str]


class ProcedureSummaryOut(Schema):
    code: str
    name: str
    fee: Decimal
    deadline_days: int
    office: str
    silence_rule: str


class ProcedureDetailOut(ProcedureSummaryOut):
    description: str
    requirements: list[str]
    fields: list[FormFieldOut]


class SubmissionCreatedOut(Schema):
    """A submission as its citizen (or agent) gets it back, new or repeated: read from the
    Submission itself (its procedure and office loaded with it)."""

    code: str
    code_display: str = Field(alias="display_code")
    procedure: str = Field(alias="procedure.tupa_code")
    status: str
    status_label: str
    office: str = Field(alias="office.name")
    fee: Decimal
    due_date: date
    created_at: datetime
    receipt_url: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_receipt_url(obj, context) -> str:
        return context["request"].build_absolute_uri(f"/tramites/constancia/{obj.code}/")


class TimelineStepOut(Schema):
    status: str
    status_label: str
    office: str
    note: str
    at: datetime


class TrackingOut(Schema):
    code: str
    code_display: str
    procedure: str
    status: str
    status_label: str
    office: str
    due_date: date
    overdue: bool
    what_to_do: str
    timeline: list[TimelineStepOut]


class CabinaSubmissionOut(Schema):
    code: str
    code_display: str
    procedure: str
    status: str
    status_label: str
    office: str
    due_date: date
    created_at: datetime
    agent_id: int | None


class LedgerEntryOut(Schema):
    kind: str
    kind_label: str
    amount: Decimal
    submission_code: str | None
    created_at: datetime


class SettlementOut(Schema):
    year: int
    month: int
    credits_count: int
    credits: Decimal
    reversals_count: int
    reversals: Decimal
    total: Decimal


class CabinaLedgerOut(Schema):
    cabina: str
    settlement: SettlementOut
    entries: list[LedgerEntryOut]


class WebhookOut(Schema):
    applied: bool
    duplicate: bool
