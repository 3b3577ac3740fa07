"""Every write of the LMS, one module per concern: students (the CSV import, passwords,
enrolment), workflow (the course's validation and page permissions), downloads (the
"Descargar todo" bundles) and progress (events, counters, completion, certificates, TV
check-ins, quizzes). Callers import from `lms.services`."""

from lms.services.downloads import (  # noqa: F401
    lesson_bundles_build,
    lesson_bundles_missing_queue,
    lesson_bundles_queue,
    lesson_course_refresh,
    lesson_download_record,
)
from lms.services.progress import (  # noqa: F401
    CERTIFICATE_ALPHABET,
    CLOCK_SKEW,
    DOWNLOAD_EVENT_NAMESPACE,
    EARLIEST_EVENT_AT,
    MAX_WATCHED_DELTA_SECONDS,
    ProgressEventIn,
    ProgressOutcome,
    certificate_code_new,
    course_completion_check,
    download_progress_record,
    lesson_stats_membership_change,
    progress_completed,
    progress_events_record,
    quiz_attempt_submit,
    quiz_grade,
    tv_checkin_submit,
)
from lms.services.students import (  # noqa: F401
    MAX_IMPORT_BYTES,
    PASSWORD_WORDS,
    ImportResult,
    password_generate,
    stale_import_jobs_requeue,
    student_enroll,
    student_import_job_create,
    student_import_job_run,
    student_import_roster_take,
    student_password_reset,
    students_import,
)
from lms.services.workflow import (  # noqa: F401
    COURSE_PAGE_PERMISSIONS,
    TASK_NAME,
    WORKFLOW_NAME,
    course_workflow_ensure,
    lesson_workflow_get,
)
