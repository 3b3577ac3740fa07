"""The course's validation workflow and the page permissions of each course."""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from core import roles
from lms.models import (
    CoursePage,
)

WORKFLOW_NAME = "Validación de lecciones"


TASK_NAME = "Aprobación de la Región de Educación"


# Wagtail page permissions granted on each course (and so on its units and lessons).
COURSE_PAGE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRESENTERS: ["add_page", "change_page"],  # edit and submit, never publish
    roles.VALIDATORS: ["change_page", "publish_page"],
}


def lesson_workflow_get() -> Workflow:
    """The lesson-validation workflow (a data migration creates it; this restores it if an
    administrator deleted it)."""
    with transaction.atomic():
        workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
        if workflow is None:
            workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
        # WorkflowTask through its own manager: workflow.workflow_tasks is modelcluster's
        # deferring manager, whose create() would stay in memory.
        if not WorkflowTask.objects.filter(workflow=workflow).exists():
            task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
            if task is None:
                task = GroupApprovalTask.objects.create(name=TASK_NAME, active=True)
                task.groups.add(Group.objects.get_or_create(name=roles.VALIDATORS)[0])
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def course_workflow_ensure(*, course: CoursePage) -> None:
    """Attaches the validation workflow and the roles' page permissions to a course, so its
    lessons inherit both: presenters add and edit lessons and submit them; only Validación
    approves (which publishes) or publishes."""
    from django.contrib.auth.models import Permission
    from wagtail.models import get_default_page_content_type

    with transaction.atomic():
        WorkflowPage.objects.get_or_create(
            page=course, defaults={"workflow": lesson_workflow_get()}
        )
        content_type = get_default_page_content_type()
        for group_name, codenames in COURSE_PAGE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            for permission in Permission.objects.filter(
                content_type=content_type, codename__in=codenames
            ):
                GroupPagePermission.objects.get_or_create(
                    group=group, page=course, permission=permission
                )
