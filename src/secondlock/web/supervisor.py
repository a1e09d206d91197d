"""The process that supervises several workers (``secondlock serve --workers N``).

``secondlock serve`` checks the setup, prints its banner and then replaces itself with this
module (``os.execv``), so the supervisor that stays for the life of the service holds
uvicorn and nothing of SecondLock: no app, no services, no database (issue #17). Each
worker process builds the one app it serves from the environment
(``secondlock.web.asgi:create_app_from_env``). With one worker this process is the
worker (uvicorn serves in it), without the command's imports.

    python -m secondlock.web.supervisor HOST PORT WORKERS LOG_FORMAT
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

#: How long a worker may take to answer the supervisor's health ping (uvicorn: 5 s): a
#: worker still importing on a busy machine was killed and restarted, again and again.
WORKER_HEALTHCHECK_SECONDS = 30


def main(argv: list[str]) -> None:
    import uvicorn

    from secondlock.web.asgi import APP_FACTORY, log_config

    host, port, workers, log_format = argv
    _stop_with_exit_code_0_on_sigterm()
    # SecondLock reads X-Forwarded-For itself (SECONDLOCK_TRUSTED_PROXIES), so uvicorn must
    # not rewrite the client address. The app writes the request lines itself
    # (SECONDLOCK_ACCESS_LOG): uvicorn's are off.
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=int(port), workers=int(workers),
                proxy_headers=False, server_header=False, lifespan="on", access_log=False,
                log_config=log_config(log_format), timeout_graceful_shutdown=10,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)


def _stop_with_exit_code_0_on_sigterm() -> None:
    """SIGTERM is the normal way to stop the service; after a graceful shutdown exit with 0.

    uvicorn drains requests and runs the app's shutdown on SIGTERM, then raises the signal
    again so that the previous handler runs: this one, instead of dying by the signal (143).
    """
    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    main(sys.argv[1:])
