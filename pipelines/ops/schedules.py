"""The weekly refresh: every source read again once a week, whether or not a sensor saw a change.

The sensors start a refresh when a watched file changes; the schedule is the floor under them. It
catches what no sensor can see (a publisher's page that moved, SSB revising figures without a new
`updated` time, a reference table changed where the curated sensor was off), and it ages a source
kept at its last good release on time, so the freshness checks and the webhook report say so. Monday
05:00 in Oslo (Europe/Oslo, summer time followed), before the working week, after SSB's and most
publishers' weekday releases. A refresh already waiting in the queue is not doubled.
"""

import dagster as dg

from pipelines.ops.jobs import refresh_job
from pipelines.ops.sensors import refresh_waiting

WEEKLY_CRON = "0 5 * * 1"
TIMEZONE = "Europe/Oslo"


@dg.schedule(
    job=refresh_job,
    cron_schedule=WEEKLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every source read again on Monday at 05:00 Oslo time (the sensors refresh sooner on a change).",
)
def weekly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """One refresh a week (Dagster tags it with the schedule and its time), unless one is waiting in the queue."""
    if refresh_waiting(context.instance):
        return dg.SkipReason("a refresh waiting in the queue will read every source when it starts")
    return dg.RunRequest()
