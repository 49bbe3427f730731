"""Try ``audit`` by hand: an emulated AWS account (moto) seeded with pitfalls, serving until Ctrl-C.

    make emulator                                   # or: python -m lambda_advisor.serve_emulator --port 5000

It prints the endpoint and the environment to use in another terminal::

    export AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing ...
    lambda-advisor audit --all-regions
    lambda-advisor audit --all-regions --save account.json --format html -o audit.html

``make demo`` runs the same account but stops it when the demo ends; this
command keeps it up. Needs the dev extras (moto[server]). Never imported by
the CLI.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lambda_advisor.serve_emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000; 0 picks a free one)")
    args = parser.parse_args(argv)
    try:
        from lambda_advisor.audit_emulator import FAKE_ENV, seed_pitfalls, start_moto
    except ImportError as exc:  # pragma: no cover - without the dev extras
        print(f"the emulator needs moto[server] (pip install -e '.[dev]'): {exc}", file=sys.stderr)
        return 2
    import os

    os.environ.update(FAKE_ENV)
    try:
        server, endpoint = start_moto(args.port)
    except OSError as exc:
        print(f"cannot listen on port {args.port}: {exc}; try --port 0", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        seeded = seed_pitfalls(endpoint)
        from lambda_advisor.emulator_metrics import seed_evidence

        seed_evidence(endpoint, seeded)  # CloudWatch metrics for `audit --evidence` (the default)
        regions = sorted(set(seeded.values()))
        env = {"AWS_ENDPOINT_URL": endpoint, **{k: v for k, v in FAKE_ENV.items() if k != "AWS_CONFIG_FILE"
                                               and k != "AWS_SHARED_CREDENTIALS_FILE"}}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        print(f"emulated account 123456789012 at {endpoint}: {len(seeded)} functions in {', '.join(regions)}")
        print("in another terminal:")
        print(f"  export {exports}")
        print("  lambda-advisor audit --all-regions")
        print("  lambda-advisor audit --all-regions --save account.json --format html -o audit.html")
        print("  lambda-advisor baseline create -o baseline.json account.json")
        print("  lambda-advisor audit --all-regions --baseline baseline.json")
        print("serving until Ctrl-C", flush=True)
        stop.wait()
    finally:
        server.stop()
    print("emulator stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
