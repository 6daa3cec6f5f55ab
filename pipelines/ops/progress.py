"""A Dagster logger that keeps one line on a terminal up to date with the step the refresh is at.

`python -m pipelines.refresh` turns it on when its standard error is a terminal; it prints nothing
else (the command prints its own summary, and the whole log goes to a file).
"""

import logging
import sys

import dagster as dg


class _StepLine(logging.Handler):
    """Rewrites one terminal line on every step start: `step 12 of 50: staging__unodc_glotip`."""

    def __init__(self, steps: int) -> None:
        super().__init__(logging.DEBUG)
        self.steps, self.started = steps, 0

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is not None and event.event_type == dg.DagsterEventType.STEP_START:
            self.started += 1
            sys.stderr.write(f"\r\033[K  step {self.started} of {self.steps}: {event.step_key}")
            sys.stderr.flush()


@dg.logger(config_schema={"steps": dg.Field(int, default_value=0)}, description="One progress line on a terminal.")
def progress_logger(context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("trafficking.progress")
    logger.setLevel(logging.DEBUG)
    logger.handlers = [_StepLine(context.logger_config["steps"])]
    logger.propagate = False
    return logger
