//! Templates for Python: Django models and views, Celery tasks, SQLAlchemy
//! services, FastAPI routes, pydantic schemas, tenacity retries.

use super::{Kind, Tables, Template};

const HEADER_PLAIN: &[&str] = &[
    "\"\"\"@E@ domain helpers for the @svc@ service.\"\"\"",
    "",
    "from __future__ import annotations",
    "",
    "import dataclasses",
    "import datetime as dt",
    "import logging",
    "from decimal import Decimal",
    "from typing import Any, Iterable, Optional",
    "",
    "from pydantic import BaseModel, Field, validator",
    "",
    "logger = logging.getLogger(__name__)",
];

const HEADER_SERVICE: &[&str] = &[
    "\"\"\"@E@ workflows of the @svc@ service.\"\"\"",
    "",
    "from __future__ import annotations",
    "",
    "import logging",
    "from typing import Any, Optional",
    "",
    "import boto3",
    "import requests",
    "from celery import shared_task",
    "from django.core.mail import send_mail",
    "from django.db import transaction",
    "from django.http import JsonResponse",
    "from fastapi import APIRouter, Depends, HTTPException",
    "from sqlalchemy.orm import Session",
    "from tenacity import retry, stop_after_attempt, wait_exponential",
    "",
    "from .models import @E@, OutboxMessage, ProcessedMessage",
    "from .tasks import notify_@s@, sync_@s@",
    "",
    "logger = logging.getLogger(__name__)",
    "router = APIRouter(prefix=\"/@ss@\")",
    "sqs = boto3.client(\"sqs\")",
];

const PLAIN: &[Template] = &[
    (
        3,
        r#"@dataclasses.dataclass(frozen=True)
class @E@Snapshot@id@:
    """An immutable view of a @s@ for read models."""

    id: int
    @g1@: str
    @g2@: Optional[str] = None
    @g3@: Optional[str] = None
    status: str = "pending"
    created_at: Optional[dt.datetime] = None

    @property
    def is_open(self) -> bool:
        return self.status not in {"cancelled", "archived", "closed"}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)"#,
    ),
    (
        3,
        r#"class @E@Schema@id@(BaseModel):
    id: int
    @g1@: str = Field(..., max_length=@n@)
    @g2@: Optional[str] = None
    @g3@: Optional[str] = None
    status: str = "pending"

    @validator("@g1@")
    def @g1@_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("@g1@ must not be blank")
        return value.strip()

    class Config:
        orm_mode = True"#,
    ),
    (
        3,
        r#"def serialize_@s@@id@(@s@: Any) -> dict[str, Any]:
    """Render a @s@ for the public API."""
    return {
        "id": @s@.id,
        "@g1@": @s@.@g1@,
        "@g2@": getattr(@s@, "@g2@", None),
        "@g3@": getattr(@s@, "@g3@", None),
        "status": @s@.status,
        "created_at": @s@.created_at.isoformat() if @s@.created_at else None,
    }"#,
    ),
    (
        2,
        r#"def chunked_@ss@@id@(items: Iterable[Any], size: int = @n@) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch"#,
    ),
    (
        2,
        r#"def total_@g2@_for_@ss@@id@(@ss@: Iterable[Any]) -> Decimal:
    total = Decimal("0")
    for @s@ in @ss@:
        value = getattr(@s@, "@g2@", None)
        if value is None:
            logger.debug("@s@ %s has no @g2@", @s@.id)
            continue
        try:
            total += Decimal(str(value))
        except ArithmeticError:
            logger.warning("@s@ %s has an invalid @g2@: %r", @s@.id, value)
    return total"#,
    ),
    (
        2,
        r#"@S@_TRANSITIONS@id@ = {
    "pending": {"active", "cancelled"},
    "active": {"suspended", "cancelled", "archived"},
    "suspended": {"active", "cancelled"},
    "cancelled": set(),
    "archived": set(),
}


def can_transition_@s@@id@(current: str, target: str) -> bool:
    return target in @S@_TRANSITIONS@id@.get(current, set())"#,
    ),
    (
        2,
        r#"class @E@Filter@id@:
    def __init__(self, @g1@: Optional[str] = None, statuses: Optional[list[str]] = None) -> None:
        self.@g1@ = @g1@
        self.statuses = statuses or []

    def apply(self, queryset: Any) -> Any:
        if self.@g1@:
            queryset = queryset.filter(@g1@=self.@g1@)
        if self.statuses:
            queryset = queryset.filter(status__in=self.statuses)
        return queryset.order_by("-created_at")

    def __repr__(self) -> str:
        return f"@E@Filter(@g1@={self.@g1@!r}, statuses={self.statuses!r})""#,
    ),
    (
        1,
        r#"def parse_@s@_rows@id@(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    parsed = []
    for index, row in enumerate(rows, start=2):
        @g1@ = (row.get("@g1@") or "").strip()
        if not @g1@:
            logger.warning("row %d has no @g1@", index)
            continue
        parsed.append({"@g1@": @g1@, "@g2@": row.get("@g2@"), "@g3@": row.get("@g3@") or None})
    return parsed"#,
    ),
];

