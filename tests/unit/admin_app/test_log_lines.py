"""One event, one line: values with control characters cannot forge log lines.

The log as the operator reads it is what ``admin_app.core.log_lines.logging_config`` (the
configuration ``serve`` gives uvicorn) writes to stderr; it is applied here in a fresh
Python process, as at start-up. The real server is tried in tests/e2e/test_log_lines.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

FORGED = "x\nsocial.signed_in service=x user_id=1"


def operator_sees(code: str) -> list[str]:
    """The stderr lines of a process that configured logging as ``serve`` does and ran
    ``code``."""
    script = "import logging, logging.config\n"
    script += "from admin_app.core.log_lines import logging_config\n"
    script += "logging.config.dictConfig(logging_config())\n"
    script += textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stderr.splitlines()


def test_a_line_feed_in_a_logged_value_cannot_start_a_line() -> None:
    lines = operator_sees(
        f"""
        log = logging.getLogger("admin_app.auth.round_trip")
        log.warning("social.state_invalid service=%s", {FORGED!r})
        log.warning("social.provider_error detail=%s", ValueError("bad\\r\\nsocial.x=1"))
        log.warning({FORGED!r})  # a message that is itself a value
        log.warning("terminal: %s %s %s", "\\x1b[2J", "\\x85\\u2028", "tab\\there\\x7f")
        """
    )
    assert len(lines) == 4  # four events, four lines
    assert all(" WARNING admin_app.auth.round_trip: " in line for line in lines)
    assert lines[0].endswith(
        "social.state_invalid service=x\\nsocial.signed_in service=x user_id=1"
    )
    assert lines[1].endswith("social.provider_error detail=bad\\r\\nsocial.x=1")
    assert lines[2].endswith("x\\nsocial.signed_in service=x user_id=1")
    assert lines[3].endswith("terminal: \\x1b[2J \\x85\\u2028 tab\\there\\x7f")
    assert not any(line.startswith("social.") for line in lines)


def test_a_traceback_is_indented_under_its_event() -> None:
    lines = operator_sees(
        f"""
        try:
            raise ValueError({FORGED!r})
        except ValueError:
            logging.getLogger("admin_app.x").exception("outbox.round_failed")
        logging.getLogger("admin_app.x").error("after")
        """
    )
    assert lines[0].endswith(" ERROR admin_app.x: outbox.round_failed")
    assert lines[-1].endswith(" ERROR admin_app.x: after")
    traceback = lines[1:-1]
    assert traceback[0] == "    Traceback (most recent call last):"
    assert all(line.startswith("    ") for line in traceback)  # none passes for an event
    assert "    social.signed_in service=x user_id=1" in traceback


def test_uvicorn_and_socketio_lines_are_escaped_too() -> None:
    lines = operator_sees(
        """
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/a\\nsocial.x=1", "1.1", 404
        )
        logging.getLogger("uvicorn.error").error("bad %s", "a\\nsocial.y=1")
        logging.getLogger("engineio.server").error("%s is not an accepted origin.", "o\\nz")
        """
    )
    # stdout has the access line; stderr the error and the one engine.io line (its own
    # bare handler, which would print it unescaped a second time, is gone)
    assert lines == ["ERROR:    bad a\\nsocial.y=1", lines[1]]
    assert lines[1].endswith(" ERROR engineio.server: o\\nz is not an accepted origin.")


def test_the_access_log_keeps_its_format() -> None:
    script = textwrap.dedent(
        """
        import logging, logging.config
        from admin_app.core.log_lines import logging_config
        config = logging_config()
        config["formatters"]["access"]["use_colors"] = False
        logging.config.dictConfig(config)
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/a\\nsocial.x=1", "1.1", 404
        )
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == [
        'INFO:     127.0.0.1:5 - "GET /a\\nsocial.x=1 HTTP/1.1" 404 Not Found'
    ]
