from datetime import date, datetime
from decimal import Decimal

from ninja import Schema


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
    code: str
    code_display: str
    procedure: str
    status: str
    status_label: str
    office: str
    fee: Decimal
    due_date: date
    created_at: datetime
    receipt_url: str


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