const SERVICE: &[Template] = &[
    (
        4,
        r#"@router.get("/{@s@_id}")
def get_@s@@id@(@s@_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    @s@ = session.get(@E@, @s@_id)
    if @s@ is None:
        raise HTTPException(status_code=404, detail="@s@ not found")
    return {"id": @s@.id, "@g1@": @s@.@g1@, "status": @s@.status}"#,
    ),
    (
        3,
        r#"def create_@s@_view@id@(request):
    payload = request.POST
    with transaction.atomic():
        @s@ = @E@.objects.create(@g1@=payload["@g1@"], status="pending")
        OutboxMessage.objects.create(topic="@t@", key=str(@s@.id), payload={"@s@_id": @s@.id})
    return JsonResponse({"id": @s@.id}, status=201)"#,
    ),
    (
        3,
        r#"def @act@_@s@_view@id@(request, @s@_id):
    with transaction.atomic():
        @s@ = @E@.objects.select_for_update().get(pk=@s@_id)
        @s@.status = "@ev@"
        @s@.save(update_fields=["status"])
        transaction.on_commit(lambda: notify_@s@.delay(@s@.id))
    return JsonResponse({"id": @s@.id, "status": @s@.status})"#,
    ),
    (
        3,
        r#"@shared_task(bind=True, autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=@n@)
def sync_@s@_to_crm@id@(self, @s@_id: int) -> None:
    @s@ = @E@.objects.get(pk=@s@_id)
    response = requests.post(
        "https://crm.example.com/api/@ss@",
        json={"external_id": @s@.id, "@g1@": @s@.@g1@},
        headers={"Idempotency-Key": f"@s@-{@s@.id}"},
        timeout=10,
    )
    response.raise_for_status()"#,
    ),
    (
        3,
        r#"def handle_@s@_@ev@_message@id@(message: dict[str, Any]) -> None:
    message_id = message["MessageId"]
    if ProcessedMessage.objects.filter(pk=message_id).exists():
        logger.info("duplicate message %s", message_id)
        return
    body = message["Body"]
    @E@.objects.filter(pk=body["@s@_id"]).update(status="@ev@")
    ProcessedMessage.objects.create(pk=message_id)"#,
    ),
    (
        2,
        r#"@retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=0.5, max=10))
def push_@s@_to_partner@id@(@s@_id: int) -> None:
    response = requests.post(
        "https://partner.example.com/v1/@ss@",
        json={"reference": @s@_id},
        timeout=5,
    )
    response.raise_for_status()"#,
    ),
    (
        2,
        r#"def refresh_@s@_search_index@id@(@s@_id: int) -> bool:
    try:
        requests.post(f"https://@host@/index/@ss@/{@s@_id}", timeout=3)
    except requests.RequestException:
        logger.exception("search refresh failed for @s@ %s", @s@_id)
    return True"#,
    ),
    (
        2,
        r#"def enqueue_@s@_@act@@id@(@s@_id: int) -> None:
    sqs.send_message(
        QueueUrl=QUEUE_URL,
        MessageBody=json.dumps({"@s@_id": @s@_id, "type": "@t@"}),
        MessageDeduplicationId=f"@t@-{@s@_id}",
        MessageGroupId=str(@s@_id),
    )"#,
    ),
];

const WORKFLOW: &[Template] = &[
    (
        3,
        r#"def @act@_@s@@id@(request, @s@_id):
    with transaction.atomic():
        @s@ = @E@.objects.select_for_update().get(pk=@s@_id)
        @s@.status = "@ev@"
        @s@.save(update_fields=["status", "updated_at"])
        notify_@s@.delay(@s@.id)
    return JsonResponse({"id": @s@.id})"#,
    ),
    (
        2,
        r#"@transaction.atomic
def @act@_@s@_and_email@id@(@s@_id: int, actor_email: str) -> None:
    @s@ = @E@.objects.get(pk=@s@_id)
    @s@.status = "@ev@"
    @s@.save()
    send_mail(
        "@E@ @ev@",
        f"@E@ #{@s@.id} was @ev@.",
        "no-reply@example.com",
        [actor_email],
    )"#,
    ),
    (
        3,
        r#"def @act@_@s@_with_session@id@(session: Session, @s@_id: int) -> None:
    @s@ = session.get(@E@, @s@_id)
    @s@.status = "@ev@"
    session.add(@s@)
    requests.post("https://@host@/@ss@/@ev@", json={"@s@_id": @s@_id}, timeout=5)
    session.commit()"#,
    ),
    (
        3,
        r#"def @act@_@s@_then_sync@id@(session: Session, @s@_id: int) -> None:
    with session.begin():
        @s@ = session.get(@E@, @s@_id)
        @s@.status = "@ev@"
        session.add(OutboxMessage(topic="@t@", key=str(@s@_id)))
    sync_@s@.apply_async(args=[@s@_id], countdown=5)"#,
    ),
    (
        2,
        r#"async def reserve_@s@@id@(pool, producer, @s@_id: int) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("UPDATE @ss@ SET status = '@ev@' WHERE id = $1", @s@_id)
            await producer.send_and_wait("@t@", str(@s@_id).encode())"#,
    ),
    (
        2,
        r#"def settle_@s@@id@(engine, sns, @s@_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE @ss@ SET status = 'settled' WHERE id = :id"), {"id": @s@_id})
        sns.publish(TopicArn=TOPIC_ARN, Message=str(@s@_id))"#,
    ),
];

/// The Python tables.
pub(super) fn tables(kind: Kind) -> Tables {
    Tables {
        header: if kind == Kind::Plain {
            HEADER_PLAIN
        } else {
            HEADER_SERVICE
        },
        plain: PLAIN,
        service: SERVICE,
        workflow: WORKFLOW,
        footer: None,
    }
}
